namespace MLNetAttn.Transforms.Onnx;

/// <summary>Turns the managed API's exceptions into <see cref="OnnxRuntimeException"/> carrying the runtime's code and what we were doing.</summary>
internal static class OnnxErrors
{
    /// <summary>
    /// Reads the code from the runtime's "[ErrorCode:Name] message" text (the managed exception keeps its code internal)
    /// and wraps the message with <paramref name="doing"/>.
    /// </summary>
    public static OnnxRuntimeException From(Microsoft.ML.OnnxRuntime.OnnxRuntimeException e, string doing)
    {
        var (code, message) = Split(e.Message);
        return new OnnxRuntimeException(code, message, doing, e);
    }

    /// <summary>The code and the bare message of a runtime error text.</summary>
    public static (OnnxErrorCode Code, string Message) Split(string text)
    {
        const string prefix = "[ErrorCode:";
        if (text.StartsWith(prefix, StringComparison.Ordinal))
        {
            var end = text.IndexOf(']', prefix.Length);
            if (end > 0)
            {
                var name = text[prefix.Length..end];
                var rest = text[(end + 1)..].Trim();
                // The managed API writes the code's name (its enum is internal); names it has that we lack are rare
                // and read as Fail.
                return (Enum.TryParse<OnnxErrorCode>(name, out var code) ? code : OnnxErrorCode.Fail, rest);
            }
        }
        return (OnnxErrorCode.Fail, text.Trim());
    }
}
