using System.Diagnostics;
using System.Text.Json;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Tests.Onnx;

namespace MLNetAttn.Zoo.Tests.Architectures;

/// <summary>
/// SHViT converted from checkpoints against PyTorch's outputs (Tests/Reference/shvit.py): every named output
/// (stem, stage1..3, pooled, logits) within <see cref="ParityFixture.Fp32Bound"/> relative to its largest
/// reference value, or <see cref="ParityFixture.Fp16Bound"/> with float16 weights.
/// </summary>
[TestClass]
public sealed class ShvitParityTests
{
    private const string Fixture = "shvit_tiny_r96";

    [TestMethod]
    public void ReducedFixture_Batch2_MatchesTorch()
    {
        var fixture = ParityFixture.Committed(Fixture);
        ParityFixture.AssertWithin(fixture.Check(Reduced(fixture)), ParityFixture.Fp32Bound, $"{Fixture} batch 2");
    }

    [TestMethod]
    public void ReducedFixture_Batch1_MatchesTorch()
    {
        var fixture = ParityFixture.Committed(Fixture);
        ParityFixture.AssertWithin(fixture.Check(Reduced(fixture), batch: 1), ParityFixture.Fp32Bound, $"{Fixture} batch 1");
    }

    [TestMethod]
    public void ReducedFixture_Fp16Weights_MatchesTorch()
    {
        var fixture = ParityFixture.Committed(Fixture);
        var errors = fixture.Check(Reduced(fixture), fp16: true);
        ParityFixture.AssertWithin(errors, ParityFixture.Fp16Bound, $"{Fixture} fp16 weights");
        // Rounding the weights must show: a float16 graph identical to float32 would mean the option was ignored.
        Assert.IsGreaterThan(1e-6, errors["logits"], "float16 weights gave float32-exact logits; were they stored as float16?");
    }

    [TestMethod]
    [DataRow(100)] // 100 -> 7 after the stem: odd maps into both PatchMergings (7 -> 4 -> 2)
    [DataRow(64)]  // the smallest allowed side: the last two stages see 2x2 and 1x1 maps
    public void ReducedNetwork_OtherResolution_MatchesTorch(int resolution)
    {
        var fixture = ParityFixture.Generate("shvit_s1", resolution, reduced: true);
        Assert.AreEqual("shvit_tiny", fixture.Variant, "the generator's reduced stand-in of shvit_s1");
        ParityFixture.AssertWithin(fixture.Check(Reduced(fixture)), ParityFixture.Fp32Bound, $"shvit_tiny at {resolution}");
    }

    [TestMethod]
    public void ReleaseLayout_With2DPointwiseWeights_MatchesTorch()
    {
        // The official release stores some 1x1 conv weights as [out, in]; its loader adds the two unit axes.
        // Here every 1x1 conv weight of the committed checkpoint is stored that way, the outputs must not move.
        var committed = ParityFixture.Committed(Fixture);
        var folder = Path.Combine(Path.GetTempPath(), $"mlnetattn-shvit-2d-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            foreach (var file in Directory.GetFiles(committed.Folder).Where(f => Path.GetFileName(f) != "checkpoint.pth"))
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), true);
            var squeezed = RunPython(
                "import sys, torch\n" +
                "ck = torch.load(sys.argv[1], map_location='cpu')\n" +
                "sd = ck['model']\n" +
                "keys = [k for k, v in sd.items() if v.dim() == 4 and tuple(v.shape[2:]) == (1, 1)]\n" +
                "for k in keys: sd[k] = sd[k][:, :, 0, 0].clone()\n" +
                "torch.save(ck, sys.argv[2])\n" +
                "print(len(keys))\n",
                committed.CheckpointPath, Path.Combine(folder, "checkpoint.pth"));
            Assert.IsGreaterThan(20, int.Parse(squeezed.Trim(), System.Globalization.CultureInfo.InvariantCulture), "1x1 conv weights rewritten as 2-D");

