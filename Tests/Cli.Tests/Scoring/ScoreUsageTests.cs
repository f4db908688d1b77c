using static MLNetAttn.Cli.Tests.Scoring.ScoreHarness;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary><c>score</c> and <c>merge</c> as real processes given command lines they cannot run: exit code 2, the message names the option, nothing is written.</summary>
[TestClass]
public sealed class ScoreUsageTests
{
    private string _work = "";

    [TestInitialize]
    public void Start() => _work = NewFolder("usage");

    [TestCleanup]
    public void Stop() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public void ScoreUsageErrorsExit2NamingTheOptionAndWriteNothing()
    {
        var images = Path.Combine(_work, "images");
        WriteImages(images, 2);
        var output = Path.Combine(_work, "out.duckdb");
        // The model is not read before the command line is checked: a missing file proves the order.
        string[] common = ["--model", Path.Combine(_work, "no-such-model.onnx"), "--input", images, "--out", output];
        foreach (var (args, named) in new (string[], string)[]
        {
            (["--batch", "0"], "--batch"),
            (["--top", "0"], "--top"),
            (["--threads", "-1"], "--threads"),
            (["--decode-workers", "-2"], "--decode-workers"),
            (["--max-bytes", "0"], "--max-bytes"),
            (["--log-interval", "-1"], "--log-interval"),
            (["--shard", "3/2"], "shard index 3"),
            (["--shard", "one"], "--shard 'one'"),
            (["--batch", "many"], "many"),
            (["--no-such-option"], "--no-such-option"),
        })
        {
            var result = Score(null, [.. common, .. args]);
            Assert.AreEqual(2, result.ExitCode, $"{string.Join(' ', args)}: {result.StdErr}");
            StringAssert.Contains(result.StdErr, named, string.Join(' ', args));
        }
        var missing = Score(null, "--input", images, "--out", output);
        Assert.AreEqual(2, missing.ExitCode, "--model missing: " + missing.StdErr);
        Assert.IsFalse(File.Exists(output), "a usage error writes no results file");

        // A job that fails (here: no model at that path) still exits 1.
        var failed = Score(null, common);
        Assert.AreEqual(1, failed.ExitCode, failed.StdErr);
    }

    [TestMethod]
    public void MergeUsageErrorsExit2()
    {
        var existing = Path.Combine(_work, "merged.duckdb");
        File.WriteAllText(existing, "not a database");
        var notResults = Path.Combine(_work, "text.duckdb");
        File.WriteAllText(notResults, "not a database either");

        var missingShard = CliProcess.Run(Limit, "merge", Path.Combine(_work, "nothing.duckdb"), "--out", Path.Combine(_work, "m1.duckdb"));
        Assert.AreEqual(2, missingShard.ExitCode, missingShard.StdErr);
        StringAssert.Contains(missingShard.StdErr, "nothing.duckdb");
        var outExists = CliProcess.Run(Limit, "merge", notResults, "--out", existing);
        Assert.AreEqual(2, outExists.ExitCode, outExists.StdErr);
        StringAssert.Contains(outExists.StdErr, "exists");
        Assert.AreEqual("not a database", File.ReadAllText(existing), "an existing --out is left alone");
        Assert.AreEqual(2, CliProcess.Run(Limit, "merge", notResults).ExitCode, "--out missing");
        Assert.AreEqual(2, CliProcess.Run(Limit, "merge", "--out", Path.Combine(_work, "m2.duckdb")).ExitCode, "no shard given");

        // An input that exists but is not a results file is a failed merge, not a usage error.
        var failed = CliProcess.Run(Limit, "merge", notResults, "--out", Path.Combine(_work, "m3.duckdb"));
        Assert.AreEqual(1, failed.ExitCode, failed.StdErr);
        Assert.IsFalse(File.Exists(Path.Combine(_work, "m3.duckdb")));
    }
}
