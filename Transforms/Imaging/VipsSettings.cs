using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Process-wide libvips settings. Values set before the first image operation are applied when libvips
/// initializes; values set later are applied at once. libvips keeps one copy of these per process.
/// </summary>
/// <remarks>
/// The imaging layer runs each image's decode chain without the operation cache (the cache would keep
/// finished images, open files and borrowed buffers alive), so the cache only serves ad-hoc operations;
/// the limits below keep what it can retain small.
/// </remarks>
public static class VipsSettings
{
    private static int concurrency = 1;
    private static int cacheMaxOperations = 16;
    private static long cacheMaxMemoryBytes = 32L << 20;
    private static int cacheMaxFiles;

    /// <summary>
    /// Worker threads libvips may use inside one image operation that runs its own thread pool: encoding
    /// (<see cref="ImageEncoder"/>) and the in-memory copy taken before an EXIF rotation. Default = 1: a batch
    /// pipeline works on many images on its own worker threads, and libvips' per-image thread pool on top of
    /// that would oversubscribe the cores. Set 0 for libvips' default (the number of cores) when encoding one
    /// large image at a time. Computing pixels into the library's own buffers (decoding, libvips resizes) does
    /// not use that pool: it runs on the calling thread.
    /// </summary>
    public static int Concurrency
    {
        get => concurrency;
        set { ArgumentOutOfRangeException.ThrowIfNegative(value); concurrency = value; Apply(); }
    }

    /// <summary>Most operations the libvips operation cache keeps. Default = 16 (libvips' own default is 100).</summary>
    public static int CacheMaxOperations
    {
        get => cacheMaxOperations;
        set { ArgumentOutOfRangeException.ThrowIfNegative(value); cacheMaxOperations = value; Apply(); }
    }

    /// <summary>Most pixel memory (bytes) the operation cache may keep. Default = 32 MiB (libvips' default is 100 MiB).</summary>
    public static long CacheMaxMemoryBytes
    {
        get => cacheMaxMemoryBytes;
        set { ArgumentOutOfRangeException.ThrowIfNegative(value); cacheMaxMemoryBytes = value; Apply(); }
    }

    /// <summary>
    /// Open files above which the operation cache is trimmed. Default = 0: cached operations never keep
    /// image files open (libvips' default is 100), so a pipeline over many files cannot run out of
    /// descriptors because of the cache.
    /// </summary>
    public static int CacheMaxFiles
    {
        get => cacheMaxFiles;
        set { ArgumentOutOfRangeException.ThrowIfNegative(value); cacheMaxFiles = value; Apply(); }
    }

    /// <summary>The libvips version loaded, e.g. "8.18.7"; loads libvips if needed.</summary>
    public static unsafe string LibvipsVersion
    {
        get
        {
            VipsApi.EnsureInitialized();
            return $"{VipsApi.Version(0)}.{VipsApi.Version(1)}.{VipsApi.Version(2)}";
        }
    }

    /// <summary>Loads and initializes libvips now instead of at the first image.</summary>
    /// <exception cref="DllNotFoundException">libvips could not be found or initialized; the message says where it looked.</exception>
    public static void Initialize() => VipsApi.EnsureInitialized();

    private static void Apply()
    {
        if (VipsApi.IsInitialized)
            ApplyAll();
    }

    internal static unsafe void ApplyAll()
    {
        VipsApi.ConcurrencySet(concurrency);
        VipsApi.CacheSetMax(cacheMaxOperations);
        VipsApi.CacheSetMaxMem((nuint)cacheMaxMemoryBytes);
        VipsApi.CacheSetMaxFiles(cacheMaxFiles);
    }
}
