using DuckDB.NET.Data;
using MLNetAttn.Cli.Scoring;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary>The results file through DuckDB.NET, in process: where the engine comes from, what a batch writes, what a refused batch leaves.</summary>
[TestClass]
public sealed class ResultStoreTests
{
    private string _work = "";

    [TestInitialize]
    public void Start() => _work = ScoreHarness.NewFolder("store");

    [TestCleanup]
    public void Stop() => Directory.Delete(_work, recursive: true);

    private static RunInfo Run() => new("score --test", "0.1.0", "1.0", "8.0", "model", "ckpt", "0/1", 3, 3, 0);

    private static ScoreRow Ok(string path, float[] scores) => new(path, "ab12", 1234, ScoreErrorKinds.Ok, null, ["cat", "dog"], scores, [281, 207], null, 1.25, 40.5, 2);

    private static object?[] Row(ResultStore store, string sql)
        => store.Connection.Query(sql).Select(r => Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? null : r.GetValue(i)).ToArray()).Single();

    [TestMethod]
    public void TheEngineIsDuckDb156LoadedFromThePackagesNativeAsset()
    {
        // DuckDB.NET.Data.Full's native asset, copied into the output: beside the assemblies in a build for one RID (as the
        // tests are), under runtimes/<rid>/native in a portable one; exactly one copy either way.
        var copies = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "libduckdb.so"),
            Path.Combine(AppContext.BaseDirectory, "runtimes", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, "native", "libduckdb.so"),
        }.Where(File.Exists).ToArray();
        Assert.HasCount(1, copies, "the package's libduckdb.so, once");
        var bundled = copies[0];

        using var store = ResultStore.Open(Path.Combine(_work, "v.duckdb"));
        Assert.AreEqual("v1.5.6", store.DuckDbVersion());
        var mapped = File.ReadLines("/proc/self/maps").Where(l => l.EndsWith("libduckdb.so", StringComparison.Ordinal)).Select(l => l[l.IndexOf('/')..]).Distinct().ToList();
        CollectionAssert.AreEqual(new[] { bundled }, mapped, "the process maps exactly the package's libduckdb.so");
        // The settings that keep a long job's memory flat reach the engine.
        Assert.AreEqual("2", store.Connection.ExecuteScalar("SELECT current_setting('threads')")!.ToString());
        Assert.AreEqual("1.9 MiB", store.Connection.ExecuteScalar("SELECT current_setting('checkpoint_threshold')"));
    }

    [TestMethod]
    public void ABatchStoresEveryColumnAndTheRunCountersInOneGo()
    {
        using var store = ResultStore.Open(Path.Combine(_work, "rw.duckdb"));
        var run = store.BeginRun(Run());
        var features = new[] { 0.5f, -1e-30f, float.NaN, float.PositiveInfinity };
        ScoreRow[] rows =
        [
            Ok("/data/a.jpg", [0.75f, 0.25f]),
            new("/data/b.jpg", null, 0, "empty", "'/data/b.jpg' is empty (0 bytes)", null, null, null, null, 0.5, 40.5, 2),
            new("/data/c.jpg", "cd34", 99, ScoreErrorKinds.Ok, null, null, null, null, features, 2, 40.5, 2),
        ];
        Assert.AreEqual(3, store.WriteBatch(run, "shvit_s1", "f00d", rows, scored: 2, failed: 1, batches: 1));

        var a = Row(store, "SELECT path, content_sha256, size_bytes, model_id, checkpoint_sha256, status, error, top_labels, top_scores, top_indices, features, read_ms, batch_ms, batch_rows, run_id, scored_at FROM results WHERE path = '/data/a.jpg'");
        CollectionAssert.AreEqual(new object?[] { "/data/a.jpg", "ab12", 1234L, "shvit_s1", "f00d", "ok", null }, a[..7]);
        CollectionAssert.AreEqual(new[] { "cat", "dog" }, (List<string>)a[7]!);
        CollectionAssert.AreEqual(new[] { 0.75f, 0.25f }, (List<float>)a[8]!);
        CollectionAssert.AreEqual(new[] { 281, 207 }, (List<int>)a[9]!);
        Assert.IsNull(a[10]);
        CollectionAssert.AreEqual(new object?[] { 1.25, 40.5, 2, run }, a[11..15]);
        Assert.IsLessThan(TimeSpan.FromMinutes(5), ((DateTime)Row(store, "SELECT now()::TIMESTAMP")[0]! - (DateTime)a[15]!).Duration(), "scored_at is the commit's time");

        var b = Row(store, "SELECT status, error, top_labels, top_scores, content_sha256 FROM results WHERE path = '/data/b.jpg'");
        CollectionAssert.AreEqual(new object?[] { "empty", "'/data/b.jpg' is empty (0 bytes)", null, null, null }, b);
        // Floats go in as floats, not through text: NaN and infinity survive, and so does a subnormal-range value.
        CollectionAssert.AreEqual(features, (List<float>)Row(store, "SELECT features FROM results WHERE path = '/data/c.jpg'")[0]!);

        CollectionAssert.AreEqual(new object?[] { "running", 2L, 1L, 1L }, Row(store, $"SELECT status, scored, failed, batches FROM runs WHERE run_id = {run}"));
        CollectionAssert.AreEquivalent(new[] { "/data/a.jpg", "/data/b.jpg", "/data/c.jpg" }, store.ReadDonePaths().ToList());
    }

    [TestMethod]
    public void ABatchWithAStoredPathWritesNothingAndTheStoreGoesOn()
    {
        var path = Path.Combine(_work, "pk.duckdb");
        using (var store = ResultStore.Open(path))
        {
            var run = store.BeginRun(Run());
            store.WriteBatch(run, "m", "c", [Ok("/a", [1f, 0f])], 1, 0, 1);
            var e = Assert.ThrowsExactly<DuckDBException>(() => store.WriteBatch(run, "m", "c", [Ok("/b", [1f, 0f]), Ok("/a", [0.5f, 0.5f])], 3, 0, 2));
            StringAssert.Contains(e.Message, "/a");
            CollectionAssert.AreEqual(new object?[] { 1L, 1L }, Row(store, "SELECT (SELECT count(*) FROM results), (SELECT scored FROM runs)"),
                "neither /b nor the counters of the refused batch");
            CollectionAssert.AreEqual(new object?[] { 1f }, Row(store, "SELECT top_scores[1] FROM results WHERE path = '/a'"), "the stored row is untouched");

            store.WriteBatch(run, "m", "c", [Ok("/b", [1f, 0f])], 2, 0, 2);
            store.EndRun(run, "completed", 10, 1 << 20);
        }
        // Committed batches survive closing and reopening the file.
        using var reopened = ResultStore.Open(path);
        CollectionAssert.AreEquivalent(new[] { "/a", "/b" }, reopened.ReadDonePaths().ToList());
        CollectionAssert.AreEqual(new object?[] { "completed", 2L, 2L }, Row(reopened, "SELECT status, scored, batches FROM runs"));
    }
}
