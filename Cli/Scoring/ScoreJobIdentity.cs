namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// What a results file was made from, stored once in its <c>job</c> table and compared on every rerun: the model
/// (id and checkpoint hash), the output mode, and the input set (fingerprint of the sorted input keys and the shard).
/// </summary>
internal sealed record ScoreJobIdentity(
    string ModelId,
    string CheckpointSha256,
    string Mode,
    string Input,
    string InputFingerprint,
    long InputsTotal,
    string Shard,
    long ShardInputs);
