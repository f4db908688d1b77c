namespace MLNetAttn.Transforms.Imaging;

/// <summary>An imaging step failed for one input. The message names the input and the step.</summary>
public class ImagingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="input">The input the step worked on (a path, or a caller-given name for bytes and streams).</param>
    /// <param name="operation">The step or libvips operation that failed, e.g. "jpegload" or "resize".</param>
    /// <param name="message">The full message.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public ImagingException(string input, string operation, string message, Exception? inner = null)
        : base(message, inner)
    {
        Input = input;
        Operation = operation;
    }

    /// <summary>The input that failed: a file path, or the name given for bytes or a stream.</summary>
    public string Input { get; }

    /// <summary>The step or libvips operation that failed.</summary>
    public string Operation { get; }
}

/// <summary>
/// An image could not be decoded: the file is missing, empty, not an image, truncated or corrupt, or
/// larger than the configured limits. Thrown per input; other inputs are unaffected.
/// </summary>
public sealed class ImageDecodeException : ImagingException
{
    /// <inheritdoc cref="ImagingException(string, string, string, Exception?)"/>
    public ImageDecodeException(string input, string operation, string message, Exception? inner = null)
        : base(input, operation, message, inner)
    {
    }
}

/// <summary>A libvips operation other than decoding failed (encoding, cropping, padding); carries libvips' error text.</summary>
public sealed class VipsException : ImagingException
{
    /// <inheritdoc cref="ImagingException(string, string, string, Exception?)"/>
    public VipsException(string input, string operation, string message, Exception? inner = null)
        : base(input, operation, message, inner)
    {
    }
}
