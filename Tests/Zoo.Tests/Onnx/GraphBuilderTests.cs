using System.Text.Json;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Tests.Onnx;

[TestClass]
public sealed class GraphBuilderTests
{
    [TestMethod]
    public void ConvBnReluPoolGemm_WithDynamicBatch_PassesFullCheckAndRoundTrips()
    {
        var random = new Random(42);
        var g = new GraphBuilder("tiny_cnn");
        g.DocString = "a small test network";
        g.Metadata[OnnxMetadataKeys.ModelName] = "tiny_cnn.test";
        g.Metadata[OnnxMetadataKeys.Family] = "test";
        g.Metadata[OnnxMetadataKeys.Resolution] = "16,16";
        g.Metadata[OnnxMetadataKeys.Mean] = "0.485,0.456,0.406";
        g.Metadata[OnnxMetadataKeys.Std] = "0.229,0.224,0.225";
        g.Metadata[OnnxMetadataKeys.Interpolation] = "bicubic";
        g.Metadata[OnnxMetadataKeys.CropPct] = "0.875";
        g.Metadata[OnnxMetadataKeys.SourceSha256] = new string('a', 64);

        GraphValue x = g.Input("input", TensorElementType.Float, ["batch", 3, 16, 16]);

        // Stem: conv + BN folded into one conv.
        var bn = new BatchNormParameters(
            TestTensors.Uniform(random, 8, 0.5f, 1.5f), TestTensors.Uniform(random, 8), TestTensors.Uniform(random, 8), TestTensors.Uniform(random, 8, 0.1f, 1f));
        FoldedWeights stem = BatchNormFolding.IntoConv(TestTensors.Uniform(random, 8 * 3 * 3 * 3), [], bn);
        GraphValue y;
        using (g.Scope("stem"))
        {
            y = g.Conv(x, g.Initializer("stem.conv.weight", stem.Weight, [8, 3, 3, 3]), g.Initializer("stem.conv.bias", stem.Bias, [8]), stride: 2, padding: 1, name: "stem.out");
            y = g.Relu(y);
        }

        // Depthwise conv, then the head.
        float[] dwWeight = TestTensors.Uniform(random, 8 * 1 * 3 * 3);
        y = g.Conv(y, g.Initializer("dw.weight", dwWeight, [8, 1, 3, 3]), padding: 1, group: 8, name: "dw.out");
        y = g.Flatten(g.GlobalAveragePool(y), name: "pooled");
        y = g.Gemm(y, g.Initializer("head.weight", TestTensors.Uniform(random, 10 * 8), [10, 8]), g.Initializer("head.bias", TestTensors.Uniform(random, 10), [10]), transB: true);
        g.Output(y, TensorElementType.Float, ["batch", 10], "logits");

        JsonElement model = OnnxChecker.Check(g);

        Assert.AreEqual(8, model.GetProperty("ir_version").GetInt32());
        Assert.AreEqual("MLNetAttn", model.GetProperty("producer_name").GetString());
        Assert.AreEqual(typeof(GraphBuilder).Assembly.GetName().Version!.ToString(3), model.GetProperty("producer_version").GetString());
        Assert.AreEqual("a small test network", model.GetProperty("doc_string").GetString());
        Assert.AreEqual(17, model.GetProperty("opset").GetProperty("").GetInt32());
        Assert.AreEqual("tiny_cnn", model.GetProperty("graph_name").GetString());
        string[] metadata = [.. model.GetProperty("metadata").EnumerateArray().Select(p => $"{p[0].GetString()}={p[1].GetString()}")];
        CollectionAssert.AreEqual(
            new[] { "model_name=tiny_cnn.test", "family=test", "resolution=16,16", "mean=0.485,0.456,0.406", "std=0.229,0.224,0.225", "interpolation=bicubic", "crop_pct=0.875", "source_sha256=" + new string('a', 64) },
            metadata);

        JsonElement input = model.GetProperty("inputs")[0];
        Assert.AreEqual("input", input.GetProperty("name").GetString());
        Assert.AreEqual(1, input.GetProperty("elem_type").GetInt32());
        Assert.AreEqual("batch,3,16,16", OnnxChecker.Dims(input));
        JsonElement output = model.GetProperty("outputs")[0];
        Assert.AreEqual("logits", output.GetProperty("name").GetString());
        Assert.AreEqual("batch,10", OnnxChecker.Dims(output));

        JsonElement stemConv = model.Node("stem.out");
        Assert.AreEqual("Conv", stemConv.GetProperty("op_type").GetString());
        CollectionAssert.AreEqual(new long[] { 2, 2 }, stemConv.GetProperty("attributes").GetProperty("strides").Longs());
        CollectionAssert.AreEqual(new long[] { 1, 1, 1, 1 }, stemConv.GetProperty("attributes").GetProperty("pads").Longs());
        CollectionAssert.AreEqual(new long[] { 1, 1 }, stemConv.GetProperty("attributes").GetProperty("dilations").Longs());
        Assert.AreEqual(1, stemConv.GetProperty("attributes").GetProperty("group").GetInt64());
        Assert.AreEqual(8, model.Node("dw.out").GetProperty("attributes").GetProperty("group").GetInt64());
        Assert.AreEqual(1, model.NodesOf("Gemm")[0].GetProperty("attributes").GetProperty("transB").GetInt64());

        // Scoped automatic names; explicit names verbatim.
        Assert.AreEqual("stem/Relu", model.NodesOf("Relu")[0].GetProperty("outputs")[0].GetString());

        // Weights round-trip bit for bit (raw_data, little-endian).
        JsonElement weight = model.Initializer("stem.conv.weight");
        Assert.IsTrue(weight.GetProperty("raw").GetBoolean());
        Assert.AreEqual(1, weight.GetProperty("data_type").GetInt32());
        CollectionAssert.AreEqual(new long[] { 8, 3, 3, 3 }, weight.GetProperty("dims").Longs());
        CollectionAssert.AreEqual(TestTensors.ToDouble(stem.Weight), weight.GetProperty("values").Doubles());
        CollectionAssert.AreEqual(TestTensors.ToDouble(dwWeight), model.Initializer("dw.weight").GetProperty("values").Doubles());

        // onnx's shape inference agrees with the shapes the builder meant.
        Assert.AreEqual("batch,8,8,8", model.InferredDims("stem.out"));
        Assert.AreEqual("batch,8,8,8", model.InferredDims("dw.out"));
        Assert.AreEqual("batch,8", model.InferredDims("pooled"));
    }

