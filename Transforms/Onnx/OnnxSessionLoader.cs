using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// Builds ONNX Runtime session options from <see cref="OnnxSessionOptions"/>, adds CUDA when asked, and creates the
/// session, falling back to CPU (with a logged reason) or failing as the options say.
/// </summary>
/// <remarks>
/// CUDA can fail at two moments, and both are handled alike. While the provider is appended: the CPU build
/// (Microsoft.ML.OnnxRuntime) does not export the CUDA entry point at all, so the managed API throws
/// <see cref="EntryPointNotFoundException"/>; the GPU build throws when its provider library cannot load CUDA or cuDNN.
/// While the session initializes: no device, device out of memory. ML.NET retries such loads on CPU without a word;
/// we retry too, but log which provider ran and why.
/// </remarks>
internal static class OnnxSessionLoader
{
    /// <summary>What was created and where it runs.</summary>
    public sealed record Result(InferenceSession Session, string ExecutionProvider, string? FallbackReason);

    /// <summary>Creates a session with <paramref name="create"/>, which receives the finished session options.</summary>
    /// <param name="options">The caller's options (validated here).</param>
    /// <param name="modelName">The model's name for messages.</param>
    /// <param name="create">Makes the session from the options.</param>
    public static Result Load(OnnxSessionOptions options, string modelName, Func<SessionOptions, InferenceSession> create)
    {
        options.Validate();
        _ = OnnxEnvironment.Instance;
        var log = OnnxEnvironment.Logger;
        string? reason = null;

        if (options.GpuDeviceId is int device)
        {
            using var gpuOptions = CreateBase(options, modelName);
            var failure = TryAppendCuda(gpuOptions, device);
            if (failure is null)
            {
                try
                {
                    var session = Create(create, gpuOptions, modelName);
                    log.LogInformation("Model '{Model}' runs on CUDA device {Device} (ONNX Runtime {Version}).", modelName, device, OnnxRuntimeInfo.Version);
                    return new Result(session, "CUDA", null);
                }
                catch (OnnxRuntimeException e) when (options.FallbackToCpu)
                {
                    reason = $"creating the session with the CUDA provider failed: {e.RuntimeMessage}";
                }
            }
            else
            {
                reason = failure.Value.Reason;
                if (!options.FallbackToCpu)
                    throw new OnnxRuntimeException(failure.Value.Code,
                        $"CUDA device {device} was requested for model '{modelName}' but cannot be used: {Sentence(failure.Value.Reason)} " +
                        $"{failure.Value.Remedy} Or set FallbackToCpu = true (--fallback-to-cpu) to run on CPU.", doing: null, failure.Value.Exception);
            }
        }

        using var cpuOptions = CreateBase(options, modelName);
        var cpu = Create(create, cpuOptions, modelName);
        if (reason is not null)
            log.LogWarning(
                "CUDA device {Device} was requested for model '{Model}' but cannot be used, running on CPU instead. Reason: {Reason}",
                options.GpuDeviceId, modelName, reason);
        else
            log.LogDebug("Model '{Model}' runs on CPU (ONNX Runtime {Version}).", modelName, OnnxRuntimeInfo.Version);
        return new Result(cpu, "CPU", reason);
    }

    private static InferenceSession Create(Func<SessionOptions, InferenceSession> create, SessionOptions options, string modelName)
    {
        try
        {
            return create(options);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw OnnxErrors.From(e, $"loading model '{modelName}'");
        }
    }

    private static SessionOptions CreateBase(OnnxSessionOptions options, string modelName)
    {
        var so = new SessionOptions();
        try
        {
            // Write-only native settings: only touch the thread counts when they differ from the runtime's default.
            if (options.IntraOpNumThreads > 0)
                so.IntraOpNumThreads = options.IntraOpNumThreads;
            if (options.InterOpNumThreads > 0)
                so.InterOpNumThreads = options.InterOpNumThreads;
            so.GraphOptimizationLevel = (Microsoft.ML.OnnxRuntime.GraphOptimizationLevel)(int)options.GraphOptimizationLevel;
            so.ExecutionMode = (Microsoft.ML.OnnxRuntime.ExecutionMode)(int)options.ExecutionMode;
            so.LogId = modelName; // the runtime's messages about this session name the model
            if (!options.AllowSpinning)
                AddConfigEntry(so, OnnxSessionOptions.AllowSpinningKey, "0");
            if (options.StopSpinningAfterRun)
                AddConfigEntry(so, OnnxSessionOptions.StopSpinningAfterRunKey, "1");
            if (options.ConfigEntries is not null)
                foreach (var (key, value) in options.ConfigEntries)
                    AddConfigEntry(so, key, value);
            return so;
        }
        catch
        {
            so.Dispose();
            throw;
        }
    }

    private static void AddConfigEntry(SessionOptions options, string key, string value)
    {
        try
        {
            options.AddSessionConfigEntry(key, value);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw OnnxErrors.From(e, $"setting the session config entry '{key}'");
        }
    }

    /// <summary>The runtime's messages often end without a full stop; one is added before our advice follows.</summary>
    private static string Sentence(string text) => text.TrimEnd() is var t && t.EndsWith('.') ? t : t + ".";

    /// <summary>Why CUDA cannot be added, what to do about it, and the exception that said so.</summary>
    private readonly record struct CudaFailure(OnnxErrorCode Code, string Reason, string Remedy, Exception Exception);

    /// <summary>Appends the CUDA provider for <paramref name="device"/>; null on success, else why not.</summary>
    private static CudaFailure? TryAppendCuda(SessionOptions options, int device)
    {
        try
        {
            options.AppendExecutionProvider_CUDA(device);
            return null;
        }
        catch (EntryPointNotFoundException e)
        {
            // Measured with 1.32: the CPU package's library has no OrtSessionOptionsAppendExecutionProvider_CUDA export.
            return new CudaFailure(OnnxErrorCode.NotImplemented,
                $"the loaded ONNX Runtime {OnnxRuntimeInfo.Version} is the CPU-only build from the {OnnxRuntimeInfo.CpuPackage} package; it has no CUDA execution provider ({e.Message}).",
                $"Reference the {OnnxRuntimeInfo.GpuPackage} package (version {OnnxRuntimeInfo.Version}, CUDA 13 and cuDNN 9) in the application instead.",
                e);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            var (code, message) = OnnxErrors.Split(e.Message);
            return new CudaFailure(code,
                $"ONNX Runtime {OnnxRuntimeInfo.Version} could not add its CUDA provider for device {device.ToString(CultureInfo.InvariantCulture)}: {message}",
                "Make CUDA 13 and cuDNN 9 loadable (installed, or their folders on LD_LIBRARY_PATH / PATH) and check the device id.",
                e);
        }
    }
}
