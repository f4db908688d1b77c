using MLNetAttn.Cli.Scoring;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary>Shard assignment: stable across processes and machines, and the ways a scheduler names the shard.</summary>
[TestClass]
public sealed class ScoreShardTests
{
    [TestMethod]
    public void AssignmentIsAFixedFunctionOfThePath()
    {
        var keys = Enumerable.Range(0, 3000).Select(i => $"folder{i % 7}/image{i:D5}.jpg").ToList();
        var first = keys.Select(k => ShardSpec.Of(k, 3)).ToList();
        CollectionAssert.AreEqual(first, keys.Select(k => ShardSpec.Of(k, 3)).ToList());
        // Balanced within 10% of a third each (3000 keys; a uniform hash gives about ±3%).
        foreach (var shard in Enumerable.Range(0, 3))
            Assert.IsTrue(Math.Abs(first.Count(s => s == shard) - 1000) < 100, $"shard {shard}: {first.Count(s => s == shard)}");
        // Pinned values: a change of hash would silently reshuffle running jobs.
        Assert.AreEqual(ExpectedOf("a.jpg", 3), ShardSpec.Of("a.jpg", 3));
        Assert.AreEqual(0, ShardSpec.Of("anything", 1));
    }

    [TestMethod]
    public void ShardComesFromTheOptionOrTheScheduler()
    {
        static Func<string, string?> Env(params (string, string)[] values) => name => values.FirstOrDefault(v => v.Item1 == name).Item2;
        Assert.AreEqual(new ShardSpec(2, 8), ShardSpec.Resolve("2/8", null, Env()));
        Assert.AreEqual(ShardSpec.Whole, ShardSpec.Resolve(null, null, Env()));
        Assert.AreEqual(new ShardSpec(4, 5), ShardSpec.Resolve(null, 5, Env(("JOB_COMPLETION_INDEX", "4"))));
        Assert.AreEqual(new ShardSpec(1, 3), ShardSpec.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "3"))));
        Assert.AreEqual(new ShardSpec(0, 3), ShardSpec.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "3"))));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ShardSpec.Resolve("3/3", null, Env())).Message, "outside 0..2");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ShardSpec.Resolve("1-3", null, Env())).Message, "i/n");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ShardSpec.Resolve(null, null, Env(("JOB_COMPLETION_INDEX", "0")))).Message, "--shard-count");
    }

    // The definition written out independently: first 8 bytes of SHA-256 (big-endian) mod n.
    private static int ExpectedOf(string key, int count)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
        ulong value = 0;
        for (var i = 0; i < 8; i++)
            value = (value << 8) | hash[i];
        return (int)(value % (ulong)count);
    }
}
