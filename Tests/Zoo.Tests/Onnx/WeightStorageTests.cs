using System.Text.Json;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Tests.Onnx;

[TestClass]
public sealed class WeightStorageTests
{
    // Each is exactly representable in float16: zero, small integers and fractions, the largest finite
    // value, the smallest normal, the smallest subnormal, and a value with all 10 mantissa bits in use.
    private static readonly float[] Representable = [0f, 1f, -2.5f, 65504f, -65504f, 6.1035156e-05f, 5.9604645e-08f, 0.333251953125f, 1023.5f, -0.0009765625f];

    [TestMethod]
    public void Float16Storage_RoundTripsRepresentableValuesExactly_AndCastsToFloat32()
    {
        var g = new GraphBuilder("fp16", weightStorage: WeightStorage.Float16);
        GraphValue x = g.Input("x", TensorElementType.Float, ["batch", Representable.Length]);
        GraphValue w = g.Initializer("w", Representable, [Representable.Length]);
        g.Output(g.Add(x, w, name: "sum"), TensorElementType.Float, ["batch", Representable.Length]);

        JsonElement model = OnnxChecker.Check(g);

        JsonElement stored = model.Initializer("w");
        Assert.AreEqual(10, stored.GetProperty("data_type").GetInt32(), "stored as FLOAT16");
        CollectionAssert.AreEqual(TestTensors.ToDouble(Representable), stored.GetProperty("values").Doubles());

        JsonElement cast = model.NodesOf("Cast").Single();
        Assert.AreEqual("w", cast.GetProperty("inputs")[0].GetString());
        Assert.AreEqual(1, cast.GetProperty("attributes").GetProperty("to").GetInt64(), "widened to FLOAT");
        Assert.AreEqual(w.Name, cast.GetProperty("outputs")[0].GetString());
        Assert.AreEqual(w.Name, model.Node("sum").GetProperty("inputs")[1].GetString(), "computation uses the float32 copy");
        Assert.AreEqual("batch,10", OnnxChecker.Dims(model.GetProperty("outputs")[0]));
    }

    [TestMethod]
    public void Float16Storage_RoundsToNearestAndRefusesOverflow()
    {
        // Ties between two halves round to the even one: 1 + 2^-11 -> 1, 1 + 3 * 2^-11 -> 1 + 2^-9.
        float[] special = [0.1f, 65519f, 1e-8f, 1f + MathF.Pow(2, -11), 1f + (3 * MathF.Pow(2, -11)), float.NaN];
        var random = new Random(17);
        float[] values = [.. special, .. Enumerable.Range(0, 200).Select(i => (float)(random.NextDouble() - 0.5) * MathF.Pow(2, (i % 40) - 25))];
        var g = new GraphBuilder("fp16_round", weightStorage: WeightStorage.Float16);
        GraphValue x = g.Input("x", TensorElementType.Float, [values.Length]);
        g.Output(g.Mul(x, g.Initializer("w", values, [values.Length])), TensorElementType.Float, [values.Length]);
        double[] stored = OnnxChecker.Check(g).Initializer("w").GetProperty("values").EnumerateArray()
            .Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        // 0.1 -> nearest half 0.0999755859375; 65519 is below the overflow midpoint (65520) so it stays 65504;
        // 1e-8 is under half the smallest subnormal (2^-25) so it becomes zero; NaN stays NaN.
        CollectionAssert.AreEqual(new[] { 0.0999755859375, 65504.0, 0.0, 1.0, 1.001953125, double.NaN }, stored[..special.Length]);

        // Every value, from subnormal to 2^14 in magnitude, is the scalar IEEE conversion.
        CollectionAssert.AreEqual(values.Select(v => (double)(Half)v).ToArray(), stored);

        var overflow = Assert.ThrowsExactly<ArgumentException>(() => g.Initializer("big", new[] { 1f, 70000f }, [2]));
        StringAssert.Contains(overflow.Message, "'big'");
        StringAssert.Contains(overflow.Message, "index 1");
        StringAssert.Contains(overflow.Message, "WeightStorage.Float32");
    }

    [TestMethod]
    public void PerTensorOverride_KeepsFloat32AndScalarsStayFloat32()
    {
        var g = new GraphBuilder("mixed", weightStorage: WeightStorage.Float16);
        GraphValue x = g.Input("x", TensorElementType.Float, [2]);
        GraphValue big = g.Initializer("big", new[] { 1e6f, 3f }, [2], WeightStorage.Float32);
        GraphValue y = g.Mul(g.Add(x, big), g.Scalar(0.1f));
        GraphValue spanWeight = g.Initializer("span", new ReadOnlySpan<float>([1.5f, 2.5f]), [2]);
        g.Output(g.Add(y, spanWeight), TensorElementType.Float, [2]);

        JsonElement model = OnnxChecker.Check(g);
        Assert.AreEqual(1, model.Initializer("big").GetProperty("data_type").GetInt32());
        Assert.AreEqual("big", big.Name, "a float32 initializer is used directly");
        Assert.AreEqual(10, model.Initializer("span").GetProperty("data_type").GetInt32());
        string scalar = model.NodesOf("Mul")[0].GetProperty("inputs")[1].GetString()!;
        Assert.AreEqual(1, model.Initializer(scalar).GetProperty("data_type").GetInt32());
        Assert.AreEqual((double)0.1f, model.Initializer(scalar).GetProperty("values")[0].GetDouble());
    }

    [TestMethod]
    public void Float16Storage_HalvesTheWeightBytes()
    {
        float[] weights = TestTensors.Uniform(new Random(11), 64 * 64);
        long fp32 = Build(WeightStorage.Float32).Length;
        long fp16 = Build(WeightStorage.Float16).Length;

        // The payload shrinks by 2 bytes per value; the Cast node adds well under 100 bytes.
        long saved = fp32 - fp16;
        Assert.IsTrue(saved > (2 * weights.Length) - 100 && saved <= 2 * weights.Length, $"float16 saved {saved} bytes for {weights.Length} weights");

        byte[] Build(WeightStorage storage)
        {
            var g = new GraphBuilder("size", weightStorage: storage);
            GraphValue x = g.Input("x", TensorElementType.Float, [1, 64]);
            g.Output(g.MatMul(x, g.Initializer("w", weights, [64, 64])), TensorElementType.Float, [1, 64]);
            return g.ToArray();
        }
    }
}
