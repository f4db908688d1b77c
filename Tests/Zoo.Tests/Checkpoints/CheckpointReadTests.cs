using System.Text.Json;
using MLNetAttn.Zoo.Checkpoints;

namespace MLNetAttn.Zoo.Tests.Checkpoints;

/// <summary>Every good fixture reads back with the names, shapes, dtypes and exact values torch saved.</summary>
[TestClass]
public sealed class CheckpointReadTests
{
    [TestMethod]
    [DataRow("wrap_model.pth")]
    [DataRow("wrap_state_dict.pth")]
    [DataRow("wrap_model_and_ema.pth")]
    [DataRow("ema_only.pth")]
    [DataRow("bare.pth")]
    [DataRow("module_prefix.pth")]
    [DataRow("dtypes.pth")]
    [DataRow("views.pth")]
    [DataRow("handmade_ok.pth")]
    [DataRow("protocol4.pth")]
    [DataRow("training_checkpoint.pth")]
    [DataRow("tiny.safetensors")]
    public void Fixture_ReadsBackExactly(string fixture)
    {
        JsonElement expected = CheckpointFixtures.Expected(fixture);
        using Checkpoint ckpt = Checkpoint.Open(CheckpointFixtures.PathOf(fixture));

        Assert.AreEqual(expected.GetProperty("format").GetString(), ckpt.Format.ToString());
        Assert.AreEqual(expected.GetProperty("sha256").GetString(), ckpt.Sha256);
        JsonElement entry = expected.GetProperty("entry");
        Assert.AreEqual(entry.ValueKind == JsonValueKind.Null ? null : entry.GetString(), ckpt.Entry);
        CollectionAssert.AreEqual(expected.GetProperty("skipped").EnumerateArray().Select(e => e.GetString()).ToList(), ckpt.SkippedKeys.ToList());
        foreach (JsonProperty m in expected.GetProperty("metadata").EnumerateObject())
            Assert.AreEqual(m.Value.GetString(), ckpt.Metadata[m.Name]);
        Assert.AreEqual(expected.GetProperty("metadata").EnumerateObject().Count(), ckpt.Metadata.Count);

        AssertTensors(expected.GetProperty("tensors"), ckpt);
    }

    /// <summary>Names in file order, dtype, shape, contiguity, and every value bit for bit (tolerance: none).</summary>
    internal static void AssertTensors(JsonElement tensors, Checkpoint ckpt)
    {
        CollectionAssert.AreEqual(tensors.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList(), ckpt.Keys.ToList());
        foreach (JsonElement t in tensors.EnumerateArray())
        {
            string name = t.GetProperty("name").GetString()!;
            CheckpointTensor tensor = ckpt[name];
            Assert.AreEqual(t.GetProperty("dtype").GetString(), tensor.DType.ToString(), name);
            long[] shape = t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            CollectionAssert.AreEqual(shape, tensor.Shape.ToArray(), name);
            Assert.AreEqual(shape.Aggregate(1L, (a, b) => a * b), tensor.ElementCount, name);
            Assert.AreEqual(t.GetProperty("contiguous").GetBoolean(), tensor.IsContiguous, name);
            if (t.TryGetProperty("bits", out JsonElement bits))
            {
                uint[] want = bits.EnumerateArray().Select(b => b.GetUInt32()).ToArray();
                uint[] got = tensor.ToFloat32().Select(BitConverter.SingleToUInt32Bits).ToArray();
                CollectionAssert.AreEqual(want, got, $"{name}: float32 bit patterns differ");
            }
            else
            {
                long[] want = t.GetProperty("ints").EnumerateArray().Select(b => b.GetInt64()).ToArray();
                CollectionAssert.AreEqual(want, tensor.ToInt64(), name);
                CollectionAssert.AreEqual(want.Select(v => (float)v).ToArray(), tensor.ToFloat32(), name);
            }
        }
    }

