using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// GPU requests: with fallbackToCpu the model runs on CPU and the reason is logged; without, loading fails naming the
/// GPU package. The tests reference only the CPU package (Microsoft.ML.OnnxRuntime), so here CUDA is never available.
/// </summary>
[TestClass]
public sealed class OnnxDeviceTests
{
    [TestMethod]
    public void GpuRequestFallsBackToCpuWithALoggedReason()
    {
        var log = new CapturingLoggerFactory();
        var vision = new VisionContext(loggerFactory: log);
        var scorer = vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel(), GpuDeviceId = 0, FallbackToCpu = true, IntraOpNumThreads = 1 });
        Assert.AreEqual("CPU", scorer.Model.ExecutionProvider);
        Assert.IsTrue(log.Messages.Any(m => m.Level == Microsoft.Extensions.Logging.LogLevel.Warning && m.Message.Contains("running on CPU")
                && m.Message.Contains("CPU-only build")),
            string.Join("\n", log.Messages.Select(m => m.Message)));

        // And it scores like a CPU session.
        var data = EndToEndTests.Photos(vision);
        var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ResizeImages("Image", 64, 64, interpolation: MLNetAttn.Transforms.Imaging.ResizeKernel.Bicubic, resizeSize: 73))
            .Append(vision.Transforms.ExtractPixels("input", "Image", TestData.ImageNetMean, TestData.ImageNetStd))
            .Append(scorer)
            .Append(vision.Transforms.ApplyClassificationHead("logits", topK: 3, labels: TestData.TenLabels));
        new EndToEndTests { TestContext = null! }.AssertMatchesReference(vision.Data.CreateEnumerable<Prediction>(pipeline.Fit(data).Transform(data)).ToArray(), log: false);
    }

    [TestMethod]
    public void GpuRequestWithoutFallbackFails()
    {
        var vision = new VisionContext();
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() =>
            vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel(), GpuDeviceId = 0 }));
        StringAssert.Contains(e.Message, "CUDA device 0");
        StringAssert.Contains(e.Message, "Microsoft.ML.OnnxRuntime.Gpu");
    }
}