    [TestMethod]
    public void AttentionBlock_WithLayerNormSoftmaxMatMulGelu_PassesFullCheck()
    {
        const int tokens = 16, dim = 32, heads = 2, headDim = dim / heads, hidden = 64;
        var random = new Random(7);
        var g = new GraphBuilder("tiny_attention");
        GraphValue x = g.Input("tokens", TensorElementType.Float, ["batch", tokens, dim]);

        GraphValue attended;
        using (g.Scope("attn"))
        {
            GraphValue n = g.LayerNormalization(x, g.Initializer("norm1.weight", TestTensors.Uniform(random, dim), [dim]), g.Initializer("norm1.bias", TestTensors.Uniform(random, dim), [dim]), epsilon: 1e-6f, name: "norm1.out");
            GraphValue qkv = g.Add(g.MatMul(n, g.Initializer("qkv.weight_t", TestTensors.Uniform(random, dim * 3 * dim), [dim, 3 * dim])), g.Initializer("qkv.bias", TestTensors.Uniform(random, 3 * dim), [3 * dim]));
            qkv = g.Transpose(g.Reshape(qkv, [0, tokens, 3, heads, headDim]), [2, 0, 3, 1, 4], name: "qkv.heads");
            GraphValue[] parts = g.Split(qkv, 0, [1, 1, 1], name: "q5");
            GraphValue q = g.Squeeze(parts[0], [0]);
            GraphValue k = g.Squeeze(parts[1], [0]);
            GraphValue v = g.Squeeze(parts[2], [0]);
            GraphValue scores = g.Mul(g.MatMul(q, g.Transpose(k, [0, 1, 3, 2])), g.Scalar(1f / MathF.Sqrt(headDim)));
            GraphValue probs = g.Softmax(scores, name: "attn.probs");
            GraphValue o = g.Reshape(g.Transpose(g.MatMul(probs, v), [0, 2, 1, 3]), [0, tokens, dim]);
            o = g.Linear(o, g.Initializer("proj.weight", TestTensors.Uniform(random, 24 * dim), [24, dim]), g.Initializer("proj.bias", TestTensors.Uniform(random, 24), [24]), name: "proj.out");
            o = g.Linear(o, g.Initializer("proj2.weight", TestTensors.Uniform(random, dim * 24), [dim, 24]));
            attended = g.Add(x, o, name: "attn.residual");
        }

        GraphValue mlp;
        using (g.Scope("mlp"))
        {
            GraphValue h = g.MatMul(g.LayerNormalization(attended, g.Initializer("norm2.weight", TestTensors.Uniform(random, dim), [dim])), g.Initializer("fc1.weight_t", TestTensors.Uniform(random, dim * hidden), [dim, hidden]));
            h = g.Gelu(h, name: "mlp.gelu");
            h = g.Gelu(h);
            mlp = g.Add(attended, g.MatMul(h, g.Initializer("fc2.weight_t", TestTensors.Uniform(random, hidden * dim), [hidden, dim])));
        }

        g.Output(mlp, TensorElementType.Float, ["batch", tokens, dim], "out");
        JsonElement model = OnnxChecker.Check(g);

        Assert.AreEqual("3,batch,2,16,16", model.InferredDims("qkv.heads"));
        Assert.AreEqual("batch,2,16,16", model.InferredDims("attn.probs"));
        Assert.AreEqual("batch,16,24", model.InferredDims("proj.out"));
        CollectionAssert.AreEqual(new long[] { 1, 0 }, model.NodesOf("Transpose").Last().GetProperty("attributes").GetProperty("perm").Longs(), "Linear transposes its [O, I] weight");
        Assert.AreEqual("batch,16,64", model.InferredDims("mlp.gelu"));
        Assert.AreEqual(-1, model.Node("attn.probs").GetProperty("attributes").GetProperty("axis").GetInt64());
        JsonElement norm1 = model.Node("norm1.out").GetProperty("attributes");
        Assert.AreEqual(-1, norm1.GetProperty("axis").GetInt64());
        Assert.AreEqual(1e-6, norm1.GetProperty("epsilon").GetDouble(), 1e-12);
        Assert.AreEqual(2, model.NodesOf("LayerNormalization")[1].GetProperty("inputs").GetArrayLength(), "the bias-free LayerNorm omits its optional third input");
        Assert.AreEqual(3, model.Node("q5").GetProperty("outputs").GetArrayLength());

        // GELU as torch exports it: Div(sqrt 2), Erf, Add(1), Mul(x), Mul(0.5) — twice, sharing the constants.
        Assert.AreEqual(2, model.NodesOf("Erf").Length);
        Assert.AreEqual(2, model.NodesOf("Div").Length);
        string sqrt2 = model.NodesOf("Div")[0].GetProperty("inputs")[1].GetString()!;
        Assert.AreEqual(sqrt2, model.NodesOf("Div")[1].GetProperty("inputs")[1].GetString());
        Assert.AreEqual(Math.Sqrt(2), model.Initializer(sqrt2).GetProperty("values")[0].GetDouble(), 1e-7);
        Assert.AreEqual(0, model.Initializer(sqrt2).GetProperty("dims").GetArrayLength(), "scalars are rank 0");
        Assert.AreEqual("Mul", model.Node("mlp.gelu").GetProperty("op_type").GetString());
        string half = model.Node("mlp.gelu").GetProperty("inputs")[1].GetString()!;
        Assert.AreEqual(0.5, model.Initializer(half).GetProperty("values")[0].GetDouble());
    }

