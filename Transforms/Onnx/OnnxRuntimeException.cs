namespace MLNetAttn.Transforms.Onnx;

/// <summary>ONNX Runtime's error codes (<c>OrtErrorCode</c>), with the same numeric values.</summary>
public enum OnnxErrorCode
{
    /// <summary>No error (<c>ORT_OK</c>); never carried by an exception from the runtime itself.</summary>
    Ok = 0,
    /// <summary>A general failure (<c>ORT_FAIL</c>).</summary>
    Fail = 1,
    /// <summary>An argument was invalid: wrong shape, type or name (<c>ORT_INVALID_ARGUMENT</c>).</summary>
    InvalidArgument = 2,
    /// <summary>A file does not exist (<c>ORT_NO_SUCHFILE</c>).</summary>
    NoSuchFile = 3,
    /// <summary>No model is loaded (<c>ORT_NO_MODEL</c>).</summary>
    NoModel = 4,
    /// <summary>The engine failed (<c>ORT_ENGINE_ERROR</c>).</summary>
    EngineError = 5,
    /// <summary>An exception was raised inside the runtime (<c>ORT_RUNTIME_EXCEPTION</c>).</summary>
    RuntimeException = 6,
    /// <summary>The model is not valid ONNX protobuf (<c>ORT_INVALID_PROTOBUF</c>).</summary>
    InvalidProtobuf = 7,
    /// <summary>A model was already loaded (<c>ORT_MODEL_LOADED</c>).</summary>
    ModelLoaded = 8,
    /// <summary>The feature is not implemented in this build (<c>ORT_NOT_IMPLEMENTED</c>).</summary>
    NotImplemented = 9,
    /// <summary>The graph is invalid (<c>ORT_INVALID_GRAPH</c>).</summary>
    InvalidGraph = 10,
    /// <summary>An execution provider failed (<c>ORT_EP_FAIL</c>).</summary>
    ExecutionProviderFail = 11,
}

/// <summary>
/// An error reported by ONNX Runtime (or found before calling it), carrying the runtime's code and message
/// and what MLNetAttn was doing at the time.
/// </summary>
public sealed class OnnxRuntimeException : Exception
{
    /// <summary>Creates the exception from a runtime code and message.</summary>
    /// <param name="errorCode">The runtime's error code.</param>
    /// <param name="message">The runtime's message (or ours, when found before calling it).</param>
    /// <param name="doing">What was being done, e.g. "loading model 'x.onnx'"; null when the message says it all.</param>
    public OnnxRuntimeException(OnnxErrorCode errorCode, string message, string? doing = null)
        : this(errorCode, message, doing, null)
    {
    }

    /// <summary>Creates the exception from a runtime code and message, keeping the exception it came from.</summary>
    /// <param name="errorCode">The runtime's error code.</param>
    /// <param name="message">The runtime's message (or ours, when found before calling it).</param>
    /// <param name="doing">What was being done; null when the message says it all.</param>
    /// <param name="inner">The exception ONNX Runtime's managed API threw, or null.</param>
    public OnnxRuntimeException(OnnxErrorCode errorCode, string message, string? doing, Exception? inner)
        : base(Compose(errorCode, message, doing), inner)
    {
        ErrorCode = errorCode;
        RuntimeMessage = message;
        Doing = doing;
    }

    /// <summary>The runtime's error code.</summary>
    public OnnxErrorCode ErrorCode { get; }

    /// <summary>The runtime's own message, without our context.</summary>
    public string RuntimeMessage { get; }

    /// <summary>What was being done when the error happened, e.g. "running model 'x.onnx'"; null if not known.</summary>
    public string? Doing { get; }

    private static string Compose(OnnxErrorCode code, string message, string? doing)
        => doing is null ? $"[ErrorCode:{code}] {message}" : $"[ErrorCode:{code}] ONNX Runtime failed while {doing}: {message}";
}
