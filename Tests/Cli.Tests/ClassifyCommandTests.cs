using System.Text.Json;
using MLNetAttn.Zoo.Tests.Architectures;

namespace MLNetAttn.Cli.Tests;

/// <summary>
/// <c>mlnetattn classify</c> as a real process, with shvit_s1 converted from a generated random-weight checkpoint in
/// the official layout, over the bundled photos (truncated.jpg included).
/// </summary>
[TestClass]
public sealed class ClassifyCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private static readonly string Images = Path.Combine(AppContext.BaseDirectory, "Fixtures", "images");
    private string _work = "";
    private Dictionary<string, string> _env = [];

    [TestInitialize]
    public void Start()
    {
        _work = Path.Combine(Path.GetTempPath(), "mlnetattn-classify-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_work);
        _env = new Dictionary<string, string> { ["MLNETATTN_HOME"] = Path.Combine(_work, "home"), ["MLNETATTN_OFFLINE"] = "1" };
    }

    [TestCleanup]
    public void Stop() => Directory.Delete(_work, recursive: true);

    private static string Checkpoint() => ParityFixture.Generate("shvit_s1", 64, batch: 1).CheckpointPath;

    [TestMethod]
    public void JsonLinesForEveryImageWithOneErrorRow()
    {
        var result = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", "--checkpoint", Checkpoint(), "--json", "--top", "3", "--batch", "2", Images);
        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(6, lines, result.StdOut);
        string[] expected = ["astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "rocket.jpg", "truncated.jpg"];
        for (var i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var root = doc.RootElement;
            CollectionAssert.AreEqual(new[] { "path", "top", "error" }, root.EnumerateObject().Select(p => p.Name).ToArray(), "exactly these keys, in this order");
            Assert.AreEqual(expected[i], Path.GetFileName(root.GetProperty("path").GetString()));
            var top = root.GetProperty("top").EnumerateArray().ToArray();
            if (expected[i] == "truncated.jpg")
            {
                Assert.IsEmpty(top);
                StringAssert.Contains(root.GetProperty("error").GetString(), "truncated.jpg");
                continue;
            }
            Assert.AreEqual(JsonValueKind.Null, root.GetProperty("error").ValueKind);
            Assert.HasCount(3, top);
            var scores = top.Select(t => t.GetProperty("score").GetDouble()).ToArray();
            for (var k = 1; k < scores.Length; k++)
                Assert.IsGreaterThanOrEqualTo(scores[k], scores[k - 1], $"{expected[i]}: top-k sorted by score");
            Assert.IsLessThanOrEqualTo(1.0 + 1e-6, scores.Sum(), "probabilities of three classes sum to at most 1");
            Assert.IsTrue(scores.All(s => s >= 0));
            var indices = top.Select(t => t.GetProperty("index").GetInt32()).ToArray();
            Assert.IsTrue(indices.All(x => x is >= 0 and < 1000) && indices.Distinct().Count() == 3);
            Assert.IsFalse(string.IsNullOrEmpty(top[0].GetProperty("label").GetString()));
        }
        StringAssert.Contains(result.StdErr, "5 classified, 1 failed");
        Assert.HasCount(1, Directory.GetFiles(Path.Combine(_work, "home", "onnx"), "shvit_s1.in1k_r224_*.onnx"), "the converted model is cached");
    }

    [TestMethod]
    public void TextLinesMatchJsonAndAnOnnxFileWorksToo()
    {
        var checkpoint = Checkpoint();
        var viaZoo = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", "--checkpoint", checkpoint, "--json", Path.Combine(Images, "chelsea.png"), Path.Combine(Images, "rocket.jpg"));
        Assert.AreEqual(0, viaZoo.ExitCode, viaZoo.StdErr);
        var onnx = Directory.GetFiles(Path.Combine(_work, "home", "onnx")).Single();
        var viaFile = CliProcess.Run(Limit, _env, "classify", "--model", onnx, "--json", Path.Combine(Images, "chelsea.png"), Path.Combine(Images, "rocket.jpg"));
        Assert.AreEqual(0, viaFile.ExitCode, viaFile.StdErr);
        Assert.AreEqual(viaZoo.StdOut.Replace("\r", ""), viaFile.StdOut.Replace("\r", ""));

        var text = CliProcess.Run(Limit, _env, "classify", "--model", onnx, "--top", "2", Path.Combine(Images, "chelsea.png"));
        Assert.AreEqual(0, text.ExitCode, text.StdErr);
        var line = text.StdOut.TrimEnd();
        using var first = JsonDocument.Parse(viaZoo.StdOut.Split('\n')[0]);
        var best = first.RootElement.GetProperty("top")[0];
        StringAssert.StartsWith(line, Path.Combine(Images, "chelsea.png") + "\t" + best.GetProperty("label").GetString() + " (" + best.GetProperty("index").GetInt32() + ")");
        Assert.AreEqual(2, line.Split("; ").Length, line);
    }

    [TestMethod]
    public void JpegShrinkOnLoadChangesOnlyJpegs()
    {
        // shvit_s1 at 64 px (resize size 73): rocket.jpg (640 x 427) decodes at 1/4 and hubble_deep_field.jpg
        // (1000 x 872) at 1/8; a PNG never shrinks. Scores print with full precision, so any change of the pixels shows.
        string[] photos = [Path.Combine(Images, "chelsea.png"), Path.Combine(Images, "rocket.jpg"), Path.Combine(Images, "hubble_deep_field.jpg")];
        var model = Scoring.ScoreHarness.ModelPath;
        var exact = CliProcess.Run(Limit, _env, ["classify", "--model", model, "--json", "--top", "5", .. photos]);
        Assert.AreEqual(0, exact.ExitCode, exact.StdErr);
        var fast = CliProcess.Run(Limit, _env, ["classify", "--model", model, "--json", "--top", "5", "--jpeg-shrink-on-load", .. photos]);
        Assert.AreEqual(0, fast.ExitCode, fast.StdErr);
        var exactLines = exact.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var fastLines = fast.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(3, fastLines);
        Assert.AreEqual(exactLines[0], fastLines[0], "a PNG decodes the same in both modes");
        Assert.AreNotEqual(exactLines[1], fastLines[1], "rocket.jpg decodes at 1/4, so its scores change");
        Assert.AreNotEqual(exactLines[2], fastLines[2], "hubble_deep_field.jpg decodes at 1/8, so its scores change");
    }

    [TestMethod]
    public void FailuresAndRefusals()
    {
        var allBad = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", "--checkpoint", Checkpoint(), Path.Combine(Images, "truncated.jpg"), Path.Combine(_work, "missing.png"));
        Assert.AreEqual(1, allBad.ExitCode, "every image failed");
        Assert.HasCount(2, allBad.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        StringAssert.Contains(allBad.StdOut, "missing.png\terror: ");

        var noWeights = CliProcess.Run(Limit, _env, "classify", "--model", "cloformer_xs", Images);
        Assert.AreEqual(1, noWeights.ExitCode);
        StringAssert.Contains(noWeights.StdErr, "--checkpoint");

        var offline = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s4", Images);
        Assert.AreEqual(1, offline.ExitCode);
        StringAssert.Contains(offline.StdErr, "MLNETATTN_OFFLINE");

        var unknown = CliProcess.Run(Limit, _env, "classify", "--model", "nope.onnx", Images);
        Assert.AreEqual(1, unknown.ExitCode);
        StringAssert.Contains(unknown.StdErr, "zoo list");

        var empty = Directory.CreateDirectory(Path.Combine(_work, "empty")).FullName;
        var none = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", empty);
        Assert.AreEqual(2, none.ExitCode);
        StringAssert.Contains(none.StdErr, "no image files");
        Assert.AreEqual(2, CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", "--top", "0", Images).ExitCode);
    }

    [TestMethod]
    public void BatchOutsideItsBoundsIsAUsageErrorInEveryCommand()
    {
        // A batch's tensors are allocated whole: int.MaxValue images once died with an OutOfMemoryException stack trace.
        foreach (var batch in new[] { "0", "-3", "4097", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            var classify = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", "--batch", batch, Images);
            Assert.AreEqual(2, classify.ExitCode, $"classify --batch {batch}: {classify.StdErr}");
            StringAssert.Contains(classify.StdErr, $"--batch ({batch}) must be between 1 and 4096");
            Assert.DoesNotContain("Exception", classify.StdErr, "a usage error, not a stack trace");

            var output = Path.Combine(_work, $"batch{batch}.duckdb");
            var score = CliProcess.Run(Limit, _env, "score", "--model", "shvit_s1", "--input", Images, "--out", output, "--batch", batch);
            Assert.AreEqual(2, score.ExitCode, $"score --batch {batch}: {score.StdErr}");
            StringAssert.Contains(score.StdErr, $"--batch ({batch}) must be between 1 and 4096");
            Assert.DoesNotContain("Exception", score.StdErr, "a usage error, not a stack trace");
            Assert.IsFalse(File.Exists(output), "a usage error writes nothing");
        }
    }

    [TestMethod]
    public void GpuWithoutTheGpuPackageFailsNamingIt()
    {
        // The tests carry the CPU package only: its library has no CUDA provider.
        var result = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", "--checkpoint", Checkpoint(), Path.Combine(Images, "chelsea.png"), "--gpu");
        Assert.AreEqual(1, result.ExitCode, result.StdErr);
        Assert.AreEqual("", result.StdOut);
        StringAssert.Contains(result.StdErr, "CUDA device 0 was requested");
        StringAssert.Contains(result.StdErr, "Reference the Microsoft.ML.OnnxRuntime.Gpu package");
        StringAssert.Contains(result.StdErr, "--fallback-to-cpu");
    }

    [TestMethod]
    public void GpuWithFallbackRunsOnCpuSaysWhyAndScoresAlike()
    {
        var checkpoint = Checkpoint();
        string[] photos = [Path.Combine(Images, "chelsea.png"), Path.Combine(Images, "rocket.jpg")];
        var cpu = CliProcess.Run(Limit, _env, ["classify", "--model", "shvit_s1", "--checkpoint", checkpoint, "--json", .. photos]);
        Assert.AreEqual(0, cpu.ExitCode, cpu.StdErr);
        Assert.IsFalse(cpu.StdErr.Contains("CUDA", StringComparison.Ordinal), cpu.StdErr);

        var fallback = CliProcess.Run(Limit, _env, ["classify", "--model", "shvit_s1", "--checkpoint", checkpoint, "--json", "--gpu", "1", "--fallback-to-cpu", .. photos]);
        Assert.AreEqual(0, fallback.ExitCode, fallback.StdErr);
        StringAssert.Contains(fallback.StdErr, "CUDA device 1 was requested");
        StringAssert.Contains(fallback.StdErr, "running on CPU instead");
        StringAssert.Contains(fallback.StdErr, "CPU-only build from the Microsoft.ML.OnnxRuntime package");
        Assert.AreEqual(cpu.StdOut, fallback.StdOut);
    }

    [TestMethod]
    public void GpuOptionsAreChecked()
    {
        var photo = Path.Combine(Images, "chelsea.png");
        // A bare --gpu before a path would take the path as its device id: refused with the fix.
        var swallowed = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", "--gpu", photo);
        Assert.AreNotEqual(0, swallowed.ExitCode);
        StringAssert.Contains(swallowed.StdErr, $"--gpu takes a CUDA device id (0, 1, ...), not '{photo}'");
        var alone = CliProcess.Run(Limit, _env, "classify", "--model", "shvit_s1", "--fallback-to-cpu", photo);
        Assert.AreNotEqual(0, alone.ExitCode);
        StringAssert.Contains(alone.StdErr, "--fallback-to-cpu applies only with --gpu");
    }
}
