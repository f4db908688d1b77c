using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// Which slice of the inputs one process scores: shard <see cref="Index"/> of <see cref="Count"/> (0-based). An input
/// belongs to the shard <c>h mod Count</c>, where h is the first 8 bytes (big-endian) of the SHA-256 of its key (the
/// path relative to the input root): the same on every machine, every process and every .NET version, unlike
/// <see cref="string.GetHashCode()"/>, which is randomized per process.
/// </summary>
internal sealed record ShardSpec(int Index, int Count)
{
    /// <summary>One process scores everything.</summary>
    public static ShardSpec Whole { get; } = new(0, 1);

    /// <summary>True when this is the only shard.</summary>
    public bool IsWhole => Count == 1;

    /// <summary>True when <paramref name="key"/> belongs to this shard.</summary>
    public bool Owns(string key) => IsWhole || Of(key, Count) == Index;

    /// <summary>The shard (0..count-1) that owns <paramref name="key"/>.</summary>
    public static int Of(string key, int count)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)count);
    }

    /// <summary>"i/n" as the user writes it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>
    /// The shard from <c>--shard i/n</c>, else from a Kubernetes Indexed Job (<c>JOB_COMPLETION_INDEX</c> with
    /// <c>--shard-count</c>), else from a Slurm array (<c>SLURM_ARRAY_TASK_ID</c> with <c>SLURM_ARRAY_TASK_COUNT</c>,
    /// or <c>--shard-count</c>; ids are taken relative to <c>SLURM_ARRAY_TASK_MIN</c>), else <see cref="Whole"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The values are malformed or out of range; the message says which.</exception>
    public static ShardSpec Resolve(string? shard, int? shardCount, Func<string, string?> environment)
    {
        if (shard is not null)
        {
            var parts = shard.Split('/');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                throw new ArgumentException($"--shard '{shard}' is not of the form i/n (for example 0/4: the first of four shards).");
            return Checked(i, n, "--shard");
        }
        if (environment("JOB_COMPLETION_INDEX") is { Length: > 0 } k8s)
        {
            if (shardCount is null)
                throw new ArgumentException("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but --shard-count is not: pass the Job's completions as --shard-count.");
            return Checked(ParseEnv("JOB_COMPLETION_INDEX", k8s), shardCount.Value, "JOB_COMPLETION_INDEX");
        }
        if (environment("SLURM_ARRAY_TASK_ID") is { Length: > 0 } slurm)
        {
            var id = ParseEnv("SLURM_ARRAY_TASK_ID", slurm);
            var min = environment("SLURM_ARRAY_TASK_MIN") is { Length: > 0 } m ? ParseEnv("SLURM_ARRAY_TASK_MIN", m) : 0;
            var count = shardCount ?? (environment("SLURM_ARRAY_TASK_COUNT") is { Length: > 0 } c ? ParseEnv("SLURM_ARRAY_TASK_COUNT", c)
                : throw new ArgumentException("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor --shard-count is."));
            return Checked(id - min, count, "SLURM_ARRAY_TASK_ID");
        }
        if (shardCount is not null)
            throw new ArgumentException("--shard-count needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment; use --shard i/n otherwise.");
        return Whole;
    }

    private static int ParseEnv(string name, string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new ArgumentException($"{name}='{value}' is not a non-negative integer.");

    private static ShardSpec Checked(int index, int count, string source)
    {
        if (count < 1)
            throw new ArgumentException($"{source}: the shard count must be at least 1 (got {count}).");
        if (index < 0 || index >= count)
            throw new ArgumentException($"{source}: shard index {index} is outside 0..{count - 1}.");
        return new ShardSpec(index, count);
    }
}
