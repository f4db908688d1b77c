using static MLNetAttn.Cli.Tests.Scoring.ScoreHarness;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary>Three shard processes (named by --shard, a Kubernetes index, a Slurm array id) + merge = one unsharded run.</summary>
[TestClass]
public sealed class MergeShardTests
{
    private string _work = "";

    [TestInitialize]
    public void Start() => _work = NewFolder("merge");

    [TestCleanup]
    public void Stop() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public void ThreeShardsMergedEqualTheUnshardedRun()
    {
        var images = Path.Combine(_work, "images");
        WriteImages(images, 45);
        File.WriteAllText(Path.Combine(images, "bad.png"), "no image here");
        string[] common = ["--model", ModelPath, "--input", images, "--batch", "8"];
        var shards = new (Dictionary<string, string>? Env, string[] Args, string Out)[]
        {
            (null, ["--shard", "0/3"], Path.Combine(_work, "s0.duckdb")),
            (new() { ["JOB_COMPLETION_INDEX"] = "1" }, ["--shard-count", "3"], Path.Combine(_work, "s1")),   // a Parquet folder
            (new() { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "3" }, [], Path.Combine(_work, "s2.duckdb")),
        };
        var runs = shards.Select(s => Task.Run(() => Score(s.Env, [.. common, .. s.Args, "--out", s.Out]))).ToArray();
        var whole = Score(null, [.. common, "--out", Path.Combine(_work, "all.duckdb")]);
        Assert.AreEqual(0, whole.ExitCode, whole.StdErr);
        foreach (var run in runs)
            Assert.AreEqual(0, run.Result.ExitCode, run.Result.StdErr);
        var sizes = new[] { Count(Path.Combine(_work, "s0.duckdb")), Count(Path.Combine(_work, "s1", "results.duckdb")), Count(Path.Combine(_work, "s2.duckdb")) };
        Assert.AreEqual(46L, sizes.Sum());
        Assert.IsTrue(sizes.All(s => s > 0), string.Join(",", sizes));

        var merged = Path.Combine(_work, "merged.duckdb");
        var merge = CliProcess.Run(Limit, "merge", shards[0].Out, shards[1].Out, shards[2].Out, "--out", merged);
        Assert.AreEqual(0, merge.ExitCode, merge.StdErr);
        StringAssert.Contains(merge.StdOut, "46 rows");

        const string select = "SELECT path, content_sha256, status, top_labels, top_scores, model_id, checkpoint_sha256 FROM results ORDER BY path";
        var expected = Query(Path.Combine(_work, "all.duckdb"), select);
        var got = Query(merged, select);
        Assert.HasCount(expected.Count, got);
        for (var i = 0; i < expected.Count; i++)
        {
            for (var c = 0; c < 3; c++)
                Assert.AreEqual(expected[i][c], got[i][c], $"row {i} column {c}");
            Assert.AreEqual(expected[i][5], got[i][5]);
            Assert.AreEqual(expected[i][6], got[i][6]);
            if (expected[i][3] is null)
            {
                Assert.IsNull(got[i][3]);
                continue;
            }
            CollectionAssert.AreEqual((string?[])expected[i][3]!, (string?[])got[i][3]!, $"labels of {expected[i][0]}");
            var (e, g) = ((double[])expected[i][4]!, (double[])got[i][4]!);
            // Other batch compositions may change the last bits of a float32 GEMM: 1e-5 absolute on probabilities.
            for (var k = 0; k < e.Length; k++)
                Assert.AreEqual(e[k], g[k], 1e-5, $"score {k} of {expected[i][0]}");
        }
        Assert.AreEqual(3L, Query(merged, "SELECT count(*) FROM runs")[0][0], "each shard's run is kept");
        StringAssert.Contains((string)Query(merged, "SELECT shard FROM job")[0][0]!, "0/3,1/3,2/3");

        // Merged into a folder: Parquet beside the merged DuckDB file.
        var folder = Path.Combine(_work, "merged-parquet");
        var toParquet = CliProcess.Run(Limit, "merge", shards[0].Out, shards[1].Out, shards[2].Out, "--out", folder);
        Assert.AreEqual(0, toParquet.ExitCode, toParquet.StdErr);
        var parquet = Path.Combine(folder, "results.parquet").Replace("'", "''", StringComparison.Ordinal);
        Assert.AreEqual(46L, QueryMemory($"SELECT count(DISTINCT path) FROM read_parquet('{parquet}')")[0][0]);
        Assert.AreEqual(45L, QueryMemory($"SELECT count(*) FROM read_parquet('{parquet}') WHERE status = 'ok' AND len(top_labels) = 5")[0][0]);
    }

    [TestMethod]
    public void MergeRefusesOverlapsMixedModelsAndOtherInputSets()
    {
        var images = Path.Combine(_work, "images");
        WriteImages(images, 12);
        string[] common = ["--input", images, "--batch", "8"];
        Assert.AreEqual(0, Score(null, ["--model", ModelPath, .. common, "--shard", "0/2", "--out", Path.Combine(_work, "a0.duckdb")]).ExitCode);
        Assert.AreEqual(0, Score(null, ["--model", ModelPath, .. common, "--out", Path.Combine(_work, "all.duckdb")]).ExitCode);
        var env = new Dictionary<string, string> { ["MLNETATTN_HOME"] = Path.Combine(_work, "home") };
        var otherModel = Score(env, ["--model", "shvit_s1", "--checkpoint", CheckpointPath, "--resolution", "96", .. common, "--shard", "1/2", "--out", Path.Combine(_work, "b1.duckdb")]);
        Assert.AreEqual(0, otherModel.ExitCode, otherModel.StdErr);
        var otherImages = Path.Combine(_work, "other");
        WriteImages(otherImages, 3, start: 500);
        Assert.AreEqual(0, Score(null, ["--model", ModelPath, "--input", otherImages, "--shard", "1/2", "--out", Path.Combine(_work, "c1.duckdb")]).ExitCode);

        void Refused(string why, params string[] inputs)
        {
            var output = Path.Combine(_work, $"m{Guid.NewGuid():N}.duckdb");
            var result = CliProcess.Run(Limit, ["merge", .. inputs.Select(i => Path.Combine(_work, i)), "--out", output]);
            Assert.AreEqual(2, result.ExitCode, result.StdOut + result.StdErr);
            StringAssert.Contains(result.StdErr, why);
            Assert.IsFalse(File.Exists(output), "a refused merge leaves no output");
        }
        Refused("Overlapping rows", "a0.duckdb", "a0.duckdb");
        Refused("Overlapping rows", "a0.duckdb", "all.duckdb");
        Refused("Mixed models", "a0.duckdb", "b1.duckdb");
        Refused("Different input sets", "a0.duckdb", "c1.duckdb");
    }

    private static long Count(string database) => (long)Query(database, "SELECT count(*) FROM results")[0][0]!;
}
