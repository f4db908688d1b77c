using System.Security.Cryptography;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Zoo.Tests.Architectures;
using MLNetAttn.Zoo.Tests.Store;

namespace MLNetAttn.Cli.Tests;

/// <summary>
/// <c>mlnetattn zoo export</c> as a real process: from a local checkpoint and from a URL served on loopback,
/// and the converted model reproduces PyTorch's logits.
/// </summary>
[TestClass]
public sealed class ZooExportTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private string _work = "";

    [TestInitialize]
    public void Start()
    {
        _work = Path.Combine(Path.GetTempPath(), "mlnetattn-export-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_work);
    }

    [TestCleanup]
    public void Stop() => Directory.Delete(_work, recursive: true);

    // shvit_s1 in the official layout with random weights, at 64 px so the reference run is quick.
    private static ParityFixture Shvit() => ParityFixture.Generate("shvit_s1", 64, batch: 1);

    [TestMethod]
    public void ExportsALocalCheckpointThatMatchesPyTorch()
    {
        var fixture = Shvit();
        var output = Path.Combine(_work, "shvit_s1.onnx");
        var result = CliProcess.Run(Limit, "zoo", "export", "shvit_s1", "--checkpoint", fixture.CheckpointPath, "--out", output, "--resolution", "64");
        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        StringAssert.Contains(result.StdOut, "shvit_s1.in1k at 64x64, 1000 classes");

        using var session = OnnxSession.FromFile(output);
        Assert.AreEqual("input", session.Inputs.Single().Name);
        Assert.AreEqual("logits", session.Outputs.Single().Name);
        var (input, shape) = fixture.Tensor("input");
        var (expected, _) = fixture.Tensor("logits");
        using var tensor = OnnxTensor.FromArray(input, shape);
        using var outputs = session.Run("input", tensor);
        var got = outputs["logits"].GetSpan<float>();
        var maxRef = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Length; i++)
            Assert.IsLessThanOrEqualTo(1e-4 * maxRef, Math.Abs(got[i] - expected[i]), $"logit {i}");
    }

    [TestMethod]
    public void ExportsFromAUrlThroughTheCache()
    {
        var fixture = Shvit();
        var bytes = File.ReadAllBytes(fixture.CheckpointPath);
        using var server = new LoopbackHttpServer();
        server.Serve("/weights/shvit_s1.pth", bytes, ServeMode.TruncateFirst);
        var home = Path.Combine(_work, "home");
        var env = new Dictionary<string, string> { ["MLNETATTN_HOME"] = home };
        var url = server.Url("/weights/shvit_s1.pth").ToString();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));

        var result = CliProcess.Run(Limit, env, "zoo", "export", "shvit_s1", "--checkpoint", url, "--sha256", sha, "--out", Path.Combine(_work, "a.onnx"), "--resolution", "64");
        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        StringAssert.Contains(result.StdOut, sha);
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(Path.Combine(home, "checkpoints", "shvit_s1.pth")));
        Assert.AreEqual(2, server.Hits("/weights/shvit_s1.pth"), "the truncated first response should have been resumed once");

        var wrong = CliProcess.Run(Limit, new Dictionary<string, string> { ["MLNETATTN_HOME"] = Path.Combine(_work, "other") },
            "zoo", "export", "shvit_s1", "--checkpoint", url, "--sha256", new string('a', 64), "--out", Path.Combine(_work, "b.onnx"));
        Assert.AreEqual(1, wrong.ExitCode);
        StringAssert.Contains(wrong.StdErr, "SHA-256");
        Assert.IsFalse(File.Exists(Path.Combine(_work, "b.onnx")));
    }

    [TestMethod]
    public void RefusalsSayWhatToDo()
    {
        var noWeights = CliProcess.Run(Limit, "zoo", "export", "cloformer_xs", "--out", Path.Combine(_work, "c.onnx"));
        Assert.AreEqual(1, noWeights.ExitCode);
        StringAssert.Contains(noWeights.StdErr, "no released weights");
        StringAssert.Contains(noWeights.StdErr, "--checkpoint");

        var notACheckpoint = CliProcess.Run(Limit, "zoo", "export", "shvit_s1", "--checkpoint", Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", "chelsea.png"), "--out", Path.Combine(_work, "d.onnx"));
        Assert.AreEqual(1, notACheckpoint.ExitCode);
        StringAssert.Contains(notACheckpoint.StdErr, "chelsea.png");

        var wrongVariant = CliProcess.Run(Limit, "zoo", "export", "shvit_s2", "--checkpoint", Shvit().CheckpointPath, "--out", Path.Combine(_work, "e.onnx"));
        Assert.AreEqual(1, wrongVariant.ExitCode);
        StringAssert.Contains(wrongVariant.StdErr, "expects");
        Assert.IsFalse(File.Exists(Path.Combine(_work, "e.onnx")));
    }
}