    [TestMethod]
    public void RemainingOperators_PassFullCheckWithTheIntendedShapes()
    {
        const int c = 8;
        var random = new Random(3);
        var g = new GraphBuilder("op_sweep");
        // A fixed batch of 1, so that Concat with the fixed-size ResizeTo branch has one consistent shape.
        GraphValue x = g.Input("image", TensorElementType.Float, [1, c, 12, 12]);

        GraphValue y = g.BatchNormalization(
            x,
            g.Initializer("bn.weight", TestTensors.Uniform(random, c), [c]),
            g.Initializer("bn.bias", TestTensors.Uniform(random, c), [c]),
            g.Initializer("bn.running_mean", TestTensors.Uniform(random, c), [c]),
            g.Initializer("bn.running_var", TestTensors.Uniform(random, c, 0.5f, 1f), [c]),
            name: "bn.out");
        y = g.HardSwish(y);
        y = g.Pad(y, [0, 0, 1, 1, 0, 0, 1, 1], "reflect", name: "padded");
        y = g.AveragePool(y, 3, stride: 1, name: "avg");
        y = g.MaxPool(y, 2, name: "max");
        y = g.Resize(y, [1f, 1f, 2f, 2f], "linear", name: "up");
        y = g.Slice(y, [1, 1], [9, long.MaxValue], axes: [2, 3], steps: [1, 2], name: "sliced");
        y = g.GroupNorm(y, 2, g.Initializer("gn.weight", TestTensors.Uniform(random, c), [c, 1, 1]), g.Initializer("gn.bias", TestTensors.Uniform(random, c), [c, 1, 1]), name: "gn.out");
        y = g.Sigmoid(y);
        y = g.Div(g.Sub(y, g.Scalar(0.5f)), g.Scalar(2f));
        y = g.Clip(y, 0f, 6f, name: "clipped");
        GraphValue big = g.ResizeTo(x, [1, c, 24, 24], name: "resized");
        GraphValue padded = g.Pad(y, [0, 0, 0, 0, 0, 0, 16, 18], value: -1f, name: "const_pad");
        GraphValue joined = g.Concat(1, [padded, big], name: "joined");
        GraphValue pooled = g.ReduceMean(joined, [2, 3], keepDims: false, name: "mean");
        GraphValue roundTrip = g.Cast(g.Cast(pooled, TensorElementType.Double), TensorElementType.Float);
        GraphValue silu = g.Silu(g.Tanh(g.Identity(roundTrip)), name: "silu");
        GraphValue flat = g.Flatten(g.Unsqueeze(silu, [2]), 1, name: "flat");
        g.Output(flat, TensorElementType.Float, [1, 2 * c]);

        JsonElement model = OnnxChecker.Check(g);

        Assert.AreEqual("1,8,12,12", model.InferredDims("bn.out"));
        Assert.AreEqual("1,8,14,14", model.InferredDims("padded"));
        Assert.AreEqual("1,8,12,12", model.InferredDims("avg"));
        Assert.AreEqual("1,8,6,6", model.InferredDims("max"));
        Assert.AreEqual("1,8,12,12", model.InferredDims("up"));
        Assert.AreEqual("1,8,8,6", model.InferredDims("sliced"));
        Assert.AreEqual("1,8,8,6", model.InferredDims("gn.out"));
        Assert.AreEqual("1,16,24,24", model.InferredDims("joined"));
        Assert.AreEqual("1,16", model.InferredDims("mean"));
        Assert.AreEqual("reflect", model.Node("padded").GetProperty("attributes").GetProperty("mode").GetString());
        Assert.AreEqual(3, model.Node("const_pad").GetProperty("inputs").GetArrayLength(), "a non-zero pad value is passed as the third input");
        Assert.AreEqual(2, model.Node("padded").GetProperty("inputs").GetArrayLength(), "reflect padding omits the constant");
        JsonElement avg = model.Node("avg").GetProperty("attributes");
        CollectionAssert.AreEqual(new long[] { 3, 3 }, avg.GetProperty("kernel_shape").Longs());
        Assert.AreEqual(1, avg.GetProperty("count_include_pad").GetInt64());
        CollectionAssert.AreEqual(new long[] { 2, 2 }, model.Node("max").GetProperty("attributes").GetProperty("strides").Longs());
        JsonElement up = model.Node("up");
        Assert.AreEqual(string.Empty, up.GetProperty("inputs")[1].GetString(), "roi is an omitted optional input");
        Assert.AreEqual("linear", up.GetProperty("attributes").GetProperty("mode").GetString());
        CollectionAssert.AreEqual(new long[] { 2, 3 }, model.Node("mean").GetProperty("attributes").GetProperty("axes").Longs());
        Assert.AreEqual(0, model.Node("mean").GetProperty("attributes").GetProperty("keepdims").GetInt64());
        Assert.AreEqual(11, model.NodesOf("Cast")[0].GetProperty("attributes").GetProperty("to").GetInt64());
        Assert.AreEqual(1e-5, model.Node("bn.out").GetProperty("attributes").GetProperty("epsilon").GetDouble(), 1e-12);
    }

