using static MLNetAttn.Cli.Tests.Scoring.ScoreHarness;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary>
/// kill -9 at several points of a real scoring process, then the same command again: the results end with exactly one
/// row per input, and the runs' counters (committed in the same transactions as the rows) account for every row once.
/// </summary>
[TestClass]
public sealed class ScoreResumeTests
{
    private string _work = "";

    [TestInitialize]
    public void Start() => _work = NewFolder("score-resume");

    [TestCleanup]
    public void Stop() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public void KilledRunsResumeToExactlyOneRowPerInput()
    {
        const int inputs = 90;
        var images = Path.Combine(_work, "images");
        WriteImages(images, inputs - 2);
        File.WriteAllText(Path.Combine(images, "broken.png"), "not a png");   // error rows must resume exactly once too
        File.WriteAllBytes(Path.Combine(images, "empty.jpg"), []);
        var db = Path.Combine(_work, "results.duckdb");
        string[] args = ["--model", ModelPath, "--input", images, "--out", db, "--batch", "4", "--log-interval", "0"];
        var slow = new Dictionary<string, string> { ["MLNETATTN_SCORE_BATCH_DELAY_MS"] = "120" };
        var random = new Random(1234);

        // Killed after 1, 3 and 5 more committed batches, at a random moment of the pause that follows (or of the next
        // batch's work), then once with no pause at all, so the kill lands while a batch is being decoded, scored or written.
        var kills = 0;
        foreach (var batches in new[] { 1, 3, 5 })
            if (ScoreAndKill(slow, batches, random.Next(0, 200), args))
                kills++;
        if (ScoreAndKill(new Dictionary<string, string>(), 2, 0, args))
            kills++;
        Assert.IsGreaterThanOrEqualTo(3, kills, "the job finished before it could be killed; slow it down");
        var partial = (long)Query(db, "SELECT count(*) FROM results")[0][0]!;
        Assert.IsTrue(partial is > 0 and < inputs, $"after the kills {partial} of {inputs} rows should be stored");

        var final = Score(null, args);
        Assert.AreEqual(0, final.ExitCode, final.StdErr);
        StringAssert.Contains(final.StdOut, $"{partial} already done");

        Assert.AreEqual((long)inputs, Query(db, "SELECT count(*) FROM results")[0][0]);
        Assert.AreEqual((long)inputs, Query(db, "SELECT count(DISTINCT path) FROM results")[0][0]);
        Assert.AreEqual((long)inputs, (long)Directory.GetFiles(images).Length);
        Assert.AreEqual(2L, Query(db, "SELECT count(*) FROM results WHERE status <> 'ok'")[0][0]);
        // Each run's counters equal the rows it wrote: rows and counters were committed together.
        var runs = Query(db, """
            SELECT r.run_id, r.status, r.scored + r.failed, (SELECT count(*) FROM results x WHERE x.run_id = r.run_id)
            FROM runs r ORDER BY r.run_id
            """);
        Assert.HasCount(kills + 1, runs);
        foreach (var run in runs)
            Assert.AreEqual(run[3], run[2], $"run {run[0]} ({run[1]}): counters vs rows");
        Assert.AreEqual((long)inputs, runs.Sum(r => (long)r[3]!));
        Assert.AreEqual("completed", runs[^1][1]);
        Assert.IsTrue(runs.Take(kills).All(r => (string)r[1]! == "abandoned"), "a killed run never recorded its end; the next run marks it");
    }
}
