namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>
/// Thrown when a checkpoint file is refused: it is malformed, truncated, in a format the reader does not
/// handle, or asks for something a tensor checkpoint never needs (a foreign pickle global, an unsafe entry name).
/// </summary>
/// <remarks>The message names the file and says what to do; <see cref="FilePath"/> holds the full path.</remarks>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The checkpoint file that was refused.</param>
    /// <param name="message">What was wrong, naming the file, and what to do.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public CheckpointFormatException(string filePath, string message, Exception? inner = null)
        : base(message, inner)
    {
        FilePath = filePath;
    }

    /// <summary>The full path of the refused checkpoint.</summary>
    public string FilePath { get; }
}
