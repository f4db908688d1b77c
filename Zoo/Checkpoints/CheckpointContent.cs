namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>What a format reader found: the tensors in file order and facts about where they came from.</summary>
internal sealed record CheckpointContent(
    CheckpointFileFormat Format,
    IReadOnlyList<CheckpointTensor> Tensors,
    string? Entry,
    IReadOnlyList<string> SkippedKeys,
    IReadOnlyDictionary<string, string> Metadata);
