namespace MLNetAttn.Cli.Commands;

/// <summary>
/// The largest <c>--batch</c> a command accepts. A batch's input tensor is allocated whole before its first image is
/// decoded: 4,096 images at 224×224 are 2.3 GiB of floats, at 512×512 12 GiB, so anything larger is a typo or a
/// request this machine class cannot serve, and it gets a usage error instead of an OutOfMemoryException.
/// </summary>
internal static class BatchLimit
{
    /// <summary>The bound, inclusive.</summary>
    public const int Max = 4096;

    /// <summary>Null when <paramref name="batch"/> is in 1..<see cref="Max"/>, else the message to print.</summary>
    public static string? Check(int batch)
        => batch is >= 1 and <= Max ? null : $"--batch ({batch}) must be between 1 and {Max} images: a batch's tensors are allocated whole, so larger batches do not fit in memory.";
}
