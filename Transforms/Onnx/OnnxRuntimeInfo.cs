namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// Which ONNX Runtime this process uses. Reading any member loads the runtime (once) if it is not loaded yet.
/// </summary>
/// <remarks>
/// The native library comes from a NuGet package: Microsoft.ML.OnnxRuntime (CPU, the default that
/// MLNetAttn.Transforms brings) or Microsoft.ML.OnnxRuntime.Gpu (CUDA), when the application references it.
/// </remarks>
public static class OnnxRuntimeInfo
{
    /// <summary>The NuGet package that ships the CPU build.</summary>
    public const string CpuPackage = "Microsoft.ML.OnnxRuntime";

    /// <summary>The NuGet package that ships the CUDA build (CUDA 13, cuDNN 9 for version 1.32).</summary>
    public const string GpuPackage = "Microsoft.ML.OnnxRuntime.Gpu";

    private static readonly Lazy<IReadOnlyList<string>> Providers = new(() => OnnxEnvironment.Instance.GetAvailableProviders());
    private static readonly Lazy<string> Path = new(FindLibrary);

    /// <summary>The runtime's version string, e.g. "1.32.0".</summary>
    public static string Version => OnnxEnvironment.Instance.GetVersionString();

    /// <summary>
    /// The native library file that was loaded, read from the process's memory map on Linux; elsewhere (or when it
    /// cannot be read) the bare name the .NET host resolved, "onnxruntime".
    /// </summary>
    public static string LibraryPath => Path.Value;

    /// <summary>
    /// The execution providers the loaded build was compiled with, e.g. "CUDAExecutionProvider" and "CPUExecutionProvider".
    /// Listing one does not mean its provider library, drivers, CUDA or cuDNN are installed.
    /// </summary>
    public static IReadOnlyList<string> AvailableProviders => Providers.Value;

    /// <summary>
    /// True when the loaded build has the CUDA execution provider (it came from <see cref="GpuPackage"/>). CUDA and
    /// cuDNN may still be missing; only <see cref="OnnxSession.ExecutionProvider"/> says whether a session really runs on CUDA.
    /// </summary>
    public static bool OffersCuda => AvailableProviders.Contains("CUDAExecutionProvider");

    /// <summary>The package the loaded build comes from, as far as its providers tell: <see cref="GpuPackage"/> or <see cref="CpuPackage"/>.</summary>
    public static string Package => OffersCuda ? GpuPackage : CpuPackage;

    private static string FindLibrary()
    {
        _ = OnnxEnvironment.Instance; // loads the library
        try
        {
            if (OperatingSystem.IsLinux())
                foreach (var line in File.ReadLines("/proc/self/maps"))
                {
                    var slash = line.IndexOf('/');
                    if (slash >= 0 && line.AsSpan(slash).EndsWith("/libonnxruntime.so", StringComparison.Ordinal))
                        return line[slash..];
                }
        }
        catch (IOException)
        {
            // Not readable here: fall back to the name.
        }
        return "onnxruntime";
    }
}
