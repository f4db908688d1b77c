using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>float16, int64, uint8 and bool through a real model, compared with numpy's results.</summary>
[TestClass]
public sealed class OnnxMixedTypesTests
{
    [TestMethod]
    public void MetadataReportsEachElementType()
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.MixedTypes);
        var types = session.Inputs.ToDictionary(i => i.Name, i => i.ElementType);
        Assert.AreEqual(OnnxElementType.Float16, types["half_in"]);
        Assert.AreEqual(OnnxElementType.Int64, types["long_in"]);
        Assert.AreEqual(OnnxElementType.UInt8, types["byte_in"]);
        Assert.AreEqual(OnnxElementType.Bool, types["flag_in"]);
        CollectionAssert.AreEqual(new[] { "half_out", "long_out", "byte_out", "flag_out" }, session.Outputs.Select(o => o.Name).ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 3 }, session.GetOutput("flag_out").Dimensions.ToArray());
    }

    [TestMethod]
    public void EveryTypeRoundTripsExactly()
    {
        var x = OnnxFixtures.Expected("mixed_types.json");
        using var session = OnnxSession.FromFile(OnnxFixtures.MixedTypes);
        using var half = OnnxTensor.FromArray(x["half_in"].Halves(), 2, 3);
        using var longs = OnnxTensor.FromArray(x["long_in"].Longs(), 2, 3);
        using var bytes = OnnxTensor.FromArray(x["byte_in"].Bytes(), 2, 3);
        using var flags = OnnxTensor.FromArray(x["flag_in"].Bools(), 2, 3);
        using var results = session.Run(new Dictionary<string, OnnxTensor>
        {
            ["half_in"] = half, ["long_in"] = longs, ["byte_in"] = bytes, ["flag_in"] = flags,
        });

        // Exact: integer ops, a logical not, and a float16 value that numpy rounded the same way (the sum is
        // done in float32 in both, then rounded once to float16).
        CollectionAssert.AreEqual(x["half_out"].Halves(), results["half_out"].ToArray<Half>());
        CollectionAssert.AreEqual(x["long_out"].Longs(), results["long_out"].ToArray<long>());
        CollectionAssert.AreEqual(x["byte_out"].Bytes(), results["byte_out"].ToArray<byte>());
        CollectionAssert.AreEqual(x["flag_out"].Bools(), results["flag_out"].ToArray<bool>());
        Assert.AreEqual(OnnxElementType.Float16, results["half_out"].ElementType);
        Assert.AreEqual(OnnxElementType.Bool, results["flag_out"].ElementType);
    }

    [TestMethod]
    public void SelectedOutputsComeBackInRequestOrder()
    {
        var x = OnnxFixtures.Expected("mixed_types.json");
        using var session = OnnxSession.FromFile(OnnxFixtures.MixedTypes);
        using var half = OnnxTensor.FromArray(x["half_in"].Halves(), 2, 3);
        using var longs = OnnxTensor.FromArray(x["long_in"].Longs(), 2, 3);
        using var bytes = OnnxTensor.FromArray(x["byte_in"].Bytes(), 2, 3);
        using var flags = OnnxTensor.FromArray(x["flag_in"].Bools(), 2, 3);
        var inputs = new Dictionary<string, OnnxTensor> { ["half_in"] = half, ["long_in"] = longs, ["byte_in"] = bytes, ["flag_in"] = flags };
        using var results = session.Run(inputs, ["flag_out", "long_out"]);
        Assert.HasCount(2, results);
        Assert.AreEqual("flag_out", results[0].Name);
        CollectionAssert.AreEqual(x["long_out"].Longs(), results[1].ToArray<long>());
        Assert.ThrowsExactly<ArgumentException>(() => session.Run(inputs, ["no_such_output"]));
    }

    [TestMethod]
    public void WrongIntegerWidthIsRejectedBeforeTheRuntime()
    {
        var x = OnnxFixtures.Expected("mixed_types.json");
        using var session = OnnxSession.FromFile(OnnxFixtures.MixedTypes);
        using var half = OnnxTensor.FromArray(x["half_in"].Halves(), 2, 3);
        using var ints = OnnxTensor.FromArray(x["long_in"].Longs().Select(v => (int)v).ToArray(), 2, 3);
        using var bytes = OnnxTensor.FromArray(x["byte_in"].Bytes(), 2, 3);
        using var flags = OnnxTensor.FromArray(x["flag_in"].Bools(), 2, 3);
        var e = Assert.ThrowsExactly<ArgumentException>(() => session.Run(new Dictionary<string, OnnxTensor>
        {
            ["half_in"] = half, ["long_in"] = ints, ["byte_in"] = bytes, ["flag_in"] = flags,
        }));
        StringAssert.Contains(e.Message, "'long_in'");
        StringAssert.Contains(e.Message, "Int64");
        StringAssert.Contains(e.Message, "Int32");
    }
}
