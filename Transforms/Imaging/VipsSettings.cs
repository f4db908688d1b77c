namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Process-wide libvips settings. Values set before the first image operation are applied when libvips
/// initializes; values set later are applied at once. libvips keeps one copy of these per process.
/// </summary>
/// <remarks>
/// NetVips runs every operation through libvips' operation cache. The imaging layer's work never repeats (each
/// image has its own chain), so a cache would only keep finished images, open files and copies of encoded
/// bytes alive: it is off by default (<see cref="CacheMaxOperations"/> = 0), and the other limits keep what it
/// may retain small when it is turned on.
/// </remarks>
public static class VipsSettings
{
    private static int concurrency = 1;
    private static int cacheMaxOperations;
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

    /// <summary>Most operations the libvips operation cache keeps. Default = 0, no cache (libvips' own default is 100).</summary>
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
    public static string LibvipsVersion => VipsRuntime.Version;

    /// <summary>Loads and initializes libvips now instead of at the first image.</summary>
    /// <exception cref="DllNotFoundException">libvips could not be loaded or initialized.</exception>
    public static void Initialize() => VipsRuntime.EnsureInitialized();

    private static void Apply()
    {
        if (VipsRuntime.IsInitialized)
            ApplyAll();
    }

    internal static void ApplyAll()
    {
        NetVips.NetVips.Concurrency = concurrency;
        NetVips.Cache.Max = cacheMaxOperations;
        NetVips.Cache.MaxMem = (ulong)cacheMaxMemoryBytes;
        NetVips.Cache.MaxFiles = cacheMaxFiles;
    }
}
