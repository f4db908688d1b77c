namespace MLNetAttn.Cli.Scoring;

/// <summary>Why an input has no scores; stored (lower-case, snake_case) in the results' <c>status</c> column, "ok" otherwise.</summary>
internal enum ScoreErrorKind
{
    /// <summary>The file does not exist.</summary>
    Missing,
    /// <summary>The file exists but cannot be read (permissions, a folder, an I/O error).</summary>
    Unreadable,
    /// <summary>The file has no bytes.</summary>
    Empty,
    /// <summary>The file is larger than <c>--max-bytes</c>.</summary>
    TooLarge,
    /// <summary>The bytes are not an image libvips can read.</summary>
    NotImage,
    /// <summary>The image has more pixels than <c>--max-pixels</c>.</summary>
    Oversized,
    /// <summary>The image is recognised but its data is broken (truncated, corrupt).</summary>
    Decode,
    /// <summary>A manifest path that leads outside the manifest's folder.</summary>
    OutsideRoot,
    /// <summary>A manifest line that could not be read, or a row without a path.</summary>
    Manifest,
}

/// <summary>Names and classification of <see cref="ScoreErrorKind"/>.</summary>
internal static class ScoreErrorKinds
{
    /// <summary>The status of a row that was scored.</summary>
    public const string Ok = "ok";

    /// <summary>The status text of a kind: "missing", "too_large", "not_image", ...</summary>
    public static string Status(ScoreErrorKind kind) => kind switch
    {
        ScoreErrorKind.Missing => "missing",
        ScoreErrorKind.Unreadable => "unreadable",
        ScoreErrorKind.Empty => "empty",
        ScoreErrorKind.TooLarge => "too_large",
        ScoreErrorKind.NotImage => "not_image",
        ScoreErrorKind.Oversized => "oversized",
        ScoreErrorKind.Decode => "decode",
        ScoreErrorKind.OutsideRoot => "outside_root",
        _ => "manifest",
    };

    /// <summary>
    /// Classifies a decoder message. The decoder reports one exception type, so the kind is read from its wording
    /// (ImageDecoder: "is not an image in a format libvips can read", "... pixels, more than the limit ...").
    /// </summary>
    public static ScoreErrorKind FromDecodeMessage(string message)
    {
        if (message.Contains("is not an image", StringComparison.Ordinal))
            return ScoreErrorKind.NotImage;
        if (message.Contains("is empty (0 bytes)", StringComparison.Ordinal))
            return ScoreErrorKind.Empty;
        if (message.Contains("more than the limit", StringComparison.Ordinal) || message.Contains("would not fit in one buffer", StringComparison.Ordinal))
            return ScoreErrorKind.Oversized;
        return ScoreErrorKind.Decode;
    }
}
