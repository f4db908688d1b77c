using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// GPU requests: with fallbackToCpu the model runs on CPU and the reason is logged; without, loading fails. The
/// bundled ONNX Runtime is a CPU build, so here CUDA is always unavailable; on a CUDA build the first test is inconclusive.
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
        if (scorer.Model.ExecutionProvider == "CUDA")
            Assert.Inconclusive("This ONNX Runtime has a working CUDA provider; the fallback path cannot be exercised here.");
        Assert.AreEqual("CPU", scorer.Model.ExecutionProvider);
        Assert.IsTrue(log.Messages.Any(m => m.Level == Microsoft.Extensions.Logging.LogLevel.Warning && m.Message.Contains("running on CPU")),
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
        try
        {
            var scorer = vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel(), GpuDeviceId = 0 });
            Assert.AreEqual("CUDA", scorer.Model.ExecutionProvider, "without fallback a session that loads must be on CUDA");
        }
        catch (OnnxRuntimeException e)
        {
            Assert.IsFalse(string.IsNullOrEmpty(e.Message));
        }
    }
}
