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
    /// The execution providers this build offers, e.g. ["CPUExecutionProvider"] for the bundled build, or with
    /// "CUDAExecutionProvider" for a CUDA build. Offering one does not mean its drivers are installed.
    /// </summary>
    public static IReadOnlyList<string> AvailableProviders => Providers.Value;

    /// <summary>True when the loaded build offers the CUDA execution provider.</summary>
    public static bool HasCuda => AvailableProviders.Contains("CUDAExecutionProvider");
}
