using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Onnx;
using MLNetAttn.Zoo.Tests.Onnx;

namespace MLNetAttn.Zoo.Tests.Architectures;

/// <summary>
/// <see cref="ExportOptions.Uint8Input"/> per architecture, on the bytes of real photos after the eval transform
/// (Tests/Fixtures/uint8, or made from the generated full-size parity fixtures):
/// <list type="bullet">
/// <item>against the float graph of the same checkpoint fed those bytes normalized on the host:
/// max |Δ| ≤ <see cref="SameGraphRelative"/>·max |logit| + <see cref="SameGraphAbsolute"/>;</item>
/// <item>against PyTorch's logits of the normalized bytes: max |Δ| / max |logit| ≤ <see cref="ParityFixture.Fp32Bound"/>
/// (the parity tests' bound), or <see cref="ParityFixture.Fp16Bound"/> with float16 weights.</item>
/// </list>
/// </summary>
[TestClass]
public sealed class Uint8InputTests
{
    /// <summary>Relative part of the uint8-versus-float bound: only the rounding of the folded first conv differs.</summary>
    private const double SameGraphRelative = 1e-4;

    /// <summary>Absolute part of the uint8-versus-float bound, for logits near zero.</summary>
    private const double SameGraphAbsolute = 1e-5;

    public static IEnumerable<object[]> CommittedFixtures =>
    [
        ["shvit_tiny_r96"],
        ["efficientvit_b_tiny_r64"],
        ["cloformer_tiny_r64"],
    ];

    [TestMethod]
    [DynamicData(nameof(CommittedFixtures))]
    public void ReducedNetwork_Uint8Graph_MatchesFloatGraphAndTorch(string name)
    {
        var fixture = Uint8Fixture.Committed(name);
        var architecture = Reduced(fixture.Parity);
        var card = ModelZoo.Get(fixture.Meta.GetProperty("mirrors").GetString()!);

        var uint8 = fixture.RunUint8(fixture.Convert(architecture, card, uint8: true));
        var normalized = fixture.RunFloat(fixture.Convert(architecture, card, uint8: false));
        AssertSameGraph(uint8, normalized, $"{name} on {fixture.Images}");
        AssertMatchesTorch(uint8, fixture.Logits, ParityFixture.Fp32Bound, $"{name} on {fixture.Images}");
    }

    [TestMethod]
    [DynamicData(nameof(CommittedFixtures))]
    public void ReducedNetwork_Uint8GraphWithFloat16Weights_MatchesTorchWithinTheFp16Bound(string name)
    {
        // The folded first conv rounds its weights to float16 twice (checkpoint -> half, scaled -> half).
        var fixture = Uint8Fixture.Committed(name);
        var card = ModelZoo.Get(fixture.Meta.GetProperty("mirrors").GetString()!);
        var uint8 = fixture.RunUint8(fixture.Convert(Reduced(fixture.Parity), card, uint8: true, fp16: true));
        AssertMatchesTorch(uint8, fixture.Logits, ParityFixture.Fp16Bound, $"{name} fp16 weights on {fixture.Images}");
    }

    [TestMethod]
    [TestCategory("FullSize")]
    [DataRow("shvit_s4", 224, "coffee.png")]
    [DataRow("efficientvit_b1", 224, "chelsea.png")]
    [DataRow("cloformer_xxs", 224, "astronaut.png")]
    public void OfficialVariant_Uint8Graph_MatchesFloatGraphAndTorch(string variant, int resolution, string image)
    {
        var parity = ParityFixture.Generate(variant, resolution);
        var card = ModelZoo.Get(variant);
        var fixture = Uint8Fixture.Generate(parity, card, image);
        var architecture = ModelArchitectures.Create(variant);

        var uint8 = fixture.RunUint8(fixture.Convert(architecture, card, uint8: true));
        var normalized = fixture.RunFloat(fixture.Convert(architecture, card, uint8: false));
        AssertSameGraph(uint8, normalized, $"{variant}@{resolution} on {image}");
        AssertMatchesTorch(uint8, fixture.Logits, ParityFixture.Fp32Bound, $"{variant}@{resolution} on {image}");
    }

    [TestMethod]
    public void Uint8Graph_PassesTheOnnxChecker_WithCastSubAndMetadata()
    {
        var fixture = Uint8Fixture.Committed("shvit_tiny_r96");
        var card = fixture.Card(ModelZoo.Get("shvit_s1"));
        var model = OnnxChecker.Check(fixture.Convert(Reduced(fixture.Parity), card, uint8: true));

        var input = model.GetProperty("inputs").EnumerateArray().Single();
        Assert.AreEqual((int)TensorElementType.UInt8, input.GetProperty("elem_type").GetInt32(), "graph input element type");
        Assert.AreEqual("batch,3,96,96", OnnxChecker.Dims(input));
        var nodes = model.GetProperty("nodes").EnumerateArray().ToArray();
        Assert.AreEqual("Cast", nodes[0].GetProperty("op_type").GetString(), "first node");
        Assert.AreEqual("Sub", nodes[1].GetProperty("op_type").GetString(), "second node");
        Assert.AreEqual("Conv", nodes[2].GetProperty("op_type").GetString(), "the first conv reads the centered input directly (scale folded, no Mul or Div)");
        Assert.IsEmpty(model.NodesOf("Div"), "no division left in the graph");
        var mean = model.Initializer("input_mean_x255");
        CollectionAssert.AreEqual(new long[] { 1, 3, 1, 1 }, mean.GetProperty("dims").Longs());

        var metadata = model.GetProperty("metadata").EnumerateArray().ToDictionary(p => p[0].GetString()!, p => p[1].GetString()!);
        Assert.AreEqual("uint8_rgb", metadata[OnnxMetadataKeys.InputFormat]);
        Assert.AreEqual("0.485,0.456,0.406", metadata[OnnxMetadataKeys.Mean], "mean stays in the metadata: it documents what the graph does");
        Assert.AreEqual("0.229,0.224,0.225", metadata[OnnxMetadataKeys.Std]);
    }

