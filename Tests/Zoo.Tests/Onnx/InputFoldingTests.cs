using System.IO.Compression;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Tests.Onnx;

/// <summary>
/// <see cref="GraphBuilder.FoldInputChannelScale"/> on a tiny graph, uint8 photo bytes -> Cast -> Sub(mean·255) ->
/// Conv(3x3, padding 1), run by ONNX Runtime against the same graph with an explicit Mul by the scale before the
/// conv, and against a double-precision convolution of the normalized bytes. Photo bytes: torchvision's eval
/// transform of chelsea.png and rocket.jpg at 64 px (Tests/Fixtures/pipeline).
/// </summary>
[TestClass]
public sealed class InputFoldingTests
{
    private const int Side = 64;
    private const int Filters = 8;
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];
    private static readonly double[] Scales = [.. Std.Select(s => 1.0 / (255.0 * s))];

    /// <summary>Float32 weights: folded and explicit graphs differ only by float rounding, relative to max |output|.</summary>
    private const double Fp32Bound = 2e-6;

    /// <summary>Float16 weights: the folded weight is rounded to half twice, the explicit one once (each ≤ 2^-11 relative).</summary>
    private const double Fp16Bound = 2e-3;

    [TestMethod]
    public void Folded_EqualsMulThenConv_AndTheDoubleReference_OnPhotoBytes()
    {
        var pixels = PhotoBytes();
        var (weight, bias) = Weights(new Random(7));

        var folded = Graph(weight, bias, fold: true, WeightStorage.Float32);
        Assert.AreEqual(1, folded.FoldInputChannelScale(new GraphValue("centered"), Scales), "one conv reads the centered input");
        var explicitScale = Graph(weight, bias, fold: false, WeightStorage.Float32);

        var a = Run(folded, pixels);
        var b = Run(explicitScale, pixels);
        var reference = Reference(pixels, weight, bias);
        var maxRef = reference.Max(Math.Abs);
        var foldedVsExplicit = MaxDiff(a, b);
        var foldedVsReference = MaxDiff(a, reference);
        Console.WriteLine($"fold float32: max |Δ| vs Mul+Conv {foldedVsExplicit:0.00e+0}, vs double reference {foldedVsReference:0.00e+0}, max |out| {maxRef:0.00}");
        Assert.IsLessThanOrEqualTo(Fp32Bound * maxRef, foldedVsExplicit, "folded graph vs Mul then Conv");
        Assert.IsLessThanOrEqualTo(Fp32Bound * maxRef, foldedVsReference, "folded graph vs the double-precision conv of the normalized bytes");

        // The borders matter: padding reads zeros, which must mean "the channel's mean" in both graphs.
        var border = BorderMaxDiff(a, reference);
        Assert.IsLessThanOrEqualTo(Fp32Bound * maxRef, border, "border pixels (where the zero padding is read)");
    }

    [TestMethod]
    public void Folded_WithFloat16Weights_StaysWithinTheHalfRounding()
    {
        var pixels = PhotoBytes();
        var (weight, bias) = Weights(new Random(11));
        var folded = Graph(weight, bias, fold: true, WeightStorage.Float16);
        var stored = folded.Initializers.Single(i => i.Name == "conv.weight").Halves.ToArray();
        Assert.AreEqual(1, folded.FoldInputChannelScale(new GraphValue("centered"), Scales));
        var scaled = folded.Initializers.Single(i => i.Name == "conv.weight");
        Assert.AreEqual(TensorElementType.Float16, scaled.ElementType, "the weight stays float16");
        for (var i = 0; i < stored.Length; i++)
            Assert.AreEqual((Half)(float)((float)stored[i] * Scales[i / 9 % 3]), scaled.Halves[i], $"conv.weight[{i}]: half -> float, scaled, -> half");

        var a = Run(folded, pixels);
        var b = Run(Graph(weight, bias, fold: false, WeightStorage.Float16), pixels);
        var maxRef = b.Max(Math.Abs);
        var diff = MaxDiff(a, b);
        Console.WriteLine($"fold float16: max |Δ| vs Mul+Conv {diff:0.00e+0}, max |out| {maxRef:0.00}");
        Assert.IsLessThanOrEqualTo(Fp16Bound * maxRef, diff, "folded float16 graph vs Mul then Conv with float16 weights");
        Assert.IsGreaterThan(0, diff, "float16 rounding must show; identical outputs would mean the weight was not stored as half");
    }

    [TestMethod]
    public void EveryConvReadingTheValue_IsScaled_AndNothingElse()
    {
        var (weight, bias) = Weights(new Random(3));
        var g = Front(out var centered);
        var w1 = g.Initializer("a.weight", weight, [Filters, 3, 3, 3]);
        var w2 = g.Initializer("b.weight", (float[])weight.Clone(), [Filters, 3, 3, 3]);
        var pointwise = TestTensors.Uniform(new Random(4), Filters * Filters);
        var other = g.Initializer("c.weight", pointwise, [Filters, Filters, 1, 1]);
        var y = g.Add(g.Conv(centered, w1, g.Initializer("a.bias", bias, [Filters]), padding: 1), g.Conv(centered, w2, padding: 1));
        g.Output(g.Conv(y, other), TensorElementType.Float, ["batch", Filters, Side, Side], "out");

        Assert.AreEqual(2, g.FoldInputChannelScale(centered, Scales));
        foreach (var name in new[] { "a.weight", "b.weight" })
        {
            var scaled = g.Initializers.Single(i => i.Name == name).Floats.Span;
            for (var i = 0; i < weight.Length; i++)
                Assert.AreEqual((float)(weight[i] * Scales[i / 9 % 3]), scaled[i], $"{name}[{i}]");
        }
        CollectionAssert.AreEqual(pointwise, g.Initializers.Single(i => i.Name == "c.weight").Floats.ToArray(), "a conv that does not read the value keeps its weight");
        CollectionAssert.AreEqual(bias, g.Initializers.Single(i => i.Name == "a.bias").Floats.ToArray(), "biases are not scaled");
    }

    [TestMethod]
    public void Reader_NotAConv_IsRefused_AndTheGraphIsLeftAsItWas()
    {
        var (weight, _) = Weights(new Random(5));
        var g = Front(out var centered);
        var conv = g.Conv(centered, g.Initializer("conv.weight", weight, [Filters, 3, 3, 3]), padding: 1, name: "stem");
        g.Output(conv, TensorElementType.Float, ["batch", Filters, Side, Side]);
        g.Output(g.Relu(centered, name: "side_relu"), TensorElementType.Float, ["batch", 3, Side, Side]);

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => g.FoldInputChannelScale(centered, Scales));
        StringAssert.Contains(error.Message, "'side_relu'");
        StringAssert.Contains(error.Message, "'fold_test'");
        StringAssert.Contains(error.Message, "Relu, not a Conv");
        CollectionAssert.AreEqual(weight, g.Initializers.Single(i => i.Name == "conv.weight").Floats.ToArray(), "a refused fold must not scale the conv it checked first");
    }

    [TestMethod]
    public void GroupedConv_IsRefused()
    {
        var g = Front(out var centered);
        g.Output(g.Conv(centered, g.Initializer("dw.weight", new float[3 * 9], [3, 1, 3, 3]), padding: 1, group: 3, name: "depthwise"), TensorElementType.Float, ["batch", 3, Side, Side]);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => g.FoldInputChannelScale(centered, Scales));
        StringAssert.Contains(error.Message, "'depthwise'");
        StringAssert.Contains(error.Message, "group = 3");
    }

    [TestMethod]
    public void SharedWeight_IsRefused()
    {
        var (weight, _) = Weights(new Random(9));
        var g = Front(out var centered);
        var w = g.Initializer("shared.weight", weight, [Filters, 3, 3, 3]);
        var first = g.Conv(centered, w, padding: 1, name: "first");
        // The same weight on another 3-channel value: scaling it for "first" would silently change this one too.
        var second = g.Conv(g.Relu(centered), w, padding: 1, name: "second");
        g.Output(g.Add(first, second), TensorElementType.Float, ["batch", Filters, Side, Side], "out");
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => g.FoldInputChannelScale(centered, Scales));
        StringAssert.Contains(error.Message, "'shared.weight' is shared with node 'second'");
    }

    [TestMethod]
    public void SharedFloat16Weight_IsRefused()
    {
        var (weight, _) = Weights(new Random(9));
        var g = new GraphBuilder("fold_test", weightStorage: WeightStorage.Float16);
        var centered = g.Input("centered", TensorElementType.Float, ["batch", 3, Side, Side]);
        var w = g.Initializer("shared.weight", weight, [Filters, 3, 3, 3]); // the Cast output that widens the half tensor
        g.Output(g.Add(g.Conv(centered, w, padding: 1, name: "first"), g.Conv(g.Relu(centered), w, padding: 1, name: "second")), TensorElementType.Float, ["batch", Filters, Side, Side], "out");
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => g.FoldInputChannelScale(centered, Scales));
        StringAssert.Contains(error.Message, "shared with node 'second'");
    }

    [TestMethod]
    public void ChannelCountMismatch_IsRefused()
    {
        var (weight, _) = Weights(new Random(1));
        var g = Front(out var centered);
        g.Output(g.Conv(centered, g.Initializer("conv.weight", weight, [Filters, 3, 3, 3]), padding: 1, name: "stem"), TensorElementType.Float, ["batch", Filters, Side, Side]);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => g.FoldInputChannelScale(centered, [1.0, 2.0, 3.0, 4.0]));
        StringAssert.Contains(error.Message, "'stem'");
        StringAssert.Contains(error.Message, "[8, 3, 3, 3]");
        StringAssert.Contains(error.Message, "4 scales");
    }

    [TestMethod]
    public void ValueUsedAsAWeight_OrReadByNothing_IsRefused()
    {
        var g2 = Front(out var unused);
        var none = Assert.ThrowsExactly<InvalidOperationException>(() => g2.FoldInputChannelScale(unused, Scales));
        StringAssert.Contains(none.Message, "no node reads 'centered'");

        var g3 = Front(out var centered3);
        var w = g3.Initializer("conv.weight", new float[3 * 3 * 9], [3, 3, 3, 3]);
        g3.Output(g3.Conv(w, centered3, name: "swapped"), TensorElementType.Float, ["batch", 3, 1, 1]);
        var swapped = Assert.ThrowsExactly<InvalidOperationException>(() => g3.FoldInputChannelScale(centered3, Scales));
        StringAssert.Contains(swapped.Message, "not (only) as its data input 0");
    }

    /// <summary>uint8 [batch, 3, 64, 64] -> Cast -> Sub(mean·255) named "centered".</summary>
    private static GraphBuilder Front(out GraphValue centered, WeightStorage storage = WeightStorage.Float32)
    {
        var g = new GraphBuilder("fold_test", weightStorage: storage);
        var pixels = g.Input("input", TensorElementType.UInt8, ["batch", 3, Side, Side]);
        var mean255 = g.Initializer("mean_x255", Mean.Select(m => (float)(255.0 * m)).ToArray(), [1, 3, 1, 1], WeightStorage.Float32);
        centered = g.Sub(g.Cast(pixels, TensorElementType.Float), mean255, name: "centered");
        return g;
    }

    /// <summary>The tiny graph: with <paramref name="fold"/> the conv reads "centered" (to be folded), else an explicit Mul by the scales.</summary>
    private static GraphBuilder Graph(float[] weight, float[] bias, bool fold, WeightStorage storage)
    {
        var g = Front(out var centered, storage);
        var x = fold ? centered : g.Mul(centered, g.Initializer("scale", Scales.Select(s => (float)s).ToArray(), [1, 3, 1, 1], WeightStorage.Float32));
        var y = g.Conv(x, g.Initializer("conv.weight", weight, [Filters, 3, 3, 3]), g.Initializer("conv.bias", bias, [Filters]), padding: 1, name: "conv");
        g.Output(y, TensorElementType.Float, ["batch", Filters, Side, Side]);
        return g;
    }

    private static (float[] Weight, float[] Bias) Weights(Random random)
        => (TestTensors.Uniform(random, Filters * 3 * 9, -0.3f, 0.3f), TestTensors.Uniform(random, Filters, -0.5f, 0.5f));

    /// <summary>Two photos after Resize(73, bicubic) + CenterCrop(64), CHW bytes each.</summary>
    private static byte[] PhotoBytes()
    {
        var result = new List<byte>();
        foreach (var photo in new[] { "chelsea.png", "rocket.jpg" })
        {
            var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pipeline", $"{photo}.s64_r73_bicubic.u8.gz");
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var bytes = new MemoryStream();
            gzip.CopyTo(bytes);
            Assert.AreEqual(3 * Side * Side, bytes.Length, $"{path}: expected 3x{Side}x{Side} bytes; regenerate with Tests/Reference/make_pipeline_fixtures.py");
            result.AddRange(bytes.ToArray());
        }
        return [.. result];
    }

    private static float[] Run(GraphBuilder graph, byte[] pixels)
    {
        using var session = OnnxSession.FromBytes(graph.ToArray(), new OnnxSessionOptions { IntraOpNumThreads = 1 }, graph.GraphName);
        using var tensor = OnnxTensor.FromArray(pixels, pixels.Length / (3 * Side * Side), 3, Side, Side);
        using var outputs = session.Run("input", tensor);
        return outputs[0].ToArray<float>();
    }

    /// <summary>conv((v/255 - mean)/std) in double.</summary>
    private static float[] Reference(byte[] pixels, float[] weight, float[] bias)
    {
        var x = new double[pixels.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var c = i / (Side * Side) % 3;
            x[i] = ((pixels[i] / 255.0) - Mean[c]) / Std[c];
        }
        var y = TestTensors.Conv2d(x, pixels.Length / (3 * Side * Side), 3, Side, Side, weight.Select(v => (double)v).ToArray(), bias.Select(v => (double)v).ToArray(),
            Filters, 3, 1, 1, 1, out _, out _);
        return [.. y.Select(v => (float)v)];
    }

    private static double MaxDiff(float[] a, float[] b)
    {
        Assert.AreEqual(b.Length, a.Length, "output length");
        double max = 0;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private static double BorderMaxDiff(float[] a, float[] b)
    {
        double max = 0;
        for (var i = 0; i < a.Length; i++)
        {
            int row = i / Side % Side, col = i % Side;
            if (row == 0 || col == 0 || row == Side - 1 || col == Side - 1)
                max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }
        return max;
    }
}