    [TestMethod]
    public void ReduceMean_UsesAnAxesInputFromOpset18()
    {
        var g = new GraphBuilder("opset18", opset: 18);
        GraphValue x = g.Input("x", TensorElementType.Float, [2, 3]);
        g.Output(g.ReduceMean(x, [1], name: "m"), TensorElementType.Float, [2, 1]);

        // onnx 1.12's checker stops at opset 17, so this one is only decoded.
        JsonElement model = OnnxChecker.Check(g, runChecker: false);
        Assert.AreEqual(18, model.GetProperty("opset").GetProperty("").GetInt32());
        Assert.AreEqual(8, model.GetProperty("ir_version").GetInt32());
        Assert.AreEqual(9, new GraphBuilder("opset19", opset: 19).IrVersion);
        Assert.AreEqual(10, new GraphBuilder("opset21", opset: 21).IrVersion);
        JsonElement m = model.Node("m");
        Assert.AreEqual(2, m.GetProperty("inputs").GetArrayLength());
        Assert.IsFalse(m.GetProperty("attributes").TryGetProperty("axes", out _));
        CollectionAssert.AreEqual(new double[] { 1 }, model.Initializer(m.GetProperty("inputs")[1].GetString()!).GetProperty("values").Doubles());
    }

    [TestMethod]
    public void Names_AreUniqueAndExplicitDuplicatesAreRefused()
    {
        var g = new GraphBuilder("names");
        GraphValue x = g.Input("x", TensorElementType.Float, [1, 4]);
        GraphValue a = g.Relu(x);
        GraphValue b = g.Relu(x);
        using (g.Scope("block"))
        {
            using (g.Scope("inner"))
            {
                Assert.AreEqual("block/inner/Relu", g.Relu(a).Name);
            }

            Assert.AreEqual("block/Relu", g.Relu(b).Name);
        }

        Assert.AreEqual("Relu", a.Name);
        Assert.AreEqual("Relu_1", b.Name);
        Assert.AreEqual("Relu_2", g.UniqueName("Relu"));

        var duplicate = Assert.ThrowsExactly<ArgumentException>(() => g.Relu(x, name: "Relu"));
        StringAssert.Contains(duplicate.Message, "'Relu'");
        Assert.ThrowsExactly<ArgumentException>(() => g.Input("x", TensorElementType.Float, [1]));
        Assert.ThrowsExactly<ArgumentException>(() => g.Initializer("x", new float[1], [1]));

        // Equal constants are shared, different ones are not.
        Assert.AreEqual(g.Scalar(0.5f), g.Scalar(0.5f));
        Assert.AreNotEqual(g.Scalar(0.5f), g.Scalar(-0.5f));
        Assert.AreEqual(g.Int64Vector([0, -1]), g.Int64Vector([0, -1]));
    }