            var fixture = ParityFixture.Load(folder);
            ParityFixture.AssertWithin(fixture.Check(Reduced(fixture)), ParityFixture.Fp32Bound, $"{Fixture} with 2-D 1x1 weights");
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [TestMethod]
    public void Resolution_OutsideTheRule_IsRejectedWithTheRule()
    {
        var architecture = ShvitArchitecture.Create("shvit_s1");
        foreach (var bad in new[] { 63, 32, 0, -224, 2049 })
        {
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => architecture.ValidateResolution(bad), $"side {bad}");
            StringAssert.Contains(error.Message, "from 64 to 2048 pixels", $"the message for side {bad} states the rule");
        }
        foreach (var good in new[] { 64, 65, 96, 100, 224, 256, 2048 })
            architecture.ValidateResolution(good);

        var fixture = ParityFixture.Committed(Fixture);
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ModelConverter.Build(Reduced(fixture), checkpoint, new ExportOptions { Resolution = 48 }));
    }

    [TestMethod]
    public void CheckpointOfAnotherVariant_NamesTheTensorAndBothShapes()
    {
        // The reduced checkpoint's stem is [2, 3, 3, 3]; shvit_s1 wants [16, 3, 3, 3].
        using var checkpoint = Checkpoint.Open(ParityFixture.Committed(Fixture).CheckpointPath);
        var error = Assert.ThrowsExactly<CheckpointFormatException>(() => ModelConverter.Build(ShvitArchitecture.Create("shvit_s1"), checkpoint, new ExportOptions()));
        StringAssert.Contains(error.Message, "'patch_embed.0.c.weight'");
        StringAssert.Contains(error.Message, "[2, 3, 3, 3]");
        StringAssert.Contains(error.Message, "[16, 3, 3, 3]");
    }

    [TestMethod]
    public void Variants_AreTheOfficialFour_WithTheirCardResolutions()
    {
        CollectionAssert.AreEqual(new[] { "shvit_s1", "shvit_s2", "shvit_s3", "shvit_s4" }, ShvitArchitecture.Variants.ToArray());
        foreach (var variant in ShvitArchitecture.Variants)
        {
            var architecture = ModelArchitectures.Create(variant);
            Assert.IsInstanceOfType<ShvitArchitecture>(architecture, variant);
            Assert.AreEqual(ModelZoo.Get(variant).InputSize, architecture.DefaultResolution, $"{variant}: default resolution = the card's input size");
        }
        var unknown = Assert.ThrowsExactly<KeyNotFoundException>(() => ShvitArchitecture.Create("shvit_s5"));
        StringAssert.Contains(unknown.Message, "shvit_s1, shvit_s2, shvit_s3, shvit_s4");
    }

    [TestMethod]
    public void ReducedGraph_HasEveryNormFolded()
    {
        // stem 4 convs; per stage-1 block 3 (dw, pw1, pw2); per attention block 5 (dw, qkv, proj, pw1, pw2);
        // per downsampling 2 local units (3 each) + PatchMerging (conv1, conv2, fc1, fc2, conv3).
        var fixture = ParityFixture.Committed(Fixture);
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        var (graph, _) = ModelConverter.Build(Reduced(fixture), checkpoint, new ExportOptions { Resolution = fixture.Resolution });
        var ops = graph.Nodes.Select(n => n.OpType).ToList();
        Assert.AreEqual(0, ops.Count(o => o == "BatchNormalization"), "BatchNorms left in the graph");
        Assert.AreEqual(4 + (1 * 3) + (3 * 5) + (2 * (6 + 5)), ops.Count(o => o == "Conv"), "Conv nodes (one per conv, BNs and residuals folded)");
        Assert.AreEqual(3, ops.Count(o => o == "LayerNormalization"), "one normalization per attention block");
        Assert.AreEqual(1, ops.Count(o => o == "Gemm"), "BN_Linear head as one Gemm");
    }

    [TestMethod]
    public void ReducedGraph_PassesTheOnnxChecker_WithStaticOutputShapes()
    {
        // onnx.checker full_check runs strict shape inference: every stage output must come out with the
        // declared dims (ceil(side / 16), then halvings rounding up), the batch left symbolic.
        var fixture = ParityFixture.Committed(Fixture);
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        var (graph, _) = ModelConverter.Build(Reduced(fixture), checkpoint, new ExportOptions { Resolution = 100, Features = true });
        var model = OnnxChecker.Check(graph);
        // Each named output is an Identity of the stage's last value; read what inference derived for that value.
        string Inferred(string output) => model.InferredDims(model.Node(output).GetProperty("inputs")[0].GetString()!);
        Assert.AreEqual("batch,16,7,7", Inferred("stem"));
        Assert.AreEqual("batch,16,7,7", Inferred("stage1"));
        Assert.AreEqual("batch,32,4,4", Inferred("stage2"));
        Assert.AreEqual("batch,48,2,2", Inferred("stage3"));
        Assert.AreEqual("batch,48", Inferred("pooled"));
    }

    [TestMethod]
    [TestCategory("FullSize")]
    [DataRow("shvit_s1", 224)]
    [DataRow("shvit_s1", 256)]
    [DataRow("shvit_s2", 224)]
    [DataRow("shvit_s2", 192)]
    [DataRow("shvit_s3", 224)]
    [DataRow("shvit_s3", 288)]
    [DataRow("shvit_s4", 256)]
    [DataRow("shvit_s4", 224)]
    public void OfficialVariant_MatchesTorch(string variant, int resolution)
    {
        var fixture = ParityFixture.Generate(variant, resolution);
        var architecture = ShvitArchitecture.Create(variant);
        ReportConversionTime(fixture, architecture);
        ParityFixture.AssertWithin(fixture.Check(architecture), ParityFixture.Fp32Bound, $"{variant}@{resolution} batch 2");
        if (resolution == architecture.DefaultResolution)
            ParityFixture.AssertWithin(fixture.Check(architecture, fp16: true), ParityFixture.Fp16Bound, $"{variant}@{resolution} fp16 weights");
        if (variant == "shvit_s4" && resolution == 256)
            ParityFixture.AssertWithin(fixture.Check(architecture, batch: 1), ParityFixture.Fp32Bound, $"{variant}@{resolution} batch 1");
    }

    private static void ReportConversionTime(ParityFixture fixture, ModelArchitecture architecture)
    {
        var clock = Stopwatch.StartNew();
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        var (graph, _) = ModelConverter.Build(architecture, checkpoint, new ExportOptions { Resolution = fixture.Resolution });
        var bytes = graph.ToArray().Length;
        Console.WriteLine($"{architecture.Name}@{fixture.Resolution}: converted in {clock.Elapsed.TotalSeconds:0.00} s ({bytes / 1e6:0.0} MB ONNX, {graph.NodeCount} nodes)");
    }

    internal static ShvitArchitecture Reduced(ParityFixture fixture)
    {
        var config = fixture.Config;
        return new ShvitArchitecture(fixture.Variant, new ShvitConfig(
            Ints(config, "embed_dim"), Ints(config, "depth"), Ints(config, "partial_dim"), config.GetProperty("types").GetString()!,
            config.TryGetProperty("qk_dim", out _) ? Ints(config, "qk_dim") : null), fixture.Resolution);
    }

    private static string RunPython(string script, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("MLNETATTN_PYTHON") ?? "/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(2)), "python did not finish rewriting the checkpoint");
        Assert.AreEqual(0, process.ExitCode, $"rewriting the checkpoint failed (needs Debian's python3-torch at /usr/bin/python3 or $MLNETATTN_PYTHON): {stderr.Result}");
        return stdout;
    }

    private static int[] Ints(JsonElement config, string name) => config.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
