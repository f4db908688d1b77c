using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>Loading, metadata, running the tiny convnet against numpy's logits, and the errors around them.</summary>
[TestClass]
public sealed class OnnxSessionTests
{
    // numpy computes the reference in float64 and rounds once; ORT accumulates in float32 (and may reorder
    // sums), so allow a few float32 ulps at the logits' magnitude (|logit| < 2).
    private const float Tolerance = 1e-5f;

    [TestMethod]
    public void MetadataNamesTypesAndSymbolicBatch()
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        Assert.HasCount(1, session.Inputs);
        Assert.HasCount(1, session.Outputs);

        var input = session.Inputs[0];
        Assert.AreEqual("input", input.Name);
        Assert.AreEqual(OnnxElementType.Float, input.ElementType);
        CollectionAssert.AreEqual(new long[] { -1, 3, 8, 8 }, input.Dimensions.ToArray());
        CollectionAssert.AreEqual(new string?[] { "N", null, null, null }, input.SymbolicDimensions.ToArray());

        var output = session.GetOutput("logits");
        Assert.AreEqual(OnnxElementType.Float, output.ElementType);
        CollectionAssert.AreEqual(new long[] { -1, 5 }, output.Dimensions.ToArray());
        Assert.AreEqual("N", output.SymbolicDimensions[0]);
        Assert.AreEqual("CPU", session.ExecutionProvider);
        Assert.IsNull(session.FallbackReason);
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(4)]
    public void ConvnetMatchesNumpy(int batch)
    {
        var expected = OnnxFixtures.Expected("tiny_convnet.json");
        var pixels = expected["input"].Floats().AsSpan(0, batch * 3 * 8 * 8).ToArray();
        var logits = expected["logits"].Floats().AsSpan(0, batch * 5).ToArray();

        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var input = OnnxTensor.FromArray(pixels, batch, 3, 8, 8);
        using var results = session.Run("input", input);

        var output = results["logits"];
        CollectionAssert.AreEqual(new long[] { batch, 5 }, output.Shape.ToArray());
        AssertClose(logits, output.GetSpan<float>(), Tolerance);
    }

    [TestMethod]
    public void FromBytesRunsLikeFromFile()
    {
        var expected = OnnxFixtures.Expected("tiny_convnet.json");
        using var session = OnnxSession.FromBytes(File.ReadAllBytes(OnnxFixtures.TinyConvnet), modelName: "convnet-bytes");
        Assert.AreEqual("convnet-bytes", session.ModelName);
        using var input = OnnxTensor.FromArray(expected["input"].Floats(), 4, 3, 8, 8);
        using var results = session.Run("input", input);
        AssertClose(expected["logits"].Floats(), results[0].GetSpan<float>(), Tolerance);
    }

    [TestMethod]
    public void OptionsAreAppliedWithoutChangingResults()
    {
        var expected = OnnxFixtures.Expected("tiny_convnet.json");
        var options = new OnnxSessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.DisableAll,
            ExecutionMode = ExecutionMode.Parallel,
        };
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet, options);
        using var input = OnnxTensor.FromArray(expected["input"].Floats(), 4, 3, 8, 8);
        using var results = session.Run("input", input);
        AssertClose(expected["logits"].Floats(), results[0].GetSpan<float>(), Tolerance);
    }

    [TestMethod]
    public void InvalidOptionsAreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OnnxSession.FromFile(OnnxFixtures.TinyConvnet, new OnnxSessionOptions { IntraOpNumThreads = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OnnxSession.FromFile(OnnxFixtures.TinyConvnet, new OnnxSessionOptions { GpuDeviceId = -2 }));
    }

    [TestMethod]
    public void RandomBytesFailNamingTheModel()
    {
        var noise = new byte[512];
        new Random(7).NextBytes(noise);
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => OnnxSession.FromBytes(noise, modelName: "noise.onnx"));
        StringAssert.Contains(e.Message, "loading model 'noise.onnx'");
        Assert.AreNotEqual(OnnxErrorCode.Ok, e.ErrorCode);
        Assert.IsFalse(string.IsNullOrWhiteSpace(e.RuntimeMessage));
    }

    [TestMethod]
    public void EmptyBytesFailNamingTheModel()
    {
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => OnnxSession.FromBytes(ReadOnlySpan<byte>.Empty, modelName: "empty.onnx"));
        StringAssert.Contains(e.Message, "empty.onnx");
        Assert.AreEqual(OnnxErrorCode.InvalidArgument, e.ErrorCode);
    }

    [TestMethod]
    public void TruncatedFileFailsNamingTheFile()
    {
        var whole = File.ReadAllBytes(OnnxFixtures.TinyConvnet);
        var path = Path.Combine(Path.GetTempPath(), $"truncated-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, whole[..(whole.Length / 2)]);
        try
        {
            var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => OnnxSession.FromFile(path));
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "loading model");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MissingFileFailsWithNoSuchFile()
    {
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => OnnxSession.FromFile("/nonexistent/model.onnx"));
        StringAssert.Contains(e.Message, "/nonexistent/model.onnx");
        Assert.AreEqual(OnnxErrorCode.NoSuchFile, e.ErrorCode);
    }

    [TestMethod]
    public void WrongShapeNamesInputExpectedAndActual()
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var wrongChannels = OnnxTensor.FromArray(new float[1 * 4 * 8 * 8], 1, 4, 8, 8);
        var e = Assert.ThrowsExactly<ArgumentException>(() => session.Run("input", wrongChannels));
        StringAssert.Contains(e.Message, "'input'");
        StringAssert.Contains(e.Message, "[N, 3, 8, 8]");
        StringAssert.Contains(e.Message, "[1, 4, 8, 8]");

        using var wrongRank = OnnxTensor.FromArray(new float[3 * 8 * 8], 3, 8, 8);
        e = Assert.ThrowsExactly<ArgumentException>(() => session.Run("input", wrongRank));
        StringAssert.Contains(e.Message, "rank 4");
        StringAssert.Contains(e.Message, "[3, 8, 8]");
    }

    [TestMethod]
    public void WrongElementTypeNamesInputExpectedAndActual()
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var doubles = OnnxTensor.FromArray(new double[3 * 8 * 8], 1, 3, 8, 8);
        var e = Assert.ThrowsExactly<ArgumentException>(() => session.Run("input", doubles));
        StringAssert.Contains(e.Message, "'input'");
        StringAssert.Contains(e.Message, "Float");
        StringAssert.Contains(e.Message, "Double");
    }

    [TestMethod]
    public void UnknownAndMissingInputsAreNamed()
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var tensor = OnnxTensor.FromArray(new float[3 * 8 * 8], 1, 3, 8, 8);
        var e = Assert.ThrowsExactly<ArgumentException>(() => session.Run("pixels", tensor));
        StringAssert.Contains(e.Message, "'pixels'");
        StringAssert.Contains(e.Message, "'input'");

        e = Assert.ThrowsExactly<ArgumentException>(() => session.Run(new Dictionary<string, OnnxTensor>()));
        StringAssert.Contains(e.Message, "missing");
        StringAssert.Contains(e.Message, "'input'");
    }

    [TestMethod]
    public void BufferAndShapeMustAgree()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => OnnxTensor.FromArray(new float[100], 1, 3, 8, 8));
        StringAssert.Contains(e.Message, "[1, 3, 8, 8]");
        StringAssert.Contains(e.Message, "192");
        StringAssert.Contains(e.Message, "100");
        Assert.ThrowsExactly<ArgumentException>(() => OnnxTensor.FromArray(new float[0], -1, 3));
    }

    [TestMethod]
    public void RuntimeErrorsSurfaceAsOnnxRuntimeException()
    {
        // Our checks cannot see that a pre-allocated output has the wrong batch size (N is symbolic);
        // the runtime does, and its error must come back as OnnxRuntimeException naming the model.
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var input = OnnxTensor.FromArray(new float[2 * 3 * 8 * 8], 2, 3, 8, 8);
        using var output = OnnxTensor.FromArray(new float[3 * 5], 3, 5);
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() =>
            session.Run(new Dictionary<string, OnnxTensor> { ["input"] = input }, new Dictionary<string, OnnxTensor> { ["logits"] = output }));
        StringAssert.Contains(e.Message, "running model");
        StringAssert.Contains(e.Message, "tiny_convnet.onnx");
    }

    [TestMethod]
    public void DisposeIsIdempotentAndUseAfterDisposeThrows()
    {
        var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var input = OnnxTensor.FromArray(new float[3 * 8 * 8], 1, 3, 8, 8);
        session.Dispose();
        session.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => session.Run("input", input));
        Assert.ThrowsExactly<ObjectDisposedException>(() => session.CreateIoBinding());

        var tensor = OnnxTensor.FromArray(new float[3 * 8 * 8], 1, 3, 8, 8);
        tensor.Dispose();
        tensor.Dispose();
        using var live = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        Assert.ThrowsExactly<ObjectDisposedException>(() => live.Run("input", tensor));

        var results = live.Run("input", input);
        var output = results[0];
        Assert.AreEqual(5, output.GetSpan<float>().Length);
        results.Dispose();
        results.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => output.GetSpan<float>().Length);
    }

    [TestMethod]
    public void OutputsAreReadOnlyAsTheirOwnType()
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var input = OnnxTensor.FromArray(new float[3 * 8 * 8], 1, 3, 8, 8);
        using var results = session.Run("input", input);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => results[0].GetSpan<long>().Length);
        StringAssert.Contains(e.Message, "'logits'");
        Assert.ThrowsExactly<KeyNotFoundException>(() => results["nope"]);
    }

    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance)
    {
        Assert.AreEqual(expected.Length, actual.Length, "element count");
        for (var i = 0; i < expected.Length; i++)
            Assert.IsTrue(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance})");
    }
}
