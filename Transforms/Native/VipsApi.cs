using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// The libvips C entry points the imaging layer uses, bound once from the bundled libvips 8.18.7
/// (<c>libvips-cpp.so.8.18.7</c>, which exports the C API and glib/gobject). Only non-variadic
/// functions are bound: every operation goes through the generic operation API in
/// <see cref="VipsOperation"/>, because .NET cannot call C variadic functions portably.
/// </summary>
internal static unsafe class VipsApi
{
    private static readonly object Gate = new();
    private static volatile bool initialized;
    private static Exception? initFailure;

    /// <summary>True once libvips is loaded and initialized.</summary>
    public static bool IsInitialized => initialized;

    /// <summary>The library that was loaded, for messages.</summary>
    public static LoadedLibrary Library { get; private set; }

    #region Init and global settings
    public static delegate* unmanaged<byte* /*argv0*/, int /*0 ok*/> Init;
    public static delegate* unmanaged<int /*flag: 0 major, 1 minor, 2 micro*/, int> Version;
    public static delegate* unmanaged<int /*max operations*/, void> CacheSetMax;
    public static delegate* unmanaged<nuint /*size_t max bytes*/, void> CacheSetMaxMem;
    public static delegate* unmanaged<int /*max open files*/, void> CacheSetMaxFiles;
    public static delegate* unmanaged<int /*threads, 0 = default*/, void> ConcurrencySet;
    public static delegate* unmanaged<int /*gboolean*/, void> BlockUntrustedSet;
    #endregion

    #region Errors
    public static delegate* unmanaged<IntPtr /*char*, g_free it; copies and clears under libvips' lock*/> ErrorBufferCopy;
    #endregion

    #region Operations
    public static delegate* unmanaged<byte* /*name or nickname*/, IntPtr /*VipsOperation*, null on error*/> OperationNew;
    public static delegate* unmanaged<IntPtr* /*VipsOperation** in/out*/, int /*0 ok*/> CacheOperationBuildp;
    public static delegate* unmanaged<IntPtr /*VipsObject*/, int /*0 ok*/> ObjectBuild;
    public static delegate* unmanaged<IntPtr /*VipsObject*/, void> ObjectUnrefOutputs;
    public static delegate* unmanaged<byte* /*domain*/, nuint /*GType*/, byte* /*nick*/, int /*-1 on error*/> EnumFromNick;
    #endregion

    #region Foreign (format sniffing)
    public static delegate* unmanaged<byte* /*filename*/, byte* /*const char* loader type name, null if none*/> ForeignFindLoad;
    public static delegate* unmanaged<void* /*data*/, nuint /*size*/, byte* /*loader type name*/> ForeignFindLoadBuffer;
    #endregion

    #region Image
    public static delegate* unmanaged<IntPtr /*VipsImage*/, int> ImageGetWidth;
    public static delegate* unmanaged<IntPtr, int> ImageGetHeight;
    public static delegate* unmanaged<IntPtr, int> ImageGetBands;
    public static delegate* unmanaged<IntPtr, int /*VipsBandFormat*/> ImageGetFormat;
    public static delegate* unmanaged<IntPtr, int /*VipsInterpretation*/> ImageGetInterpretation;
    public static delegate* unmanaged<IntPtr, int /*gboolean*/> ImageHasAlpha;
    public static delegate* unmanaged<IntPtr, int /*1..8, 1 if unset*/> ImageGetOrientation;
    public static delegate* unmanaged<IntPtr, byte* /*field*/, nuint /*GType, 0 if absent*/> ImageGetTypeof;
    public static delegate* unmanaged<void* /*data, borrowed*/, nuint /*size*/, int /*width*/, int /*height*/, int /*bands*/, int /*format*/, IntPtr /*VipsImage*/> ImageNewFromMemory;
    /// <summary>
    /// <c>vips_image_write</c>: computes an image with libvips' thread pool. Pixels are computed on the calling
    /// thread with regions instead (<see cref="VipsImage.WriteTo(void*, nuint, bool)"/>); this stays bound as the reference the
    /// tests compare that path with.
    /// </summary>
    public static delegate* unmanaged<IntPtr /*in*/, IntPtr /*out*/, int /*0 ok*/> ImageWrite;
    public static delegate* unmanaged<IntPtr /*in*/, IntPtr /*new VipsImage*, null on error*/> ImageCopyMemory;
    #endregion

    #region Regions
    public static delegate* unmanaged<IntPtr /*VipsImage*/, IntPtr /*new VipsRegion*, null on error*/> RegionNew;
    public static delegate* unmanaged<IntPtr /*VipsRegion*/, VipsRect* /*area, clipped to the image*/, int /*0 ok*/> RegionImage;
    public static delegate* unmanaged<IntPtr /*VipsRegion* source*/, IntPtr /*VipsRegion* dest*/, VipsRect* /*area of source*/, int /*x in dest*/, int /*y in dest*/, int /*0 ok*/> RegionPrepareTo;
    #endregion

    #region Boxed values
    public static delegate* unmanaged<GValue*, IntPtr /*free_fn or null*/, void* /*data*/, nuint /*length*/, void> ValueSetBlob;
    public static delegate* unmanaged<GValue*, double* /*array, copied*/, int /*n*/, void> ValueSetArrayDouble;
    public static delegate* unmanaged<IntPtr /*VipsBlob*/, nuint* /*length*/, void* /*data, borrowed*/> BlobGet;
    #endregion

    /// <summary>GTypes registered by vips_init, looked up once.</summary>
    public static nuint ImageType, BlobType, ArrayDoubleType;

