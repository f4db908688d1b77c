using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// The whole pipeline on the photos with the end-to-end model, against torch's logits for torchvision's
/// preprocessing of the same photos (Tests/Reference/make_pipeline_fixtures.py).
/// </summary>
[TestClass]
public sealed class EndToEndTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>Probabilities within 2e-6 and logits within 1e-5 of torch: the inputs are identical, so only float summation order differs.</summary>
    private const double ProbabilityTolerance = 2e-6, LogitTolerance = 1e-5;

    internal static EstimatorChain<ClassificationHeadTransformer> ExplicitPipeline(VisionContext vision, byte[] model, int batchSize = 16)
        => vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ResizeImages("Image", 64, 64, interpolation: MLNetAttn.Transforms.Imaging.ResizeKernel.Bicubic, resizeSize: 73))
            .Append(vision.Transforms.ExtractPixels("input", "Image", TestData.ImageNetMean, TestData.ImageNetStd))
            .Append(vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = model, BatchSize = batchSize }))
            .Append(vision.Transforms.ApplyClassificationHead("logits", topK: 3, labels: TestData.TenLabels));

    internal static IDataView Photos(VisionContext vision)
        => vision.Data.LoadFromEnumerable(TestData.Photos.Select(p => new PathRow { ImagePath = Path.Combine(TestData.Images, p) }).ToArray());

    [TestMethod]
    public void ScoresMatchTorchReference()
    {
        var vision = new VisionContext();
        var data = Photos(vision);
        var predictions = vision.Data.CreateEnumerable<Prediction>(ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data).Transform(data)).ToArray();
        AssertMatchesReference(predictions);
    }

    [TestMethod]
    public void ApplyBackboneReadsMetadataAndMatchesTorch()
    {
        var folder = TestData.TempFolder();
        try
        {
            var path = Path.Combine(folder, "e2e.onnx");
            File.WriteAllBytes(path, TestData.EndToEndModel(new Dictionary<string, string>
            {
                [OnnxMetadataKeys.ModelName] = "e2e.test",
                [OnnxMetadataKeys.Resolution] = "64,64",
                ["resize_size"] = "73",
                [OnnxMetadataKeys.Interpolation] = "bicubic",
                [OnnxMetadataKeys.Mean] = "0.485,0.456,0.406",
                [OnnxMetadataKeys.Std] = "0.229,0.224,0.225",
                [OnnxMetadataKeys.CropPct] = "0.875",
            }));
            var vision = new VisionContext();
            var data = Photos(vision);
            var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath")
                .Append(vision.Transforms.ApplyBackbone(path, "Image"))
                .Append(vision.Transforms.ApplyClassificationHead("logits", topK: 3, labels: TestData.TenLabels));
            var predictions = vision.Data.CreateEnumerable<Prediction>(pipeline.Fit(data).Transform(data)).ToArray();
            AssertMatchesReference(predictions);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void BackboneSpecFromMetadataFallsBackAsTimmDoes()
    {
        var spec = BackboneSpec.FromOnnxMetadata(new Dictionary<string, string> { ["resolution"] = "224,224", ["crop_pct"] = "0.95" }, [-1, 3, 224, 224], "m");
        Assert.AreEqual(235, spec.ResizeSize); // floor(224 / 0.95) = floor(235.78)
        Assert.AreEqual(MLNetAttn.Transforms.Imaging.ResizeKernel.Bicubic, spec.Interpolation);
        var fromDims = BackboneSpec.FromOnnxMetadata(new Dictionary<string, string>(), [-1, 3, 96, 128], "m");
        Assert.AreEqual((96, 128, 128), (fromDims.Height, fromDims.Width, fromDims.ResizeSize));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => BackboneSpec.FromOnnxMetadata(new Dictionary<string, string> { ["resolution"] = "224", ["mean"] = "0.5,x,0.5" }, [-1, 3, -1, -1], "m"));
        StringAssert.Contains(e.Message, "'mean'");
        Assert.ThrowsExactly<InvalidDataException>(() => BackboneSpec.FromOnnxMetadata(new Dictionary<string, string>(), [-1, 3, -1, -1], "m"));
        var card = BackboneSpec.FromCard(MLNetAttn.Zoo.ModelZoo.All[0]);
        Assert.AreEqual(MLNetAttn.Zoo.ModelZoo.All[0].ResizeSize, card.ResizeSize);
    }

    internal void AssertMatchesReference(Prediction[] predictions, bool log = true)
    {
        var expected = TestData.Manifest.GetProperty("e2e").EnumerateArray().ToArray();
        Assert.HasCount(expected.Length, predictions);
        double worstP = 0, worstL = 0;
        for (var i = 0; i < predictions.Length; i++)
        {
            var top1 = expected[i].GetProperty("top1").GetInt32();
            var probabilities = expected[i].GetProperty("probabilities").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var logits = expected[i].GetProperty("logits").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.IsNull(predictions[i].Error);
            Assert.AreEqual($"class{top1}", predictions[i].PredictedLabel, TestData.Photos[i]);
            Assert.AreEqual(top1, predictions[i].TopKIndices[0]);
            var dp = probabilities.Select((p, k) => Math.Abs(p - predictions[i].Score[k])).Max();
            var dl = logits.Select((l, k) => Math.Abs(l - predictions[i].Logits[k])).Max();
            worstP = Math.Max(worstP, dp);
            worstL = Math.Max(worstL, dl);
            if (log) TestContext.WriteLine($"{TestData.Photos[i],-22} top1 {predictions[i].PredictedLabel} p={predictions[i].Score[top1]:F6} max|dp| {dp:E2} max|dlogit| {dl:E2}");
            Assert.IsLessThanOrEqualTo(ProbabilityTolerance, dp);
            Assert.IsLessThanOrEqualTo(LogitTolerance, dl);
        }
        if (log) TestContext.WriteLine($"worst: |dp| {worstP:E2}, |dlogit| {worstL:E2}");
    }
}
