using System.Diagnostics;
using System.Text.Json;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Tests.Onnx;

namespace MLNetAttn.Zoo.Tests.Architectures;

/// <summary>
/// CloFormer converter against the PyTorch reference (Tests/Reference/cloformer.py, which matches the official
/// modules to 1e-6): every output (stem, stage1..stage4, pooled, logits) within max|ours - torch| / max|torch|
/// &lt;= 1e-4 with float32 weights and &lt;= 2e-2 with float16 weights.
/// </summary>
[TestClass]
public sealed class CloFormerParityTests
{
    private const string Committed = "cloformer_tiny_r64";

    [TestMethod]
    public void CommittedFixture_Batch2_MatchesTorch()
    {
        var fixture = ParityFixture.Committed(Committed);
        ParityFixture.AssertWithin(fixture.Check(Reduced(fixture)), ParityFixture.Fp32Bound, "cloformer_tiny@64 batch 2");
    }

    [TestMethod]
    public void CommittedFixture_Batch1_MatchesTorch()
    {
        var fixture = ParityFixture.Committed(Committed);
        ParityFixture.AssertWithin(fixture.Check(Reduced(fixture), batch: 1), ParityFixture.Fp32Bound, "cloformer_tiny@64 batch 1");
    }

    [TestMethod]
    public void CommittedFixture_Fp16Weights_WithinFp16Bound()
    {
        var fixture = ParityFixture.Committed(Committed);
        ParityFixture.AssertWithin(fixture.Check(Reduced(fixture), fp16: true), ParityFixture.Fp16Bound, "cloformer_tiny@64 fp16 weights");
    }

    [TestMethod]
    [DataRow(32, DisplayName = "reduced config at 32 (stage maps 8, 4, 2, 1: one pooled token per stage)")]
    [DataRow(96, DisplayName = "reduced config at 96 (stage maps 24, 12, 6, 3)")]
    [DataRow(160, DisplayName = "reduced config at 160 (stage maps 40, 20, 10, 5)")]
    public void ReducedConfig_OtherResolution_MatchesTorch(int resolution)
    {
        var fixture = ParityFixture.Generate("cloformer_tiny", resolution);
        ParityFixture.AssertWithin(fixture.Check(Reduced(fixture)), ParityFixture.Fp32Bound, $"cloformer_tiny@{resolution} batch 2");
    }

    [TestMethod]
    [TestCategory("FullSize")]
    [DataRow("cloformer_xxs", 224)]
    [DataRow("cloformer_xxs", 256)]
    [DataRow("cloformer_xs", 224)]
    [DataRow("cloformer_xs", 192)]
    [DataRow("cloformer_s", 224)]
    [DataRow("cloformer_s", 160)]
    public void OfficialVariant_MatchesTorch(string variant, int resolution)
    {
        var fixture = ParityFixture.Generate(variant, resolution);
        var architecture = CloFormerArchitecture.Create(variant);

        var clock = Stopwatch.StartNew();
        using (var checkpoint = Checkpoint.Open(fixture.CheckpointPath))
        {
            var (graph, result) = ModelConverter.Build(architecture, checkpoint, new ExportOptions { Resolution = resolution, Features = true });
            var bytes = graph.ToArray();
            Console.WriteLine($"{variant}@{resolution}: converted in {clock.Elapsed.TotalMilliseconds:0} ms ({bytes.Length / 1e6:0.0} MB, {graph.NodeCount} nodes, {result.NumClasses} classes)");
        }

        ParityFixture.AssertWithin(fixture.Check(architecture), ParityFixture.Fp32Bound, $"{variant}@{resolution} batch 2");
        ParityFixture.AssertWithin(fixture.Check(architecture, fp16: true), ParityFixture.Fp16Bound, $"{variant}@{resolution} batch 2, fp16 weights");
        if (variant == "cloformer_xxs" && resolution == 224)
            ParityFixture.AssertWithin(fixture.Check(architecture, batch: 1), ParityFixture.Fp32Bound, $"{variant}@{resolution} batch 1");
    }

    [TestMethod]
    public void Graph_PassesTheOnnxCheckerWithFoldedNormsAndModuleNames()
    {
        var fixture = ParityFixture.Committed(Committed);
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        var (graph, _) = ModelConverter.Build(Reduced(fixture), checkpoint, new ExportOptions { Resolution = 64, Features = true });
        var model = OnnxChecker.Check(graph);

        // Strict shape inference agrees with the declared stage outputs (tiny at 64: 16x16, 8x8, 4x4, 2x2, 2x2).
        Assert.AreEqual("batch,16,16,16", OnnxChecker.Dims(Output(model, "stem")));
        Assert.AreEqual("batch,24,8,8", OnnxChecker.Dims(Output(model, "stage1")));
        Assert.AreEqual("batch,48,2,2", OnnxChecker.Dims(Output(model, "stage4")));
        Assert.AreEqual("batch,48", OnnxChecker.Dims(Output(model, "pooled")));
        Assert.AreEqual("batch,10", OnnxChecker.Dims(Output(model, "logits")));

        // BatchNorms are folded; each GroupNorm is one InstanceNormalization (stem, 2 per block, head: 1 + 2 * 5 + 1).
        Assert.IsEmpty(model.NodesOf("BatchNormalization"));
        Assert.IsEmpty(model.NodesOf("ReduceMean"));
        Assert.HasCount(12, model.NodesOf("InstanceNormalization"));
        // Only the two MatMul operands per global attention are transposed (5 blocks).
        Assert.HasCount(10, model.NodesOf("Transpose"));
        Assert.IsTrue(model.GetProperty("nodes").EnumerateArray().Any(n => n.GetProperty("name").GetString()!.StartsWith("layers.3.blocks.0/", StringComparison.Ordinal)),
            "node names follow the module tree");
        model.Initializer("layers.0.blocks.0.attn.qkvs.0.weight");
        model.Initializer("patch_embed.conv1.conv.0.weight");
    }

