using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Tests.Onnx;

[TestClass]
public sealed class BatchNormFoldingTests
{
    // Folded weights are rounded to float once (relative error <= 2^-24 each); sums of ~50 products of O(1)
    // terms then differ from the double reference by far less than this.
    private const double Tolerance = 1e-5;

    [TestMethod]
    [DataRow(1, true, 1e-5, DisplayName = "dense conv with bias, eps 1e-5")]
    [DataRow(2, false, 1e-5, DisplayName = "grouped conv without bias, eps 1e-5")]
    [DataRow(6, false, 1e-7, DisplayName = "depthwise conv, eps 1e-7 (EfficientViT-L)")]
    [DataRow(3, true, 1e-3, DisplayName = "grouped conv with bias, eps 1e-3")]
    public void IntoConv_MatchesConvThenBatchNorm(int groups, bool withBias, double eps)
    {
        const int n = 2, c = 6, h = 7, w = 7, o = 6, k = 3, stride = 2, padding = 1;
        var random = new Random(1234 + groups);
        float[] x = TestTensors.Uniform(random, n * c * h * w);
        float[] weight = TestTensors.Uniform(random, o * (c / groups) * k * k);
        float[] bias = withBias ? TestTensors.Uniform(random, o) : [];
        BatchNormParameters bn = RandomBatchNorm(random, o, eps);

        // Reference: the conv, then BN, all in double.
        double[] conv = TestTensors.Conv2d(TestTensors.ToDouble(x), n, c, h, w, TestTensors.ToDouble(weight), TestTensors.ToDouble(bias), o, k, stride, padding, groups, out int oh, out int ow);
        double[] expected = ApplyBatchNorm(conv, bn, n, oh * ow);

        FoldedWeights folded = BatchNormFolding.IntoConv(weight, bias, bn);
        double[] actual = TestTensors.Conv2d(TestTensors.ToDouble(x), n, c, h, w, TestTensors.ToDouble(folded.Weight), TestTensors.ToDouble(folded.Bias), o, k, stride, padding, groups, out _, out _);

        AssertClose(expected, actual);
    }

