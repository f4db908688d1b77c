using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// The process's single <see cref="OrtEnv"/> (ONNX Runtime allows one), created on first use with a logging function
/// that forwards the runtime's log to <see cref="NativeRuntimeOptions.LoggerFactory"/> under category "OnnxRuntime".
/// </summary>
/// <remarks>
/// Every entry point of Transforms/Onnx touches <see cref="Instance"/> before anything else in ONNX Runtime, so the env
/// is ours and its log is routed. The log level is fixed when the env is created (from what the logger factory of that
/// moment enables); messages go to whichever factory is current when they arrive. When the application created the env
/// itself first, that env is used as it is and its log goes where the application sent it.
/// </remarks>
internal static class OnnxEnvironment
{
    /// <summary>The category ONNX Runtime's own messages, and our messages about it, are logged under.</summary>
    public const string LogCategory = "OnnxRuntime";

    private static readonly Lazy<OrtEnv> Env = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    // Held for the process lifetime: the runtime calls it from its own threads until the process exits.
    private static readonly DOrtLoggingFunction LogFunction = OnLog;

    // Cached so the callback does not ask the factory for a logger per message; replaced (one reference write,
    // so the runtime's threads never see half of it) when the factory changes.
    private static LoggerCache? _logger;

    private sealed record LoggerCache(ILoggerFactory Factory, ILogger Logger);

    /// <summary>The process's environment, created on first use.</summary>
    /// <exception cref="DllNotFoundException">No ONNX Runtime native library can be loaded.</exception>
    public static OrtEnv Instance => Env.Value;

    /// <summary>The logger for <see cref="LogCategory"/> from the current <see cref="NativeRuntimeOptions.LoggerFactory"/>.</summary>
    public static ILogger Logger
    {
        get
        {
            var factory = NativeRuntimeOptions.LoggerFactory;
            var cached = Volatile.Read(ref _logger);
            if (cached is not null && ReferenceEquals(cached.Factory, factory))
                return cached.Logger;
            var logger = factory.CreateLogger(LogCategory);
            Volatile.Write(ref _logger, new LoggerCache(factory, logger));
            return logger;
        }
    }

    private static OrtEnv Create()
    {
        try
        {
            if (OrtEnv.IsCreated)
            {
                Logger.LogDebug("The ONNX Runtime environment was created by the application; its log is not routed here.");
                return OrtEnv.Instance();
            }
            var options = new EnvironmentCreationOptions
            {
                logId = "MLNetAttn",
                logLevel = ToOrtLevel(Logger),
                loggingFunction = LogFunction,
            };
            return OrtEnv.CreateInstanceWithOptions(ref options);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException { InnerException: DllNotFoundException })
        {
            throw new DllNotFoundException(
                "The ONNX Runtime native library could not be loaded. The MLNetAttn.Transforms package brings the CPU build " +
                "(Microsoft.ML.OnnxRuntime) for win-x64, win-arm64, linux-x64, linux-arm64 and osx-arm64; an application that " +
                "excluded it must reference Microsoft.ML.OnnxRuntime or Microsoft.ML.OnnxRuntime.Gpu (the same version as " +
                $"Microsoft.ML.OnnxRuntime.Managed). Loader: {(e.InnerException ?? e).Message}", e);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw OnnxErrors.From(e, "creating the ONNX Runtime environment");
        }
    }

    /// <summary>
    /// The least severe ORT level whose messages the logger would keep. ORT's "info" level is diagnostic detail
    /// (graph transforms, allocations), so it maps to Debug; "verbose" to Trace.
    /// </summary>
    private static OrtLoggingLevel ToOrtLevel(ILogger logger)
    {
        if (logger.IsEnabled(LogLevel.Trace)) return OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE;
        if (logger.IsEnabled(LogLevel.Debug)) return OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO;
        if (logger.IsEnabled(LogLevel.Warning)) return OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING;
        if (logger.IsEnabled(LogLevel.Error)) return OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
        return OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING; // nothing enabled now; a later factory may want warnings
    }

    private static LogLevel ToLogLevel(OrtLoggingLevel severity) => severity switch
    {
        OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE => LogLevel.Trace,
        OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO => LogLevel.Debug,
        OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING => LogLevel.Warning,
        OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    /// <summary>Called on the runtime's threads; must never throw.</summary>
    private static void OnLog(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        try
        {
            var logger = Logger;
            var level = ToLogLevel(severity);
            if (!logger.IsEnabled(level))
                return;
            logger.Log(level, "[{OrtLogId}] {OrtCategory} {CodeLocation}: {Message}", logId, category, codeLocation, message);
        }
        catch
        {
            // A logging failure must not unwind through native frames; the message is lost, nothing else.
        }
    }
}
