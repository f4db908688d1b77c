using MLNetAttn.Transforms.Native;
using MLNetAttn.Transforms.Onnx;
using Microsoft.Extensions.Logging;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>
/// CUDA requested where it cannot be used: fall back with a logged reason, or fail naming the package to reference.
/// This project references only the CPU package (Microsoft.ML.OnnxRuntime), whose library has no CUDA entry point:
/// the managed API throws <see cref="EntryPointNotFoundException"/> while the provider is appended.
/// </summary>
[TestClass]
public sealed class OnnxCudaFallbackTests
{
    [TestMethod]
    public void TheCpuPackageIsLoaded()
    {
        // The premise of the other tests: if this fails, the GPU natives reached the test output.
        Assert.IsFalse(OnnxRuntimeInfo.OffersCuda, string.Join(", ", OnnxRuntimeInfo.AvailableProviders));
        Assert.AreEqual(OnnxRuntimeInfo.CpuPackage, OnnxRuntimeInfo.Package);
    }

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
            Assert.AreEqual("CPU", session.ExecutionProvider);
            Assert.IsNotNull(session.FallbackReason);
            StringAssert.Contains(session.FallbackReason, "CPU-only build");
            StringAssert.Contains(session.FallbackReason, "Microsoft.ML.OnnxRuntime package");
            StringAssert.Contains(session.FallbackReason, "OrtSessionOptionsAppendExecutionProvider_CUDA", "the loader's own words are kept");

            var warnings = capture.Messages.Where(m => m.Level == LogLevel.Warning && m.Category == "OnnxRuntime"
                && m.Message.Contains("running on CPU instead", StringComparison.Ordinal)).ToList();
            Assert.HasCount(1, warnings);
            StringAssert.Contains(warnings[0].Message, session.FallbackReason);
            StringAssert.Contains(warnings[0].Message, "tiny_convnet.onnx");
            StringAssert.Contains(warnings[0].Message, "CUDA device 0");

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
    public void WithoutFallbackTheErrorNamesTheGpuPackage()
    {
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() =>
            OnnxSession.FromFile(OnnxFixtures.TinyConvnet, new OnnxSessionOptions { GpuDeviceId = 3, FallbackToCpu = false }));
        StringAssert.Contains(e.Message, "CUDA device 3");
        StringAssert.Contains(e.Message, "tiny_convnet.onnx");
        StringAssert.Contains(e.Message, "Reference the Microsoft.ML.OnnxRuntime.Gpu package (version 1.32.0");
        StringAssert.Contains(e.Message, "FallbackToCpu");
        Assert.AreEqual(OnnxErrorCode.NotImplemented, e.ErrorCode);
        Assert.IsInstanceOfType<EntryPointNotFoundException>(e.InnerException);
    }

    [TestMethod]
    public void CpuRequestHasNoFallbackAndNoWarning()
    {
        var capture = new CapturingLoggerProvider();
        var previous = NativeRuntimeOptions.LoggerFactory;
        NativeRuntimeOptions.LoggerFactory = capture;
        try
        {
            using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet);
            Assert.AreEqual("CPU", session.ExecutionProvider);
            Assert.IsNull(session.FallbackReason);
            Assert.IsFalse(capture.Messages.Any(m => m.Message.Contains("CUDA", StringComparison.Ordinal)),
                string.Join(" | ", capture.Messages.Select(m => m.Message)));
        }
        finally
        {
            NativeRuntimeOptions.LoggerFactory = previous;
        }
    }
}
