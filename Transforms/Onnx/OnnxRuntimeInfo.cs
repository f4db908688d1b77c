using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// Which ONNX Runtime this process uses. Reading any member loads the runtime (once) if it is not loaded yet.
/// </summary>
public static class OnnxRuntimeInfo
{
    private static readonly Lazy<IReadOnlyList<string>> Providers = new(() => OrtApi.GetAvailableProviders());

    /// <summary>The library file that was loaded (or the bare name the system loader resolved).</summary>
    public static string LibraryPath => OrtApi.LibraryPath;

    /// <summary>
    /// Which rule chose the library: "option" (<see cref="NativeRuntimeOptions.OnnxRuntimePath"/>), the environment
    /// variable's name (<see cref="NativeRuntimeOptions.OrtPathVariable"/>), "bundled" (beside the application) or "system".
    /// </summary>
    public static string Source => OrtApi.LibrarySource;

    /// <summary>The runtime's version string, e.g. "1.30.0".</summary>
    public static string Version => OrtApi.Version;

    /// <summary>The <c>OrtApi</c> version requested from the runtime: the oldest that has every call used.</summary>
    public static int ApiVersion => (int)OrtSlot.RequiredApiVersion;

    /// <summary>
    /// The execution providers this build was compiled with, e.g. "CUDAExecutionProvider" and "CPUExecutionProvider".
    /// Listing one does not mean its provider library or drivers are installed.
    /// </summary>
    public static IReadOnlyList<string> AvailableProviders => Providers.Value;

    /// <summary>
    /// True when the loaded build was compiled with the CUDA execution provider. Its provider libraries, CUDA
    /// and cuDNN may still be missing (the bundled build lists CUDA but ships no provider library); only
    /// <see cref="OnnxSession.ExecutionProvider"/> says whether a session really runs on CUDA.
    /// </summary>
    public static bool OffersCuda => AvailableProviders.Contains("CUDAExecutionProvider");
}
