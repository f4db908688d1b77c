using System.Security.Cryptography;
using static MLNetAttn.Cli.Tests.Scoring.ScoreHarness;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary><c>mlnetattn score</c> as a real process on real files: full runs, reruns, output formats, identity checks.</summary>
[TestClass]
public sealed class ScoreJobTests
{
    private string _work = "";

    [TestInitialize]
    public void Start() => _work = NewFolder("score");

    [TestCleanup]
    public void Stop() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public void AFullRunStoresEveryInputOnceWithItsHashModelAndTopK()
    {
        var images = Path.Combine(_work, "images");
        var generated = WriteImages(Path.Combine(images, "generated"), 37);
        foreach (var photo in new[] { "astronaut.png", "chelsea.png", "rocket.jpg" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", photo), Path.Combine(images, photo));
        var db = Path.Combine(_work, "results.duckdb");

        var run = Score(null, "--model", ModelPath, "--input", images, "--out", db, "--batch", "8", "--top", "3");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        StringAssert.Contains(run.StdOut, "scored 40, failed 0");

        var rows = Query(db, "SELECT path, content_sha256, model_id, checkpoint_sha256, status, error, top_labels, top_scores, size_bytes, batch_rows FROM results ORDER BY path");
        Assert.HasCount(40, rows);
        var checkpointSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(CheckpointPath)));
        foreach (var row in rows)
        {
            var path = (string)row[0]!;
            Assert.IsTrue(File.Exists(path), path);
            var bytes = File.ReadAllBytes(path);
            Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), row[1], $"content hash of {path}");
            Assert.AreEqual((long)bytes.Length, row[8]);
            Assert.AreEqual("shvit_s1.in1k@64", row[2]);
            Assert.AreEqual(checkpointSha, row[3], "checkpoint hash from the model's source_sha256");
            Assert.AreEqual("ok", row[4]);
            Assert.IsNull(row[5]);
            var labels = (string?[])row[6]!;
            var scores = (double[])row[7]!;
            Assert.HasCount(3, labels);
            Assert.HasCount(3, scores);
            // Softmax probabilities, best first.
            Assert.IsTrue(scores[0] >= scores[1] && scores[1] >= scores[2] && scores[2] > 0 && scores.Sum() <= 1 + 1e-6, string.Join(",", scores));
        }
        CollectionAssert.AreEquivalent(generated.ToList(), rows.Select(r => (string)r[0]!).Where(p => p.Contains("generated", StringComparison.Ordinal)).ToList());

        var runs = Query(db, "SELECT status, scored, failed, batches, mlnetattn_version, onnxruntime_version, libvips_version, duckdb_version, model_id, ended_at FROM runs");
        Assert.HasCount(1, runs);
        Assert.AreEqual("completed", runs[0][0]);
        Assert.AreEqual(40L, runs[0][1]);
        Assert.AreEqual(0L, runs[0][2]);
        Assert.AreEqual(5L, runs[0][3], "40 inputs in batches of 8");
        for (var i = 4; i <= 8; i++)
            Assert.IsFalse(string.IsNullOrEmpty(runs[0][i] as string), $"runs column {i} is empty");
        StringAssert.StartsWith((string)runs[0][5]!, "1.");
        StringAssert.StartsWith((string)runs[0][6]!, "8.");
        StringAssert.StartsWith((string)runs[0][7]!, "v1.");
        Assert.IsNotNull(runs[0][9]);

        // The same command again finds nothing to do and leaves the rows as they were.
        var again = Score(null, "--model", ModelPath, "--input", images, "--out", db, "--batch", "8", "--top", "3");
        Assert.AreEqual(0, again.ExitCode, again.StdErr);
        StringAssert.Contains(again.StdOut, "scored 0, failed 0");
        StringAssert.Contains(again.StdOut, "40 already done");
        Assert.AreEqual(40L, Query(db, "SELECT count(*) FROM results")[0][0]);
        Assert.AreEqual(2L, Query(db, "SELECT count(*) FROM runs")[0][0]);
    }

    [TestMethod]
    public void ThreadAndDecodeWorkerCountsDoNotChangeAResult()
    {
        var images = Path.Combine(_work, "images");
        WriteImages(images, 20);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", "rocket.jpg"), Path.Combine(images, "rocket.jpg"));
        string[] common = ["--model", ModelPath, "--input", images, "--batch", "8", "--top", "3"];
        var one = Score(null, [.. common, "--out", Path.Combine(_work, "one.duckdb"), "--threads", "1", "--decode-workers", "1"]);
        var three = Score(null, [.. common, "--out", Path.Combine(_work, "three.duckdb"), "--threads", "2", "--decode-workers", "3"]);
        Assert.AreEqual(0, one.ExitCode, one.StdErr);
        Assert.AreEqual(0, three.ExitCode, three.StdErr);
        const string sql = "SELECT path, top_labels, top_scores FROM results ORDER BY path";
        var a = Query(Path.Combine(_work, "one.duckdb"), sql);
        var b = Query(Path.Combine(_work, "three.duckdb"), sql);
        Assert.HasCount(21, a);
        Assert.HasCount(21, b);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.AreEqual(a[i][0], b[i][0]);
            CollectionAssert.AreEqual((string?[])a[i][1]!, (string?[])b[i][1]!, $"labels of {a[i][0]}");
            // Different intra-op thread counts may sum in another order: scores agree to float rounding.
            var (x, y) = ((double[])a[i][2]!, (double[])b[i][2]!);
            for (var k = 0; k < x.Length; k++)
                Assert.AreEqual(x[k], y[k], 1e-5, $"score {k} of {a[i][0]}");
        }

        var bad = Score(null, [.. common, "--out", Path.Combine(_work, "bad.duckdb"), "--decode-workers", "-1"]);
        Assert.AreNotEqual(0, bad.ExitCode);
        StringAssert.Contains(bad.StdErr, "--decode-workers");
    }

    [TestMethod]
    public void BadInputsBecomeErrorRowsAndTheJobFinishes()
    {
        var data = Path.Combine(_work, "data");
        WriteImages(data, 3);                                                       // img00000..2.png: fine
        WriteImages(Path.Combine(data, "big"), 1, size: 120);                        // 14,400 px > --max-pixels 10000
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", "truncated.jpg"), Path.Combine(data, "truncated.jpg"));
        File.WriteAllText(Path.Combine(data, "notes.jpg"), "these are not the pixels you are looking for");
        File.WriteAllBytes(Path.Combine(data, "empty.png"), []);
        File.WriteAllBytes(Path.Combine(data, "huge.png"), new byte[300_000]);      // > --max-bytes 200000
        Directory.CreateDirectory(Path.Combine(data, "folder.png"));                 // a folder where a file should be
        File.WriteAllBytes(Path.Combine(_work, "outside.png"), File.ReadAllBytes(Path.Combine(data, "img00000.png")));
        var manifest = Path.Combine(data, "manifest.csv");
        File.WriteAllLines(manifest,
        [
            "path,note",
            "img00000.png,ok",                  // line 2
            "img00001.png,ok",
            "img00002.png,ok",
            "big/img00000.png,oversized",
            "truncated.jpg,truncated",
            "notes.jpg,not an image",
            "empty.png,empty",
            "huge.png,too large",
            "folder.png,unreadable",            // line 10
            "missing.png,missing",
            "../outside.png,outside",
            "img00001.png,too,many,fields",     // line 13: a corrupt line
            ",no path",
            "img00000.png,listed twice",
        ]);
        var db = Path.Combine(_work, "bad.duckdb");
        var run = Score(null, "--model", ModelPath, "--input", manifest, "--out", db, "--batch", "4", "--max-pixels", "10000", "--max-bytes", "200000", "--log-json");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        StringAssert.Contains(run.StdOut, "scored 3, failed 10");
        StringAssert.Contains(run.StdOut, "failed by reason: ");
        StringAssert.Contains(run.StdOut, "outside_root 1");
        // Structured log lines: the template's values as fields.
        StringAssert.Contains(run.StdErr, "\"Category\":\"MLNetAttn.Score\"");
        StringAssert.Contains(run.StdErr, "\"Done\":13");

        var statuses = Query(db, "SELECT path, status, error FROM results ORDER BY path").ToDictionary(r => Path.GetRelativePath(data, (string)r[0]!).Replace('\\', '/'), r => ((string)r[1]!, (string?)r[2]));
        Assert.HasCount(13, statuses, string.Join("\n", statuses.Keys));
        void Expect(string name, string status, string? inMessage = null)
        {
            Assert.IsTrue(statuses.TryGetValue(name, out var got), $"no row for {name}; rows: {string.Join(", ", statuses.Keys)}");
            Assert.AreEqual(status, got.Item1, $"{name}: {got.Item2}");
            if (status != "ok")
                Assert.IsFalse(string.IsNullOrEmpty(got.Item2), $"{name} has no error message");
            if (inMessage is not null)
                StringAssert.Contains(got.Item2!, inMessage);
        }
        Expect("img00000.png", "ok");
        Expect("img00001.png", "ok");
        Expect("img00002.png", "ok");
        Expect("big/img00000.png", "oversized", "pixels");
        Expect("truncated.jpg", "decode");
        Expect("notes.jpg", "not_image");
        Expect("empty.png", "empty");
        Expect("huge.png", "too_large", "--max-bytes");
        Expect("folder.png", "unreadable");
        Expect("missing.png", "missing", "does not exist");
        Expect("../outside.png", "outside_root", "outside the manifest's folder");
        Expect("manifest.csv#line13", "manifest", "line 13");
        Expect("manifest.csv#row12", "manifest", "empty path");
        Assert.AreEqual(0L, Query(db, "SELECT count(*) FROM results WHERE status <> 'ok' AND (top_labels IS NOT NULL OR top_scores IS NOT NULL)")[0][0]);
    }

    [TestMethod]
    public void AFolderOutputWritesParquetThatDuckDbReadsBack()
    {
        var images = Path.Combine(_work, "images");
        WriteImages(Path.Combine(images, "a"), 6);
        WriteImages(Path.Combine(images, "b"), 5, start: 100);
        File.WriteAllText(Path.Combine(images, "b", "skip.txt"), "not matched by the glob");
        var output = Path.Combine(_work, "parquet");

        var run = Score(null, "--model", ModelPath, "--input", Path.Combine(images, "**", "*.png"), "--out", output, "--features", "--batch", "4");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        foreach (var file in new[] { "results.parquet", "runs.parquet", "job.parquet", "results.duckdb" })
            Assert.IsTrue(File.Exists(Path.Combine(output, file)), file);

        var parquet = Sql(Path.Combine(output, "results.parquet"));
        var rows = QueryMemory($"SELECT path, status, features, top_labels FROM read_parquet({parquet}) ORDER BY path");
        Assert.HasCount(11, rows);
        var width = ((double[])rows[0][2]!).Length;
        Assert.IsGreaterThan(0, width);
        foreach (var row in rows)
        {
            Assert.AreEqual("ok", row[1]);
            var features = (double[])row[2]!;
            Assert.HasCount(width, features, "every row has the pooled width");
            Assert.IsTrue(features.All(double.IsFinite) && features.Any(v => v != 0), (string)row[0]!);
            Assert.IsNull(row[3], "--features stores no labels");
        }
        // Distinct images give distinct features.
        Assert.AreEqual(11, rows.Select(r => string.Join(",", (double[])r[2]!)).Distinct().Count());
        var runs = QueryMemory($"SELECT status, scored FROM read_parquet({Sql(Path.Combine(output, "runs.parquet"))})");
        Assert.AreEqual("completed", runs.Single()[0]);
        Assert.AreEqual(11L, runs.Single()[1]);
        // The Parquet holds what the job's DuckDB file holds.
        Assert.AreEqual(11L, Query(Path.Combine(output, "results.duckdb"), "SELECT count(*) FROM results")[0][0]);
    }

    [TestMethod]
    public void AChangedModelOrInputSetIsRefusedUnlessAllowed()
    {
        var images = Path.Combine(_work, "images");
        WriteImages(images, 5);
        var db = Path.Combine(_work, "r.duckdb");
        Assert.AreEqual(0, Score(null, "--model", ModelPath, "--input", images, "--out", db).ExitCode);

        // Another model: the zoo name converted at 96 px (id shvit_s1.in1k@96) into a private MLNETATTN_HOME.
        var env = new Dictionary<string, string> { ["MLNETATTN_HOME"] = Path.Combine(_work, "home") };
        var other = new[] { "--model", "shvit_s1", "--checkpoint", CheckpointPath, "--resolution", "96", "--input", images, "--out", db };
        var refused = Score(env, other);
        Assert.AreEqual(2, refused.ExitCode, refused.StdErr);
        StringAssert.Contains(refused.StdErr, "Changed model");
        StringAssert.Contains(refused.StdErr, "shvit_s1.in1k@64");
        StringAssert.Contains(refused.StdErr, "--allow-changed-model");
        Assert.IsTrue(Directory.GetFiles(Path.Combine(_work, "home", "onnx"), "*.onnx").Single().Contains("r96", StringComparison.Ordinal), "converted into the cache");
        Assert.AreEqual(5L, Query(db, "SELECT count(*) FROM results WHERE model_id = 'shvit_s1.in1k@64'")[0][0], "a refusal changes nothing");

        // Another output mode is another job too.
        var mode = Score(null, "--model", ModelPath, "--input", images, "--out", db, "--features");
        Assert.AreEqual(2, mode.ExitCode);
        StringAssert.Contains(mode.StdErr, "features");

        // A changed input set.
        WriteImages(images, 1, start: 5);
        var changed = Score(null, "--model", ModelPath, "--input", images, "--out", db, "--resume");
        Assert.AreEqual(2, changed.ExitCode, changed.StdErr);
        StringAssert.Contains(changed.StdErr, "Changed inputs");
        StringAssert.Contains(changed.StdErr, "--allow-changed-inputs");
        var allowed = Score(null, "--model", ModelPath, "--input", images, "--out", db, "--allow-changed-inputs");
        Assert.AreEqual(0, allowed.ExitCode, allowed.StdErr);
        StringAssert.Contains(allowed.StdOut, "scored 1, failed 0");
        Assert.AreEqual(6L, Query(db, "SELECT count(*) FROM results")[0][0]);

        // Allowed model change: the old rows go, everything is rescored with the new model.
        var rescored = Score(env, [.. other, "--allow-changed-model"]);
        Assert.AreEqual(0, rescored.ExitCode, rescored.StdErr);
        Assert.AreEqual(6L, Query(db, "SELECT count(*) FROM results WHERE model_id = 'shvit_s1.in1k@96'")[0][0]);
        Assert.AreEqual(6L, Query(db, "SELECT count(*) FROM results")[0][0]);

        // --resume with nothing to resume is refused.
        var none = Score(null, "--model", ModelPath, "--input", images, "--out", Path.Combine(_work, "none.duckdb"), "--resume");
        Assert.AreEqual(2, none.ExitCode);
        StringAssert.Contains(none.StdErr, "no job to continue");
    }

    [TestMethod]
    public void JpegShrinkOnLoadDecodesJpegsSmallerAndIsAJobOfItsOwn()
    {
        // The model's resize size is 73 (64 / 0.875): rocket.jpg (640 × 427) decodes at 1/4, hubble_deep_field.jpg
        // (1000 × 872) at 1/8; a PNG is never shrunk.
        var images = Path.Combine(_work, "images");
        Directory.CreateDirectory(images);
        foreach (var photo in new[] { "chelsea.png", "rocket.jpg", "hubble_deep_field.jpg" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", photo), Path.Combine(images, photo));
        var exactDb = Path.Combine(_work, "exact.duckdb");
        var fastDb = Path.Combine(_work, "fast.duckdb");
        var exact = Score(null, "--model", ModelPath, "--input", images, "--out", exactDb, "--top", "3");
        Assert.AreEqual(0, exact.ExitCode, exact.StdErr);
        var fast = Score(null, "--model", ModelPath, "--input", images, "--out", fastDb, "--top", "3", "--jpeg-shrink-on-load");
        Assert.AreEqual(0, fast.ExitCode, fast.StdErr);
        StringAssert.Contains(fast.StdOut, "scored 3, failed 0");
        Assert.AreEqual("top3+jpeg-shrink", Query(fastDb, "SELECT mode FROM job")[0][0]);
        Assert.AreEqual("top3", Query(exactDb, "SELECT mode FROM job")[0][0]);

        const string scores = "SELECT path, top_scores FROM results ORDER BY path";
        var a = Query(exactDb, scores).ToDictionary(r => Path.GetFileName((string)r[0]!), r => (double[])r[1]!);
        var b = Query(fastDb, scores).ToDictionary(r => Path.GetFileName((string)r[0]!), r => (double[])r[1]!);
        CollectionAssert.AreEqual(a["chelsea.png"], b["chelsea.png"], "a PNG decodes the same either way");
        foreach (var jpeg in new[] { "rocket.jpg", "hubble_deep_field.jpg" })
            Assert.IsTrue(a[jpeg].Zip(b[jpeg]).Any(p => p.First != p.Second), $"{jpeg}: the shrunk decode must change the scores ({string.Join(",", a[jpeg])})");

        // The fast mode against results of the exact mode is another job: refused, nothing changed.
        var mixed = Score(null, "--model", ModelPath, "--input", images, "--out", exactDb, "--top", "3", "--jpeg-shrink-on-load");
        Assert.AreEqual(2, mixed.ExitCode, mixed.StdErr);
        StringAssert.Contains(mixed.StdErr, "top3+jpeg-shrink");
        Assert.AreEqual("top3", Query(exactDb, "SELECT mode FROM job")[0][0]);
    }

    [TestMethod]
    public void AParquetManifestResolvesPathsAgainstItsFolder()
    {
        var data = Path.Combine(_work, "data");
        WriteImages(Path.Combine(data, "sub"), 4);
        File.Copy(Path.Combine(data, "sub", "img00000.png"), Path.Combine(_work, "escaped.png"));
        var manifest = Path.Combine(data, "manifest.parquet");
        QueryMemory($"""
            COPY (SELECT * FROM (VALUES ('sub/img00000.png', 1), ('sub/img00001.png', 2), ('./sub/img00002.png', 3), ('{Path.Combine(data, "sub", "img00003.png")}', 4),
                                        ('../escaped.png', 5), ('sub/../sub/img00001.png', 6)) t(image, n))
            TO {Sql(manifest)} (FORMAT parquet)
            """);
        var db = Path.Combine(_work, "p.duckdb");
        var run = Score(null, "--model", ModelPath, "--input", manifest, "--path-column", "image", "--out", db);
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        StringAssert.Contains(run.StdErr, "listed more than once");
        var rows = Query(db, "SELECT path, status FROM results ORDER BY path");
        CollectionAssert.AreEqual(
            new[] { Path.Combine(data, "sub", "img00000.png"), Path.Combine(data, "sub", "img00001.png"),
                Path.Combine(data, "sub", "img00002.png"), Path.Combine(data, "sub", "img00003.png"), Path.Combine(_work, "escaped.png") },
            rows.Select(r => (string)r[0]!).ToArray());
        CollectionAssert.AreEqual(new[] { "ok", "ok", "ok", "ok", "outside_root" }, rows.Select(r => (string)r[1]!).ToArray());

        var wrongColumn = Score(null, "--model", ModelPath, "--input", manifest, "--out", Path.Combine(_work, "q.duckdb"));
        Assert.AreEqual(1, wrongColumn.ExitCode);
        StringAssert.Contains(wrongColumn.StdErr, "--path-column");
    }

    private static string Sql(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    [TestMethod]
    public void TheRunsTableRecordsTheProviderThatRan()
    {
        var images = Path.Combine(_work, "images");
        WriteImages(images, 6);
        var db = Path.Combine(_work, "results.duckdb");

        // No GPU package here: --gpu alone refuses, naming the package, and scores nothing.
        var refused = Score(null, "--model", ModelPath, "--input", images, "--out", db, "--gpu");
        Assert.AreEqual(1, refused.ExitCode, refused.StdErr);
        StringAssert.Contains(refused.StdErr, "Microsoft.ML.OnnxRuntime.Gpu");
        Assert.AreEqual(0L, Query(db, "SELECT count(*) FROM results")[0][0]);

        var fallback = Score(null, "--model", ModelPath, "--input", images, "--out", db, "--gpu", "0", "--fallback-to-cpu");
        Assert.AreEqual(0, fallback.ExitCode, fallback.StdErr);
        StringAssert.Contains(fallback.StdErr, "CUDA device 0 unavailable, running on CPU");
        StringAssert.Contains(fallback.StdErr, "CPU-only build from the Microsoft.ML.OnnxRuntime package");
        StringAssert.Contains(fallback.StdErr, "Inference runs on CPU");
        var runs = Query(db, "SELECT status, execution_provider, scored FROM runs ORDER BY run_id");
        Assert.HasCount(2, runs);
        Assert.AreEqual("failed", runs[0][0]);
        Assert.IsNull(runs[0][1], "the refused run never loaded a model");
        Assert.AreEqual("completed", runs[1][0]);
        Assert.AreEqual("CPU", runs[1][1]);
        Assert.AreEqual(6L, runs[1][2]);
    }
}
