using System.Text.Json;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Tests.Onnx;

[TestClass]
public sealed class OnnxModelWriterTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void BytesStreamAndFile_AreIdenticalAndDeterministic()
    {
        GraphBuilder g = SmallGraph();
        byte[] bytes = g.ToArray();

        using var stream = new MemoryStream();
        g.WriteTo(stream);
        Assert.IsTrue(stream.CanWrite, "WriteTo leaves the caller's stream open");
        CollectionAssert.AreEqual(bytes, stream.ToArray());

        string path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), "writer-identical.onnx");
        g.Save(path);
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(bytes, SmallGraph().ToArray(), "the same graph gives the same bytes");
        File.Delete(path);
    }

    [TestMethod]
    public void Save_ReplacesAWholeFileOrLeavesTheOldOne()
    {
        string dir = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), "writer-save-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "model.onnx");
        File.WriteAllText(path, "previous contents");

        SmallGraph().Save(path);
        CollectionAssert.AreEqual(SmallGraph().ToArray(), File.ReadAllBytes(path));

        // A graph that cannot be written (no outputs) fails before touching the existing file.
        var incomplete = new GraphBuilder("incomplete");
        incomplete.Input("x", TensorElementType.Float, [1]);
        Assert.ThrowsExactly<InvalidOperationException>(() => incomplete.Save(path));
        CollectionAssert.AreEqual(SmallGraph().ToArray(), File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { "model.onnx" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray(), "no temporary files are left behind");
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void LargeInitializer_IsStreamedWithoutCopyingTheWeights()
    {
        const int count = 4 * 1024 * 1024; // 16 MiB of float32
        float[] weights = new float[count];
        for (int i = 0; i < count; i++)
        {
            weights[i] = (i % 1000) * 0.001f;
        }

        var g = new GraphBuilder("large");
        GraphValue x = g.Input("x", TensorElementType.Float, [1, 1024]);
        g.Output(g.MatMul(x, g.Initializer("w", weights, [1024, 4096])), TensorElementType.Float, [1, 4096]);
        string path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), "writer-large.onnx");

        g.Save(path); // warm-up (JIT, static state)
        long before = GC.GetAllocatedBytesForCurrentThread();
        g.Save(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Writing 16 MiB must not allocate anything near its size: buffers are 64 KiB (file) + protobuf's.
        Assert.IsTrue(allocated < 1 << 20, $"writing a 16 MiB model allocated {allocated:N0} bytes");
        Assert.IsTrue(new FileInfo(path).Length > 4L * count);

        JsonElement model = OnnxChecker.CheckFile(path);
        CollectionAssert.AreEqual(new long[] { 1024, 4096 }, model.Initializer("w").GetProperty("dims").Longs());
        File.Delete(path);
    }

    [TestMethod]
    public void SymbolicDims_AreWrittenAsDimParams()
    {
        var g = new GraphBuilder("shapes");
        GraphValue x = g.Input("x", TensorElementType.Float, ["batch", "tokens", 8]);
        g.Output(g.Relu(x), TensorElementType.Float, ["batch", "tokens", 8], "y");
        JsonElement model = OnnxChecker.Check(g);
        Assert.AreEqual("batch,tokens,8", OnnxChecker.Dims(model.GetProperty("inputs")[0]));
        Assert.AreEqual("batch,tokens,8", OnnxChecker.Dims(model.GetProperty("outputs")[0]));
        Assert.AreEqual(TensorDim.Named("batch"), (TensorDim)"batch");
        Assert.AreEqual("batch", ((TensorDim)"batch").ToString());
        Assert.AreEqual(-1, ((TensorDim)"batch").Value);
        Assert.AreEqual(8, ((TensorDim)8).Value);
    }

    private static GraphBuilder SmallGraph()
    {
        var g = new GraphBuilder("small");
        g.Metadata["k"] = "v";
        GraphValue x = g.Input("x", TensorElementType.Float, ["batch", 4]);
        GraphValue w = g.Initializer("w", new[] { 1f, -2f, 3.5f, 0.25f, 1e-3f, -1e9f, 7f, 8f }, [2, 4]);
        g.Output(g.Gemm(x, w, transB: true), TensorElementType.Float, ["batch", 2], "y");
        return g;
    }
}
