namespace MLNetAttn.Cli.Scoring;

/// <summary>One row of the results table, as the job writes it.</summary>
internal sealed record ScoreRow(
    string Path,
    string? ContentSha256,
    long SizeBytes,
    string Status,
    string? Error,
    string[]? TopLabels,
    float[]? TopScores,
    int[]? TopIndices,
    float[]? Features,
    double ReadMs,
    double BatchMs,
    int BatchRows);
