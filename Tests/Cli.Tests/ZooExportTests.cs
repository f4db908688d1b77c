using System.IO.Compression;
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
    public void Uint8InputExport_TakesPhotoBytes_AndMatchesTheFloatExport()
    {
        // Bound: max |Δ| <= 1e-4 max |logit| + 1e-5 (only the rounding of the folded first conv differs).
        var fixture = Shvit();
        var floatPath = Path.Combine(_work, "float.onnx");
        var uint8Path = Path.Combine(_work, "uint8.onnx");
        var plain = CliProcess.Run(Limit, "zoo", "export", "shvit_s1", "--checkpoint", fixture.CheckpointPath, "--out", floatPath, "--resolution", "64");
        Assert.AreEqual(0, plain.ExitCode, plain.StdErr);
        var bytes = CliProcess.Run(Limit, "zoo", "export", "shvit_s1", "--checkpoint", fixture.CheckpointPath, "--out", uint8Path, "--resolution", "64", "--uint8-input");
        Assert.AreEqual(0, bytes.ExitCode, bytes.StdErr);
        StringAssert.Contains(bytes.StdOut, "1000 classes, uint8 RGB input");
        Assert.IsFalse(plain.StdOut.Contains("uint8", StringComparison.Ordinal), "the float export does not claim a uint8 input");

        // chelsea.png as shvit_s1's eval transform makes it at 64 px: Resize(73, bicubic) + CenterCrop(64), CHW bytes.
        var pixels = new MemoryStream();
        using (var gzip = new GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pipeline", "chelsea.png.s64_r73_bicubic.u8.gz")), CompressionMode.Decompress))
            gzip.CopyTo(pixels);
        var card = MLNetAttn.Zoo.ModelZoo.Get("shvit_s1");
        var normalized = new float[pixels.Length];
        var raw = pixels.ToArray();
        for (var i = 0; i < raw.Length; i++)
        {
            var c = i / (64 * 64);
            normalized[i] = (raw[i] / 255f - card.Mean[c]) / card.Std[c];
        }

        using var uint8Session = OnnxSession.FromFile(uint8Path);
        Assert.AreEqual(OnnxElementType.UInt8, uint8Session.Inputs.Single().ElementType, "input of the --uint8-input export");
        using var floatSession = OnnxSession.FromFile(floatPath);
        Assert.AreEqual(OnnxElementType.Float, floatSession.Inputs.Single().ElementType, "input of the plain export");
        using var byteTensor = OnnxTensor.FromArray(raw, 1, 3, 64, 64);
        using var floatTensor = OnnxTensor.FromArray(normalized, 1, 3, 64, 64);
        using var fromBytes = uint8Session.Run("input", byteTensor);
        using var fromFloats = floatSession.Run("input", floatTensor);
        var got = fromBytes["logits"].GetSpan<float>();
        var expected = fromFloats["logits"].GetSpan<float>();
        double maxRef = 0, maxDiff = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
            maxDiff = Math.Max(maxDiff, Math.Abs(got[i] - expected[i]));
        }
        Console.WriteLine($"shvit_s1@64 on chelsea.png: --uint8-input vs float export max |Δ| {maxDiff:0.00e+0} (max |logit| {maxRef:0.000})");
        Assert.IsLessThanOrEqualTo(1e-4 * maxRef + 1e-5, maxDiff, "logits of the --uint8-input export vs the float export on the same photo");

        var help = CliProcess.Run(Limit, "zoo", "export", "--help");
        StringAssert.Contains(help.StdOut, "--uint8-input");
        StringAssert.Contains(help.StdOut, "feed the resized, cropped image bytes");
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