    [TestMethod]
    public void IntoConv_DoesNotChangeItsInputs()
    {
        var random = new Random(7);
        float[] weight = TestTensors.Uniform(random, 4 * 2 * 1 * 1);
        float[] copy = (float[])weight.Clone();
        BatchNormFolding.IntoConv(weight, [], RandomBatchNorm(random, 4, 1e-5));
        CollectionAssert.AreEqual(copy, weight);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void IntoLinear_MatchesLinearThenBatchNorm(bool withBias)
    {
        const int batch = 3, inputs = 10, outputs = 5;
        var random = new Random(99);
        float[] x = TestTensors.Uniform(random, batch * inputs);
        float[] weight = TestTensors.Uniform(random, outputs * inputs);
        float[] bias = withBias ? TestTensors.Uniform(random, outputs) : [];
        BatchNormParameters bn = RandomBatchNorm(random, outputs, 1e-5);

        double[] expected = ApplyBatchNorm(Linear(TestTensors.ToDouble(x), batch, TestTensors.ToDouble(weight), TestTensors.ToDouble(bias), outputs, inputs), bn, batch, 1);
        FoldedWeights folded = BatchNormFolding.IntoLinear(weight, bias, bn);
        double[] actual = Linear(TestTensors.ToDouble(x), batch, TestTensors.ToDouble(folded.Weight), TestTensors.ToDouble(folded.Bias), outputs, inputs);

        AssertClose(expected, actual);
    }

    [TestMethod]
    [DataRow(true, 1e-5)]
    [DataRow(false, 1e-7)]
    public void IntoFollowingLinear_MatchesBatchNormThenLinear(bool withBias, double eps)
    {
        const int batch = 4, inputs = 12, outputs = 7;
        var random = new Random(2024);
        float[] x = TestTensors.Uniform(random, batch * inputs);
        float[] weight = TestTensors.Uniform(random, outputs * inputs);
        float[] bias = withBias ? TestTensors.Uniform(random, outputs) : [];
        BatchNormParameters bn = RandomBatchNorm(random, inputs, eps);

        double[] normalized = ApplyBatchNorm(TestTensors.ToDouble(x), bn, batch, 1);
        double[] expected = Linear(normalized, batch, TestTensors.ToDouble(weight), TestTensors.ToDouble(bias), outputs, inputs);
        FoldedWeights folded = BatchNormFolding.IntoFollowingLinear(bn, weight, bias);
        double[] actual = Linear(TestTensors.ToDouble(x), batch, TestTensors.ToDouble(folded.Weight), TestTensors.ToDouble(folded.Bias), outputs, inputs);

        Assert.AreEqual(outputs, folded.Bias.Length);
        AssertClose(expected, actual);
    }

    [TestMethod]
    public void ToScaleShift_IsTheBatchNormAsAnAffineMap()
    {
        var bn = new BatchNormParameters(new float[] { 2f, 0.5f }, new float[] { 1f, -1f }, new float[] { 3f, 0f }, new float[] { 4f, 0.25f }, epsilon: 0);
        FoldedWeights affine = BatchNormFolding.ToScaleShift(bn);

        // scale = gamma / sqrt(var): 2/2 = 1, 0.5/0.5 = 1; shift = beta - mean * scale: 1 - 3 = -2, -1 - 0 = -1.
        CollectionAssert.AreEqual(new[] { 1f, 1f }, affine.Weight);
        CollectionAssert.AreEqual(new[] { -2f, -1f }, affine.Bias);
    }

    [TestMethod]
    public void MismatchedShapes_AreRejectedWithTheCounts()
    {
        var random = new Random(5);
        BatchNormParameters bn = RandomBatchNorm(random, 4, 1e-5);
        var conv = Assert.ThrowsExactly<ArgumentException>(() => BatchNormFolding.IntoConv(new float[10], [], bn));
        StringAssert.Contains(conv.Message, "4 output channels");
        var bias = Assert.ThrowsExactly<ArgumentException>(() => BatchNormFolding.IntoLinear(new float[8], new float[3], bn));
        StringAssert.Contains(bias.Message, "3 values");
        Assert.ThrowsExactly<ArgumentException>(() => BatchNormFolding.IntoFollowingLinear(bn, new float[6], []));
        Assert.ThrowsExactly<ArgumentException>(() => new BatchNormParameters(new float[2], new float[2], new float[2], new float[3]));
    }

    private static BatchNormParameters RandomBatchNorm(Random random, int channels, double eps)
        => new(
            TestTensors.Uniform(random, channels, 0.5f, 1.5f),
            TestTensors.Uniform(random, channels, -0.5f, 0.5f),
            TestTensors.Uniform(random, channels, -0.3f, 0.3f),
            TestTensors.Uniform(random, channels, 0.05f, 2f),
            eps);

    // y[b, c, p] = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c], in double.
    private static double[] ApplyBatchNorm(double[] x, BatchNormParameters bn, int batch, int positions)
    {
        int channels = bn.Channels;
        var y = new double[x.Length];
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                double inv = 1.0 / Math.Sqrt(bn.Variance.Span[c] + bn.Epsilon);
                for (int p = 0; p < positions; p++)
                {
                    int i = (((b * channels) + c) * positions) + p;
                    y[i] = ((x[i] - bn.Mean.Span[c]) * inv * bn.Gamma.Span[c]) + bn.Beta.Span[c];
                }
            }
        }

        return y;
    }

    private static double[] Linear(double[] x, int batch, double[] weight, double[] bias, int outputs, int inputs)
    {
        var y = new double[batch * outputs];
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double acc = bias.Length == 0 ? 0 : bias[o];
                for (int i = 0; i < inputs; i++)
                {
                    acc += weight[(o * inputs) + i] * x[(b * inputs) + i];
                }

                y[(b * outputs) + o] = acc;
            }
        }

        return y;
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double limit = Tolerance * (1 + Math.Abs(expected[i]));
            Assert.IsTrue(Math.Abs(expected[i] - actual[i]) <= limit, $"element {i}: folded {actual[i]} vs reference {expected[i]} (tolerance {limit:g3})");
        }
    }
}
