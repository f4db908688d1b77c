using System.Globalization;
using System.Text;
using MLNetAttn.Transforms.Native;
using Microsoft.Extensions.Logging;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// Builds native session options from <see cref="OnnxSessionOptions"/>, adds CUDA when asked, and creates the
/// session, falling back to CPU (with a logged reason) or failing as the options say.
/// </summary>
internal static unsafe class OnnxSessionLoader
{
    /// <summary>What was created and where it runs.</summary>
    public sealed record Result(OrtSessionHandle Session, string ExecutionProvider, string? FallbackReason);

    /// <summary>Creates a session with <paramref name="create"/>, which receives the env and the native options.</summary>
    /// <param name="options">The caller's options (validated here).</param>
    /// <param name="modelName">The model's name for messages.</param>
    /// <param name="create">Makes the session from (env, session options); throws <see cref="OnnxRuntimeException"/> on failure.</param>
    public static Result Load(OnnxSessionOptions options, string modelName, Func<IntPtr, IntPtr, IntPtr> create)
    {
        options.Validate();
        var env = OrtEnvironment.Handle;
        string? reason = null;

        if (options.GpuDeviceId is int device)
        {
            using var gpuOptions = CreateBase(options, modelName);
            var failure = TryAppendCuda(gpuOptions, device);
            if (failure is null)
            {
                try
                {
                    return new Result(Create(env, gpuOptions, create), "CUDA", null);
                }
                catch (OnnxRuntimeException e) when (options.FallbackToCpu)
                {
                    // The CUDA provider can also fail while the session initializes (missing cuDNN, device out of
                    // memory); ML.NET retries such loads on CPU, and so do we, but say why.
                    reason = e.RuntimeMessage;
                }
            }
            else
            {
                reason = failure.Value.Message;
                if (!options.FallbackToCpu)
                    throw new OnnxRuntimeException(failure.Value.Code,
                        $"CUDA device {device} was requested for model '{modelName}' but the loaded ONNX Runtime ({OrtApi.Version}, {OrtApi.LibraryPath}) " +
                        $"cannot use it: {failure.Value.Message} Point {NativeRuntimeOptions.OrtPathVariable} at a CUDA-enabled build that has its provider " +
                        "libraries (libonnxruntime_providers_shared.so, libonnxruntime_providers_cuda.so) beside it and CUDA/cuDNN installed, " +
                        "or set FallbackToCpu = true to run on CPU.");
            }
        }

        using var cpuOptions = CreateBase(options, modelName);
        var session = Create(env, cpuOptions, create);
        if (reason is not null)
            OrtEnvironment.Logger.LogWarning(
                "CUDA device {Device} was requested for model '{Model}' but cannot be used, running on CPU instead. ONNX Runtime said: {Reason}",
                options.GpuDeviceId, modelName, reason);
        return new Result(session, "CPU", reason);
    }

    private static OrtSessionHandle Create(OrtEnvHandle env, OrtSessionOptionsHandle options, Func<IntPtr, IntPtr, IntPtr> create)
    {
        using var e = env.Acquire();
        using var o = options.Acquire();
        return new OrtSessionHandle(create(e.Pointer, o.Pointer));
    }

    private static OrtSessionOptionsHandle CreateBase(OnnxSessionOptions options, string modelName)
    {
        var handle = new OrtSessionOptionsHandle(OrtApi.CreateSessionOptions());
        try
        {
            var raw = handle.DangerousGetHandle();
            // Write-only native settings: only touch those that differ from the runtime's defaults.
            if (options.IntraOpNumThreads > 0)
                OrtApi.SetIntraOpNumThreads(raw, options.IntraOpNumThreads);
            if (options.InterOpNumThreads > 0)
                OrtApi.SetInterOpNumThreads(raw, options.InterOpNumThreads);
            OrtApi.SetSessionGraphOptimizationLevel(raw, (int)options.GraphOptimizationLevel);
            OrtApi.SetSessionExecutionMode(raw, (int)options.ExecutionMode);
            var logId = Encoding.UTF8.GetBytes(modelName + "\0");
            fixed (byte* id = logId)
                OrtApi.SetSessionLogId(raw, id);
            if (!options.AllowSpinning)
                AddConfigEntry(raw, OnnxSessionOptions.AllowSpinningKey, "0");
            if (options.StopSpinningAfterRun)
                AddConfigEntry(raw, OnnxSessionOptions.StopSpinningAfterRunKey, "1");
            if (options.ConfigEntries is not null)
                foreach (var (key, value) in options.ConfigEntries)
                    AddConfigEntry(raw, key, value);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void AddConfigEntry(IntPtr options, string key, string value)
    {
        var k = Encoding.UTF8.GetBytes(key + "\0");
        var v = Encoding.UTF8.GetBytes(value + "\0");
        fixed (byte* kp = k)
        fixed (byte* vp = v)
            OrtApi.AddSessionConfigEntry(options, kp, vp, key);
    }

    /// <summary>CreateCUDAProviderOptions, UpdateCUDAProviderOptions("device_id"), AppendExecutionProvider_CUDA_V2; null on success, else the first failure.</summary>
    private static (OnnxErrorCode Code, string Message)? TryAppendCuda(OrtSessionOptionsHandle options, int device)
    {
        var status = OrtApi.CreateCudaProviderOptions(out var cuda);
        if (status != IntPtr.Zero)
            return Failed("CreateCUDAProviderOptions", status);
        using var cudaOptions = new OrtCudaProviderOptionsHandle(cuda);

        var key = "device_id\0"u8;
        var value = Encoding.UTF8.GetBytes(device.ToString(CultureInfo.InvariantCulture) + "\0");
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var keys = stackalloc byte*[1] { k };
            var values = stackalloc byte*[1] { v };
            status = OrtApi.UpdateCudaProviderOptions(cuda, keys, values, 1);
        }
        if (status != IntPtr.Zero)
            return Failed("UpdateCUDAProviderOptions(device_id)", status);

        // The session options keep their own copy of the provider options, so ours can be released after.
        status = OrtApi.AppendCudaProvider(options.DangerousGetHandle(), cuda);
        return status == IntPtr.Zero ? null : Failed("SessionOptionsAppendExecutionProvider_CUDA_V2", status);
    }

    /// <summary>The failure of one step, its message prefixed with the step so a reader knows how far CUDA got.</summary>
    private static (OnnxErrorCode Code, string Message) Failed(string step, IntPtr status)
    {
        var (code, message) = OrtStatus.Consume(status);
        return (code, $"{step} failed: {message}");
    }
}
