namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// One input of a scoring job. <see cref="Key"/> is its path relative to the input root with '/' separators (what
/// shards hash and what the input fingerprint covers); <see cref="Path"/> is the full path stored in the results.
/// An input refused before reading (outside the manifest's folder, a corrupt manifest line) carries its error here.
/// </summary>
internal sealed record ScoreInput(string Key, string Path, ScoreErrorKind? Error = null, string? Message = null);
