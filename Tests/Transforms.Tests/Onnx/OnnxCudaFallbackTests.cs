using MLNetAttn.Transforms.Native;
using MLNetAttn.Transforms.Onnx;
using Microsoft.Extensions.Logging;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>
/// CUDA requested where it cannot be used: fall back with a logged reason, or fail when asked to. The bundled
/// 1.30 build lists the CUDA provider but ships without its provider libraries, so here the runtime refuses
/// while the provider is appended.
/// </summary>
[TestClass]
public sealed class OnnxCudaFallbackTests
{

    [TestMethod]
    public void FallsBackToCpuAndLogsTheReason()
    {
        var x = OnnxFixtures.Expected("tiny_convnet.json");
        var capture = new CapturingLoggerProvider();
        var previous = NativeRuntimeOptions.LoggerFactory;
        NativeRuntimeOptions.LoggerFactory = capture;
        try
        {
            using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet, new OnnxSessionOptions { GpuDeviceId = 0 });
            if (session.ExecutionProvider == "CUDA")
                Assert.Inconclusive($"CUDA is usable with {OnnxRuntimeInfo.LibraryPath}; this test needs a machine where it is not.");
            Assert.AreEqual("CPU", session.ExecutionProvider);
            Assert.IsFalse(string.IsNullOrWhiteSpace(session.FallbackReason));

            var warnings = capture.Messages.Where(m => m.Level == LogLevel.Warning && m.Category == "OnnxRuntime").ToList();
            Assert.HasCount(1, warnings.Where(w => w.Message.Contains("running on CPU instead", StringComparison.Ordinal)).ToList());
            StringAssert.Contains(warnings[0].Message, session.FallbackReason);
            StringAssert.Contains(warnings[0].Message, "tiny_convnet.onnx");

            // And it still computes the right thing.
            using var input = OnnxTensor.FromArray(x["input"].Floats(), 4, 3, 8, 8);
            using var results = session.Run("input", input);
            OnnxSessionTests.AssertClose(x["logits"].Floats(), results[0].GetSpan<float>(), 1e-5f);
        }
        finally
        {
            NativeRuntimeOptions.LoggerFactory = previous;
        }
    }

    [TestMethod]
    public void WithoutFallbackCudaFailureThrows()
    {
        OnnxRuntimeException e;
        try
        {
            using var usable = OnnxSession.FromFile(OnnxFixtures.TinyConvnet, new OnnxSessionOptions { GpuDeviceId = 0, FallbackToCpu = false });
            Assert.Inconclusive($"CUDA is usable with {OnnxRuntimeInfo.LibraryPath}; this test needs a machine where it is not.");
            return;
        }
        catch (OnnxRuntimeException thrown)
        {
            e = thrown;
        }
        StringAssert.Contains(e.Message, "CUDA device 0");
        StringAssert.Contains(e.Message, "tiny_convnet.onnx");
        StringAssert.Contains(e.Message, "FallbackToCpu");
        Assert.AreNotEqual(OnnxErrorCode.Ok, e.ErrorCode);
    }
}