    [TestMethod]
    public void MisuseIsReportedWithTheGraphAndValueNames()
    {
        var g = new GraphBuilder("misuse");
        GraphValue x = g.Input("x", TensorElementType.Float, [1, 4]);

        var shape = Assert.ThrowsExactly<ArgumentException>(() => g.Initializer("fc.weight", new float[6], [2, 4]));
        StringAssert.Contains(shape.Message, "'fc.weight' has 6 values but shape [2, 4] needs 8");

        var foreign = Assert.ThrowsExactly<ArgumentException>(() => g.Relu(new GraphValue("nowhere")));
        StringAssert.Contains(foreign.Message, "'nowhere'");
        StringAssert.Contains(foreign.Message, "'misuse'");

        var noOutput = Assert.ThrowsExactly<InvalidOperationException>(() => g.ToArray());
        StringAssert.Contains(noOutput.Message, "no outputs");

        g.Output(x, TensorElementType.Float, [1, 4]);
        Assert.ThrowsExactly<ArgumentException>(() => g.Output(x, TensorElementType.Float, [1, 4]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GraphBuilder("old", opset: 16));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GraphBuilder("new", opset: 22));
        Assert.ThrowsExactly<ArgumentException>(() => g.Conv(x, x, null, [1, 1], [0, 0], [1, 1]));
        Assert.ThrowsExactly<ArgumentException>(() => g.Pad(x, [0, 0, 0, 0], "wrap"));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TensorDim.Fixed(-1));
    }
}
