using System.Runtime.InteropServices;
using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>Caller-allocated outputs and I/O binding give the same numbers as runtime-allocated outputs.</summary>
[TestClass]
public sealed class OnnxOutputBindingTests
{
    private const float Tolerance = 1e-5f; // same reference and reasoning as OnnxSessionTests

    [TestMethod]
    public void PreallocatedOutputsMatchNumpy()
    {
        var x = OnnxFixtures.Expected("tiny_convnet.json");
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        var logits = new float[4 * 5];
        Array.Fill(logits, float.NaN);
        using var input = OnnxTensor.FromArray(x["input"].Floats(), 4, 3, 8, 8);
        using var output = OnnxTensor.FromArray(logits, 4, 5);
        session.Run(new Dictionary<string, OnnxTensor> { ["input"] = input }, new Dictionary<string, OnnxTensor> { ["logits"] = output });
        OnnxSessionTests.AssertClose(x["logits"].Floats(), logits, Tolerance);
    }

    [TestMethod]
    public void PreallocatedOutputOfWrongTypeIsRejected()
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var input = OnnxTensor.FromArray(new float[3 * 8 * 8], 1, 3, 8, 8);
        using var output = OnnxTensor.FromArray(new long[5], 1, 5);
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            session.Run(new Dictionary<string, OnnxTensor> { ["input"] = input }, new Dictionary<string, OnnxTensor> { ["logits"] = output }));
        StringAssert.Contains(e.Message, "output 'logits'");
    }

    [TestMethod]
    public unsafe void UnmanagedMemoryWorksAsInputAndOutput()
    {
        // Caller memory that the GC does not own: a MemoryManager over native memory.
        var x = OnnxFixtures.Expected("tiny_convnet.json");
        var source = x["input"].Floats();
        using var inputMemory = new NativeMemoryManager<float>(source.Length);
        using var outputMemory = new NativeMemoryManager<float>(20);
        source.CopyTo(inputMemory.GetSpan());
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var input = OnnxTensor.FromMemory(inputMemory.Memory, [4, 3, 8, 8]);
        using var output = OnnxTensor.FromMemory(outputMemory.Memory, [4, 5]);
        session.Run(new Dictionary<string, OnnxTensor> { ["input"] = input }, new Dictionary<string, OnnxTensor> { ["logits"] = output });
        OnnxSessionTests.AssertClose(x["logits"].Floats(), outputMemory.GetSpan(), Tolerance);
    }

    [TestMethod]
    public void IoBindingMatchesAndReusesBuffers()
    {
        var x = OnnxFixtures.Expected("tiny_convnet.json");
        var all = x["input"].Floats();
        var expected = x["logits"].Floats();
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        var pixels = new float[3 * 8 * 8];
        var logits = new float[5];
        using var input = OnnxTensor.FromArray(pixels, 1, 3, 8, 8);
        using var output = OnnxTensor.FromArray(logits, 1, 5);
        using var binding = session.CreateIoBinding();
        binding.BindInput("input", input);
        binding.BindOutput("logits", output);

        // Bound once, run per image: rewrite the input buffer in place, read the output buffer after each run.
        for (var n = 0; n < 4; n++)
        {
            all.AsSpan(n * pixels.Length, pixels.Length).CopyTo(pixels);
            binding.Run();
            OnnxSessionTests.AssertClose(expected.AsSpan(n * 5, 5), logits, Tolerance);
        }
    }

    [TestMethod]
    public void IoBindingValidatesAndReportsRuntimeErrors()
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        using var binding = session.CreateIoBinding();
        using var wrong = OnnxTensor.FromArray(new float[8 * 8], 1, 1, 8, 8);
        var e = Assert.ThrowsExactly<ArgumentException>(() => binding.BindInput("input", wrong));
        StringAssert.Contains(e.Message, "'input'");
        Assert.ThrowsExactly<ArgumentException>(() => binding.BindOutput("nope", wrong));

        // Nothing bound: the runtime refuses, and says so through OnnxRuntimeException.
        binding.Clear();
        var r = Assert.ThrowsExactly<OnnxRuntimeException>(binding.Run);
        StringAssert.Contains(r.Message, "I/O binding");
        binding.Dispose();
        binding.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(binding.Run);
    }

    [TestMethod]
    public void BindingOutlivesTheSessionAndTensorsItHolds()
    {
        var x = OnnxFixtures.Expected("tiny_convnet.json");
        var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
        var logits = new float[20];
        var input = OnnxTensor.FromArray(x["input"].Floats(), 4, 3, 8, 8);
        using var output = OnnxTensor.FromArray(logits, 4, 5);
        using var binding = session.CreateIoBinding();
        binding.BindInput("input", input);
        binding.BindOutput("logits", output);

        // The caller drops its input tensor early: the binding still holds the value (and its pin).
        input.Dispose();
        binding.Run();
        OnnxSessionTests.AssertClose(x["logits"].Floats(), logits, Tolerance);

        // A disposed session refuses to run, but its binding is still released cleanly afterwards.
        session.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(binding.Run);
    }

    /// <summary>Memory&lt;T&gt; over native memory, freed on dispose.</summary>
    private sealed unsafe class NativeMemoryManager<T>(int length) : System.Buffers.MemoryManager<T> where T : unmanaged
    {
        private readonly T* _pointer = (T*)NativeMemory.AllocZeroed((nuint)length, (nuint)sizeof(T));

        public override Span<T> GetSpan() => new(_pointer, length);

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) => NativeMemory.Free(_pointer);
    }
}
