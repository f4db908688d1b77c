using System.Text.Json;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Checkpoints;

namespace MLNetAttn.Zoo.Tests.Architectures;

/// <summary>
/// EfficientViT (MIT) conversion against PyTorch: every stage output, the pooled vector and the logits
/// of the reference modules in Tests/Reference/efficientvit.py, whose state_dict layout equals the official one.
/// Bounds: max |ours - torch| / max |torch| per output, <see cref="ParityFixture.Fp32Bound"/> (1e-4) with
/// float32 weights and <see cref="ParityFixture.Fp16Bound"/> (2e-2) with float16 weight storage.
/// </summary>
[TestClass]
public sealed class EfficientVitParityTests
{
    [TestMethod]
    [DataRow("efficientvit_b_tiny_r64")]
    [DataRow("efficientvit_l_tiny_r64")]
    public void CommittedFixtureMatchesPyTorchAtBatchTwoAndOne(string name)
    {
        var fixture = ParityFixture.Committed(name);
        var architecture = FromFixture(fixture);

        ParityFixture.AssertWithin(fixture.Check(architecture), ParityFixture.Fp32Bound, $"{name} batch 2");
        ParityFixture.AssertWithin(fixture.Check(architecture, batch: 1), ParityFixture.Fp32Bound, $"{name} batch 1");
    }

    [TestMethod]
    [DataRow("efficientvit_b_tiny_r64")]
    [DataRow("efficientvit_l_tiny_r64")]
    public void CommittedFixtureMatchesPyTorchWithFloat16Weights(string name)
    {
        var fixture = ParityFixture.Committed(name);

        var errors = fixture.Check(FromFixture(fixture), fp16: true);

        ParityFixture.AssertWithin(errors, ParityFixture.Fp16Bound, $"{name} fp16 weights");
    }

    // 96 and 160 put more tokens than the head dim in stage 4 (the reference's linear form), 100 is not a
    // multiple of 32 (every stride-2 conv rounds up: 50, 25, 13, 7, 4).
    [TestMethod]
    [DataRow("efficientvit_b1", 96)]
    [DataRow("efficientvit_b1", 100)]
    [DataRow("efficientvit_l1", 160)]
    public void ReducedConfigMatchesPyTorchAtAnotherResolution(string mirrors, int resolution)
    {
        var fixture = ParityFixture.Generate(mirrors, resolution, batch: 2, reduced: true);

        var errors = fixture.Check(FromFixture(fixture));

        ParityFixture.AssertWithin(errors, ParityFixture.Fp32Bound, $"{fixture.Variant} @{resolution}");
    }

    [TestMethod]
    [TestCategory("FullSize")]
    [DataRow("efficientvit_b0", 224)]
    [DataRow("efficientvit_b0", 256)]
    [DataRow("efficientvit_b1", 224)]
    [DataRow("efficientvit_b1", 288)]
    [DataRow("efficientvit_b2", 224)]
    [DataRow("efficientvit_b2", 256)]
    [DataRow("efficientvit_b3", 224)]
    [DataRow("efficientvit_b3", 256)]
    [DataRow("efficientvit_l1", 224)]
    [DataRow("efficientvit_l1", 256)]
    [DataRow("efficientvit_l2", 224)]
    [DataRow("efficientvit_l2", 288)]
    [DataRow("efficientvit_l3", 224)]
    public void OfficialVariantMatchesPyTorch(string variant, int resolution)
    {
        var fixture = ParityFixture.Generate(variant, resolution);

        var errors = fixture.Check(EfficientVitArchitecture.Create(variant));

        Console.WriteLine($"{variant}@{resolution}: converted in {fixture.LastConversion!.Elapsed.TotalSeconds:0.00} s");
        ParityFixture.AssertWithin(errors, ParityFixture.Fp32Bound, $"{variant} @{resolution} batch 2");
    }

    [TestMethod]
    [TestCategory("FullSize")]
    public void OfficialVariantMatchesPyTorchAtBatchOne()
    {
        var fixture = ParityFixture.Generate("efficientvit_b1", 224);

        var errors = fixture.Check(EfficientVitArchitecture.Create("efficientvit_b1"), batch: 1);

        ParityFixture.AssertWithin(errors, ParityFixture.Fp32Bound, "efficientvit_b1 @224 batch 1");
    }

    [TestMethod]
    [TestCategory("FullSize")]
    [DataRow("efficientvit_b0")]
    [DataRow("efficientvit_b1")]
    [DataRow("efficientvit_b2")]
    [DataRow("efficientvit_b3")]
    [DataRow("efficientvit_l1")]
    [DataRow("efficientvit_l2")]
    [DataRow("efficientvit_l3")]
    public void OfficialVariantWithFloat16WeightsStaysWithinTheBound(string variant)
    {
        var fixture = ParityFixture.Generate(variant, 224);

        var errors = fixture.Check(EfficientVitArchitecture.Create(variant), fp16: true);

        ParityFixture.AssertWithin(errors, ParityFixture.Fp16Bound, $"{variant} @224 fp16 weights");
    }

    [TestMethod]
    public void GraphHasNoBatchNormAndNamesNodesAfterTheModuleTree()
    {
        var fixture = ParityFixture.Committed("efficientvit_b_tiny_r64");
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);