    [TestMethod]
    public void Ema_IsTakenOnlyWhenAskedFor()
    {
        string path = CheckpointFixtures.PathOf("wrap_model_and_ema.pth");
        JsonElement expected = CheckpointFixtures.Expected("wrap_model_and_ema.pth");

        using (Checkpoint plain = Checkpoint.Open(path))
            Assert.AreEqual("model", plain.Entry);
        using (Checkpoint ema = Checkpoint.Open(path, new CheckpointReadOptions { PreferEma = true }))
        {
            Assert.AreEqual("model_ema", ema.Entry);
            AssertTensors(expected.GetProperty("ema"), ema);
        }
        using (Checkpoint named = Checkpoint.Open(path, new CheckpointReadOptions { Entry = "model_ema" }))
            AssertTensors(expected.GetProperty("ema"), named);

        var e = Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Open(path, new CheckpointReadOptions { Entry = "weights" }));
        StringAssert.Contains(e.Message, "has no state dict under 'weights'; its top-level keys are ['model', 'model_ema', 'epoch']");
    }

    [TestMethod]
    public void TrainingCheckpoint_EmaWeightsOnRequest()
    {
        using Checkpoint ckpt = Checkpoint.Open(CheckpointFixtures.PathOf("training_checkpoint.pth"), new CheckpointReadOptions { PreferEma = true });
        Assert.AreEqual("model_ema", ckpt.Entry);
        AssertTensors(CheckpointFixtures.Expected("training_checkpoint.pth").GetProperty("ema"), ckpt);
    }

    [TestMethod]
    public void ModulePrefix_IsKeptWhenStrippingIsOff()
    {
        using Checkpoint ckpt = Checkpoint.Open(CheckpointFixtures.PathOf("module_prefix.pth"), new CheckpointReadOptions { StripModulePrefix = false });
        Assert.IsTrue(ckpt.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)));
        Assert.IsTrue(ckpt.ContainsKey("module.0.weight"));
        Assert.IsFalse(ckpt.ContainsKey("0.weight"));
    }

    [TestMethod]
    public void SafetensorsModulePrefix_IsStripped()
    {
        using Checkpoint ckpt = Checkpoint.Open(CheckpointFixtures.PathOf("tiny.safetensors"));
        Assert.IsTrue(ckpt.ContainsKey("fc.weight"));
        Assert.AreEqual(CheckpointDType.Int64, ckpt["steps"].DType);
    }

    [TestMethod]
    public void Views_ShareOneStorageAndMapInPlace()
    {
        using Checkpoint ckpt = Checkpoint.Open(CheckpointFixtures.PathOf("views.pth"));
        CheckpointTensor b = ckpt["base"], window = ckpt["window"], gridT = ckpt["grid_t"], col = ckpt["col"];
        Assert.AreEqual(b.StorageKey, window.StorageKey);
        Assert.AreEqual(b.StorageKey, gridT.StorageKey);
        Assert.AreEqual(b.StorageKey, col.StorageKey);
        Assert.AreEqual(5, window.StorageOffset);
        CollectionAssert.AreEqual(new long[] { 1, 6 }, gridT.Strides.ToArray());

        // Contiguous float32 views are spans over the mapping; the window starts at element 5 of the shared storage.
        ReadOnlySpan<float> span = window.AsFloat32Span();
        CollectionAssert.AreEqual(new float[] { 5, 6, 7, 8, 9, 10 }, span.ToArray());
        Assert.AreEqual(6 * sizeof(float), window.GetContiguousBytes().Length);
        Assert.IsTrue(b.TryGetFloat32Span(out ReadOnlySpan<float> all));
        Assert.AreEqual(23f, all[23]);

        Assert.IsFalse(gridT.TryGetFloat32Span(out _));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => gridT.AsFloat32Span());
        StringAssert.Contains(e.Message, "strided view");
        Assert.IsFalse(ckpt["half_t"].TryGetFloat32Span(out _));
        Assert.ThrowsExactly<InvalidOperationException>(() => ckpt["half_t"].AsFloat32Span());
        CollectionAssert.AreEqual(new float[] { 2, 8, 14, 20 }, col.ToFloat32());
        CollectionAssert.AreEqual(new float[] { 1.5f, -2f, 4f, 1.5f, -2f, 4f }, ckpt["expanded"].ToFloat32());
        Assert.AreEqual(0, ckpt["scalar"].Shape.Length);
        Assert.AreEqual(3.25f, ckpt["scalar"].ToFloat32()[0]);
        Assert.AreEqual(0, ckpt["empty"].ToFloat32().Length);
    }

    [TestMethod]
    public void CopyToFloat32_RejectsShortDestination()
    {
        using Checkpoint ckpt = Checkpoint.Open(CheckpointFixtures.PathOf("views.pth"));
        var e = Assert.ThrowsExactly<ArgumentException>(() => ckpt["grid_t"].CopyToFloat32(new float[23]));
        StringAssert.Contains(e.Message, "has 24 elements but the destination holds 23");
        Assert.ThrowsExactly<InvalidOperationException>(() => ckpt["base"].ToInt64());
    }

    [TestMethod]
    public void Dispose_InvalidatesTensorAccess()
    {
        Checkpoint ckpt = Checkpoint.Open(CheckpointFixtures.PathOf("bare.pth"));
        CheckpointTensor w = ckpt["0.weight"];
        Assert.AreEqual(108, w.ToFloat32().Length);
        ckpt.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => w.ToFloat32());
        ckpt.Dispose(); // twice is harmless
    }

    [TestMethod]
    public void MissingTensor_NamesTheFile()
    {
        using Checkpoint ckpt = Checkpoint.Open(CheckpointFixtures.PathOf("bare.pth"));
        var e = Assert.ThrowsExactly<KeyNotFoundException>(() => ckpt["head.weight"]);
        StringAssert.Contains(e.Message, "checkpoint 'bare.pth' has no tensor 'head.weight'");
        Assert.IsFalse(ckpt.TryGetValue("head.weight", out _));
        Assert.AreEqual(ckpt.Count, ckpt.Count());
    }
}