    [TestMethod]
    public void Uint8Graph_StoresTheScaledFirstConvWeights()
    {
        // W'[o, c] = W[o, c] / (255 std[c]), rounded once from the product in double; every other weight untouched.
        var fixture = Uint8Fixture.Committed("efficientvit_b_tiny_r64");
        var card = fixture.Card(ModelZoo.Get("efficientvit_b1"));
        var architecture = Reduced(fixture.Parity);
        var plain = fixture.Convert(architecture, card, uint8: false).Initializers.ToDictionary(i => i.Name);
        var folded = fixture.Convert(architecture, card, uint8: true).Initializers.ToDictionary(i => i.Name);

        const string first = "backbone.input_stem.op_list.0.conv.weight";
        var before = plain[first].Floats.Span;
        var after = folded[first].Floats.Span;
        var kernel = before.Length / (int)plain[first].Dims[0] / 3;
        for (var i = 0; i < before.Length; i++)
            Assert.AreEqual((float)(before[i] * (1.0 / (255.0 * card.Std[i / kernel % 3]))), after[i], $"{first}[{i}]");
        foreach (var (name, init) in plain.Where(p => p.Key != first && p.Value.ElementType == TensorElementType.Float))
            CollectionAssert.AreEqual(init.Floats.ToArray(), folded[name].Floats.ToArray(), $"{name} must not change");
    }

    [TestMethod]
    public void FloatGraph_SaysFloatNormalized()
    {
        var fixture = Uint8Fixture.Committed("cloformer_tiny_r64");
        var graph = fixture.Convert(Reduced(fixture.Parity), ModelZoo.Get("cloformer_xxs"), uint8: false);
        Assert.AreEqual("float_normalized", graph.Metadata[OnnxMetadataKeys.InputFormat]);
        Assert.AreEqual(TensorElementType.Float, graph.Inputs.Single().ElementType);
    }

    [TestMethod]
    public void Uint8Input_WithoutACard_IsRefusedNamingTheOption()
    {
        var parity = ParityFixture.Committed("shvit_tiny_r96");
        using var checkpoint = Checkpoint.Open(parity.CheckpointPath);
        var error = Assert.ThrowsExactly<ArgumentException>(
            () => ModelConverter.Build(ShvitParityTests.Reduced(parity), checkpoint, new ExportOptions { Uint8Input = true }, card: null));
        StringAssert.Contains(error.Message, "Uint8Input");
        StringAssert.Contains(error.Message, "mean and std");
        StringAssert.Contains(error.Message, "shvit_tiny");

        // Without the option the same call converts.
        var (graph, _) = ModelConverter.Build(ShvitParityTests.Reduced(parity), checkpoint, new ExportOptions(), card: null);
        Assert.AreEqual("float_normalized", graph.Metadata[OnnxMetadataKeys.InputFormat]);
    }

    private static ModelArchitecture Reduced(ParityFixture parity) => parity.Meta.GetProperty("family").GetString() switch
    {
        "shvit" => ShvitParityTests.Reduced(parity),
        "efficientvit" => EfficientVitParityTests.FromFixture(parity),
        "cloformer" => CloFormerParityTests.Reduced(parity),
        var other => throw new AssertFailedException($"no reduced architecture for family '{other}'"),
    };

    private static void AssertSameGraph(float[] uint8, float[] normalized, string what)
    {
        var (maxDiff, maxRef) = Uint8Fixture.Compare(uint8, normalized);
        var bound = SameGraphRelative * maxRef + SameGraphAbsolute;
        Console.WriteLine($"{what}: uint8 vs float graph max |Δ| {maxDiff:0.00e+0} (max |logit| {maxRef:0.000}, bound {bound:0.0e+0})");
        Assert.IsLessThanOrEqualTo(bound, maxDiff, $"{what}: the uint8 graph's logits differ from the float graph's by {maxDiff:0.0e+0} (bound {bound:0.0e+0})");
    }

    private static void AssertMatchesTorch(float[] uint8, float[] torch, double bound, string what)
    {
        var (maxDiff, maxRef) = Uint8Fixture.Compare(uint8, torch);
        var relative = maxDiff / Math.Max(maxRef, 1e-12);
        Console.WriteLine($"{what}: uint8 graph vs torch max |Δ| {maxDiff:0.00e+0}, relative {relative:0.0e+0} (bound {bound:0e+0})");
        Assert.IsLessThanOrEqualTo(bound, relative, $"{what}: the uint8 graph's logits differ from PyTorch's by {relative:0.0e+0} relative (bound {bound:0e+0})");
    }
}