        var (graph, _) = ModelConverter.Build(FromFixture(fixture), checkpoint, new ExportOptions());
        var text = System.Text.Encoding.ASCII.GetString(graph.ToArray());

        // Every BatchNorm is folded into its conv, so the op type never appears; node names carry module paths.
        Assert.DoesNotContain("BatchNormalization", text);
        Assert.Contains("backbone.stages.3.op_list.2.context_module.main/MatMul", text);
        Assert.Contains("backbone.stages.3.op_list.2.local_module/Add", text);
        Assert.Contains("head.op_list.2/LayerNormalization", text);
    }

    [TestMethod]
    [DataRow(16)]
    [DataRow(31)]
    [DataRow(4097)]
    public void ResolutionOutsideTheRuleIsRejectedWithTheRule(int resolution)
    {
        var fixture = ParityFixture.Committed("efficientvit_b_tiny_r64");
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => ModelConverter.Build(FromFixture(fixture), checkpoint, new ExportOptions { Resolution = resolution }));

        Assert.Contains("stride of 32", error.Message);
        Assert.Contains("from 32 to 4096", error.Message);
    }

    [TestMethod]
    public void CheckpointOfAnotherVariantNamesTheTensorAndBothShapes()
    {
        var fixture = ParityFixture.Committed("efficientvit_b_tiny_r64");
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        var tiny = FromFixture(fixture).Config;
        var wider = new EfficientVitArchitecture("efficientvit_b_wide", tiny with { Widths = [16, 16, 16, 32, 32] });

        var error = Assert.ThrowsExactly<CheckpointFormatException>(() => ModelConverter.Build(wider, checkpoint, new ExportOptions()));

        Assert.Contains("'backbone.input_stem.op_list.0.conv.weight'", error.Message);
        Assert.Contains("[8, 3, 3, 3]", error.Message);
        Assert.Contains("[16, 3, 3, 3]", error.Message);
    }

    [TestMethod]
    public void CheckpointOfAnOfficialVariantWithOtherDepthsNamesTheMissingTensor()
    {
        var fixture = ParityFixture.Committed("efficientvit_b_tiny_r64");
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);

        // B0 has two blocks in its first stage, the reduced model one.
        var error = Assert.ThrowsExactly<CheckpointFormatException>(
            () => ModelConverter.Build(EfficientVitArchitecture.Create("efficientvit_b0"), checkpoint, new ExportOptions()));

        Assert.Contains("'backbone.stages.0.op_list.1.main.inverted_conv.conv.weight'", error.Message);
    }

    [TestMethod]
    public void LargeSeriesCheckpointIsNotTakenForTheBaseSeries()
    {
        var fixture = ParityFixture.Committed("efficientvit_l_tiny_r64");
        using var checkpoint = Checkpoint.Open(fixture.CheckpointPath);
        var asBase = new EfficientVitArchitecture("efficientvit_b_from_l", FromFixture(fixture).Config with { Series = "b" });

        var error = Assert.ThrowsExactly<CheckpointFormatException>(() => ModelConverter.Build(asBase, checkpoint, new ExportOptions()));

        Assert.Contains("backbone.input_stem.op_list.0.conv.weight", error.Message);
    }

    [TestMethod]
    public void VariantsAreTheOfficialSevenAndUnknownNamesListThem()
    {
        CollectionAssert.AreEqual(
            new[] { "efficientvit_b0", "efficientvit_b1", "efficientvit_b2", "efficientvit_b3", "efficientvit_l1", "efficientvit_l2", "efficientvit_l3" },
            EfficientVitArchitecture.Variants.ToArray());
        foreach (var variant in EfficientVitArchitecture.Variants)
            Assert.AreEqual(variant, ModelArchitectures.Create(variant).Name);

        var error = Assert.ThrowsExactly<KeyNotFoundException>(() => EfficientVitArchitecture.Create("efficientvit_b4"));
        Assert.Contains("efficientvit_l3", error.Message);
    }

    [TestMethod]
    public void NormEpsilonFollowsTheSeriesAsTheOfficialZooSetsIt()
    {
        Assert.AreEqual(1e-5, EfficientVitArchitecture.Create("efficientvit_b2").Config.NormEps);
        Assert.AreEqual(1e-7, EfficientVitArchitecture.Create("efficientvit_l2").Config.NormEps);
        Assert.AreEqual(32, EfficientVitArchitecture.Create("efficientvit_l3").Config.Dim);
    }

    /// <summary>The architecture for a fixture's meta.json "config" (the reference's VARIANTS entry).</summary>
    internal static EfficientVitArchitecture FromFixture(ParityFixture fixture)
    {
        var c = fixture.Config;
        var series = c.GetProperty("series").GetString()!;
        // The reference's L builder defaults the head dim to 32 when the entry has none.
        var dim = c.TryGetProperty("dim", out var d) ? d.GetInt32() : 32;
        return new EfficientVitArchitecture(fixture.Variant, new EfficientVitConfig(series, Ints(c, "widths"), Ints(c, "depths"), dim, Ints(c, "head")));
    }

    private static int[] Ints(JsonElement config, string name) => [.. config.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}
