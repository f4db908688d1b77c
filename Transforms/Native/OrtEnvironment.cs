using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// The process's single <c>OrtEnv</c> (ONNX Runtime allows one), created lazily with a logging function that
/// forwards the runtime's log to <see cref="NativeRuntimeOptions.LoggerFactory"/> under category "OnnxRuntime";
/// plus the CPU memory description every caller-owned tensor is created with.
/// </summary>
/// <remarks>
/// The env is never released: sessions may outlive any owner we could give it, and the runtime tears it
/// down at process exit. The log level is fixed when the env is created (from what the logger factory of
/// that moment enables); messages are routed to whichever factory is current when they arrive.
/// </remarks>
internal static unsafe class OrtEnvironment
{
    private static readonly Lazy<OrtEnvHandle> Env = new(CreateEnv, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<OrtMemoryInfoHandle> Cpu = new(CreateCpuInfo, LazyThreadSafetyMode.ExecutionAndPublication);

    // Cached so the callback does not ask the factory for a logger per message; replaced (one reference write,
    // so ORT's threads never see half of it) when the factory changes.
    private static LoggerCache? _logger;

    private sealed record LoggerCache(ILoggerFactory Factory, ILogger Logger);

    /// <summary>The process's environment, created on first use.</summary>
    public static OrtEnvHandle Handle => Env.Value;

    /// <summary>CPU memory, device allocator, default memory type: how caller buffers are described to the runtime.</summary>
    public static OrtMemoryInfoHandle CpuMemory => Cpu.Value;

    /// <summary>The logger for category "OnnxRuntime" from the current <see cref="NativeRuntimeOptions.LoggerFactory"/>.</summary>
    public static ILogger Logger
    {
        get
        {
            var factory = NativeRuntimeOptions.LoggerFactory;
            var cached = Volatile.Read(ref _logger);
            if (cached is not null && ReferenceEquals(cached.Factory, factory))
                return cached.Logger;
            var logger = factory.CreateLogger(OrtApi.LogCategory);
            Volatile.Write(ref _logger, new LoggerCache(factory, logger));
            return logger;
        }
    }

    private static OrtEnvHandle CreateEnv()
    {
        OrtApi.EnsureLoaded();
        var level = ToOrtLevel(Logger);
        var logId = "MLNetAttn"u8;
        fixed (byte* id = logId)
        {
            // The id must be NUL-terminated: the u8 literal is, and `fixed` points at its first byte.
            var env = OrtApi.CreateEnvWithCustomLogger((IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, byte*, byte*, void>)&OnLog, level, id);
            return new OrtEnvHandle(env);
        }
    }

    private static OrtMemoryInfoHandle CreateCpuInfo()
        => new(OrtApi.CreateCpuMemoryInfo(allocatorType: 0 /* OrtDeviceAllocator */, memType: 0 /* OrtMemTypeDefault */));

    /// <summary>
    /// The least severe ORT level whose messages the logger would keep. ORT's "info" level is diagnostic
    /// detail (graph transforms, allocations), so it maps to Debug; "verbose" to Trace.
    /// </summary>
    private static int ToOrtLevel(ILogger logger)
    {
        if (logger.IsEnabled(LogLevel.Trace)) return 0;        // ORT_LOGGING_LEVEL_VERBOSE
        if (logger.IsEnabled(LogLevel.Debug)) return 1;        // ORT_LOGGING_LEVEL_INFO
        if (logger.IsEnabled(LogLevel.Warning)) return 2;      // ORT_LOGGING_LEVEL_WARNING
        if (logger.IsEnabled(LogLevel.Error)) return 3;        // ORT_LOGGING_LEVEL_ERROR
        return 2;                                              // nothing enabled now; a later factory may want warnings
    }

    private static LogLevel ToLogLevel(int severity) => severity switch
    {
        0 => LogLevel.Trace,
        1 => LogLevel.Debug,
        2 => LogLevel.Warning,
        3 => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    /// <summary>
    /// <c>void OrtLoggingFunction(void* param, OrtLoggingLevel severity, const char* category, const char* logid,
    /// const char* code_location, const char* message)</c>. Called on ORT's threads; must never throw.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(IntPtr param, int severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        try
        {
            var logger = Logger;
            var level = ToLogLevel(severity);
            if (!logger.IsEnabled(level))
                return;
            logger.Log(level, "[{OrtLogId}] {OrtCategory} {CodeLocation}: {Message}",
                Marshal.PtrToStringUTF8((IntPtr)logId), Marshal.PtrToStringUTF8((IntPtr)category),
                Marshal.PtrToStringUTF8((IntPtr)codeLocation), Marshal.PtrToStringUTF8((IntPtr)message));
        }
        catch
        {
            // A logging failure must not unwind through native frames; the message is lost, nothing else.
        }
    }
}