    /// <summary>
    /// Loads, binds and initializes libvips once per process (thread-safe, lazy). A failure is kept and
    /// rethrown to every later caller, so the first error is the one reported.
    /// </summary>
    public static void EnsureInitialized()
    {
        if (initialized)
            return;
        lock (Gate)
        {
            if (initialized)
                return;
            if (initFailure is not null)
                throw new DllNotFoundException(initFailure.Message, initFailure);
            try
            {
                InitializeLocked();
                initialized = true;
            }
            catch (Exception e)
            {
                initFailure = e;
                throw;
            }
        }
    }

    private static void InitializeLocked()
    {
        var lib = NativeLibraryResolver.Load("libvips", NativeRuntimeOptions.VipsPath, NativeRuntimeOptions.VipsPathVariable,
            "libvips-cpp.so.8.18.7", "libvips.so.42");
        Library = lib;
        GObjectApi.Bind(lib);

        Init = (delegate* unmanaged<byte*, int>)lib.Export("vips_init");
        Version = (delegate* unmanaged<int, int>)lib.Export("vips_version");
        CacheSetMax = (delegate* unmanaged<int, void>)lib.Export("vips_cache_set_max");
        CacheSetMaxMem = (delegate* unmanaged<nuint, void>)lib.Export("vips_cache_set_max_mem");
        CacheSetMaxFiles = (delegate* unmanaged<int, void>)lib.Export("vips_cache_set_max_files");
        ConcurrencySet = (delegate* unmanaged<int, void>)lib.Export("vips_concurrency_set");
        BlockUntrustedSet = (delegate* unmanaged<int, void>)lib.Export("vips_block_untrusted_set");
        ErrorBufferCopy = (delegate* unmanaged<IntPtr>)lib.Export("vips_error_buffer_copy");
        OperationNew = (delegate* unmanaged<byte*, IntPtr>)lib.Export("vips_operation_new");
        CacheOperationBuildp = (delegate* unmanaged<IntPtr*, int>)lib.Export("vips_cache_operation_buildp");
        ObjectBuild = (delegate* unmanaged<IntPtr, int>)lib.Export("vips_object_build");
        ObjectUnrefOutputs = (delegate* unmanaged<IntPtr, void>)lib.Export("vips_object_unref_outputs");
        EnumFromNick = (delegate* unmanaged<byte*, nuint, byte*, int>)lib.Export("vips_enum_from_nick");
        ForeignFindLoad = (delegate* unmanaged<byte*, byte*>)lib.Export("vips_foreign_find_load");
        ForeignFindLoadBuffer = (delegate* unmanaged<void*, nuint, byte*>)lib.Export("vips_foreign_find_load_buffer");
        ImageGetWidth = (delegate* unmanaged<IntPtr, int>)lib.Export("vips_image_get_width");
        ImageGetHeight = (delegate* unmanaged<IntPtr, int>)lib.Export("vips_image_get_height");
        ImageGetBands = (delegate* unmanaged<IntPtr, int>)lib.Export("vips_image_get_bands");
        ImageGetFormat = (delegate* unmanaged<IntPtr, int>)lib.Export("vips_image_get_format");
        ImageGetInterpretation = (delegate* unmanaged<IntPtr, int>)lib.Export("vips_image_get_interpretation");
        ImageHasAlpha = (delegate* unmanaged<IntPtr, int>)lib.Export("vips_image_hasalpha");
        ImageGetOrientation = (delegate* unmanaged<IntPtr, int>)lib.Export("vips_image_get_orientation");
        ImageGetTypeof = (delegate* unmanaged<IntPtr, byte*, nuint>)lib.Export("vips_image_get_typeof");
        ImageNewFromMemory = (delegate* unmanaged<void*, nuint, int, int, int, int, IntPtr>)lib.Export("vips_image_new_from_memory");
        ImageWrite = (delegate* unmanaged<IntPtr, IntPtr, int>)lib.Export("vips_image_write");
        ImageCopyMemory = (delegate* unmanaged<IntPtr, IntPtr>)lib.Export("vips_image_copy_memory");
        RegionNew = (delegate* unmanaged<IntPtr, IntPtr>)lib.Export("vips_region_new");
        RegionImage = (delegate* unmanaged<IntPtr, VipsRect*, int>)lib.Export("vips_region_image");
        RegionPrepareTo = (delegate* unmanaged<IntPtr, IntPtr, VipsRect*, int, int, int>)lib.Export("vips_region_prepare_to");
        ValueSetBlob = (delegate* unmanaged<GValue*, IntPtr, void*, nuint, void>)lib.Export("vips_value_set_blob");
        ValueSetArrayDouble = (delegate* unmanaged<GValue*, double*, int, void>)lib.Export("vips_value_set_array_double");
        BlobGet = (delegate* unmanaged<IntPtr, nuint*, void*>)lib.Export("vips_blob_get");

        VipsLog.Install(lib);
        Span<byte> argv0 = stackalloc byte[16];
        if (Init(GObjectApi.Utf8("mlnetattn", argv0)) != 0)
            throw new DllNotFoundException($"vips_init failed for {lib.Path}: {VipsError.TakeBuffer()}");

        ImageType = GObjectApi.TypeOf("VipsImage");
        BlobType = GObjectApi.TypeOf("VipsBlob");
        ArrayDoubleType = GObjectApi.TypeOf("VipsArrayDouble");

        // Loaders libvips marks untrusted (e.g. ImageMagick, MATLAB, FITS) are not meant for hostile input.
        BlockUntrustedSet(1);
        VipsSettings.ApplyAll();

        NativeRuntimeOptions.LoggerFactory.CreateLogger("MLNetAttn.Vips").LogInformation(
            "Loaded libvips {Major}.{Minor}.{Micro} from {Path} ({Source})", Version(0), Version(1), Version(2), lib.Path, lib.Source);
    }
}