    [TestMethod]
    [DataRow(240)]
    [DataRow(16)]
    [DataRow(100)]
    public void Resolution_NotAMultipleOf32_IsRefusedWithTheRule(int resolution)
    {
        var fixture = ParityFixture.Committed(Committed);
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => ModelConverter.Build(Reduced(fixture), checkpoint, new ExportOptions { Resolution = resolution }));
        StringAssert.Contains(error.Message, "multiple of 32");
        Assert.AreEqual(resolution, error.ActualValue);
    }

    [TestMethod]
    public void Resolution_Rule_IsThirtyTwoForEveryVariant()
    {
        foreach (var variant in CloFormerArchitecture.Variants)
        {
            var architecture = CloFormerArchitecture.Create(variant);
            Assert.AreEqual(32, architecture.ResolutionMultiple, variant);
            foreach (var ok in new[] { 32, 160, 224, 256, 384 })
                architecture.ValidateResolution(ok);
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => architecture.ValidateResolution(232), variant);
        }
    }

    [TestMethod]
    public void CheckpointOfAnotherVariant_NamesTheTensorAndBothShapes()
    {
        var fixture = ParityFixture.Committed(Committed);
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        var error = Assert.ThrowsExactly<CheckpointFormatException>(
            () => ModelConverter.Build(CloFormerArchitecture.Create("cloformer_xxs"), checkpoint, new ExportOptions { Resolution = 64 }));
        // The tiny stem's first conv is [8, 3, 3, 3]; cloformer_xxs expects [16, 3, 3, 3].
        StringAssert.Contains(error.Message, "patch_embed.conv1.conv.0.weight");
        StringAssert.Contains(error.Message, "[8, 3, 3, 3]");
        StringAssert.Contains(error.Message, "[16, 3, 3, 3]");
    }

    [TestMethod]
    public void Create_KnowsTheOfficialVariantsAndListsThemOnError()
    {
        CollectionAssert.AreEqual(new[] { "cloformer_xxs", "cloformer_xs", "cloformer_s" }, CloFormerArchitecture.Variants.ToArray());
        var viaRegistry = ModelArchitectures.Create("cloformer_xs");
        Assert.IsInstanceOfType<CloFormerArchitecture>(viaRegistry);
        Assert.AreEqual(ModelFamily.CloFormer, viaRegistry.Family);
        Assert.AreEqual(224, viaRegistry.DefaultResolution);

        var error = Assert.ThrowsExactly<KeyNotFoundException>(() => CloFormerArchitecture.Create("cloformer_m"));
        StringAssert.Contains(error.Message, "cloformer_m");
        StringAssert.Contains(error.Message, "cloformer_xxs, cloformer_xs, cloformer_s");
    }

    [TestMethod]
    public void Config_Inconsistent_IsRefused()
    {
        var good = new CloFormerConfig([16, 24, 32, 48], [1, 1, 2, 1], [2, 2, 2, 4], [[1, 1], [1, 1], [1, 1], [1, 3]], [[3], [5], [7], [9]]);
        _ = new CloFormerArchitecture("ok", good);
        var badSplit = good with { GroupSplits = [[1, 1], [1, 1], [1, 1], [1, 2]] };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new CloFormerArchitecture("bad", badSplit)).Message, "stage 3");
        var badCount = good with { MlpRatios = [4, 4, 4] };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new CloFormerArchitecture("bad", badCount)).Message, "MlpRatios");
    }

    private static JsonElement Output(JsonElement model, string name)
        => model.GetProperty("outputs").EnumerateArray().First(o => o.GetProperty("name").GetString() == name);

    /// <summary>The reduced architecture described by a fixture's meta.json "config" (the reference's VARIANTS entry).</summary>
    internal static CloFormerArchitecture Reduced(ParityFixture fixture)
    {
        var c = fixture.Config;
        var config = new CloFormerConfig(Ints(c, "embed_dims"), Ints(c, "depths"), Ints(c, "num_heads"), Nested(c, "group_splits"), Nested(c, "kernel_sizes"));
        if (c.TryGetProperty("window_sizes", out _))
            config = config with { WindowSizes = Ints(c, "window_sizes") };
        if (c.TryGetProperty("mlp_kernel_sizes", out _))
            config = config with { MlpKernelSizes = Ints(c, "mlp_kernel_sizes") };
        if (c.TryGetProperty("mlp_ratios", out _))
            config = config with { MlpRatios = Ints(c, "mlp_ratios") };
        return new CloFormerArchitecture(fixture.Variant, config);
    }

    private static int[] Ints(JsonElement config, string name) => [.. config.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];

    private static IReadOnlyList<int>[] Nested(JsonElement config, string name)
        => [.. config.GetProperty(name).EnumerateArray().Select(a => (IReadOnlyList<int>)[.. a.EnumerateArray().Select(e => e.GetInt32())])];
}
