using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// Where the native runtimes log. ONNX Runtime and libvips arrive through their NuGet packages
/// (Microsoft.ML.OnnxRuntime, NetVips.Native) and are found by the .NET host; nothing here chooses files.
/// Set before the first image is decoded or the first model is loaded.
/// </summary>
public static class NativeRuntimeOptions
{
    /// <summary>
    /// Where ONNX Runtime's own log (category "OnnxRuntime"), libvips' warnings, and which execution provider each model
    /// runs on are written. Default = no logging.
    /// </summary>
    public static ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;
}
