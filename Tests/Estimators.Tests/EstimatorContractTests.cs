namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// The contract every estimator keeps (after ML.NET's TestEstimatorCore): the schema it announces is the one its
/// transformer produces and the data carries; invalid input fails both GetOutputSchema and Fit; save → load keeps it.
/// </summary>
[TestClass]
public sealed class EstimatorContractTests
{
    private static void TestEstimatorCore(VisionContext vision, IEstimator<ITransformer> estimator, IDataView valid, IDataView invalid)
    {
        var announced = estimator.GetOutputSchema(valid.Schema);
        var transformer = estimator.Fit(valid);
        Assert.AreEqual(announced.ToString(), transformer.GetOutputSchema(valid.Schema).ToString());
        var output = transformer.Transform(valid);
        Assert.AreEqual(announced.ToString(), output.Schema.ToString());
        foreach (var batch in output.GetBatches(new BatchingOptions { BatchSize = 2 }))
        {
            using (batch)
            {
                for (var c = 0; c < announced.Count; c++)
                    Assert.IsTrue(batch.HasValues(c), $"column '{announced[c].Name}' has no values");
            }
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(invalid.Schema));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(invalid));

        using var stream = new MemoryStream();
        vision.Model.Save(transformer, valid.Schema, stream);
        stream.Position = 0;
        var loaded = vision.Model.Load(stream, out var schema);
        Assert.AreEqual(valid.Schema.ToString(), schema.ToString());
        Assert.AreEqual(announced.ToString(), loaded.GetOutputSchema(schema).ToString());
    }

    [TestMethod]
    public void EveryEstimatorKeepsTheContract()
    {
        var vision = new VisionContext();
        var t = vision.Transforms;
        var paths = EndToEndTests.Photos(vision);
        var wrong = vision.Data.LoadFromEnumerable(new[] { new PixelsRow { Pixels = [1f] } });

        var load = t.LoadImages("Image", null, "ImagePath");
        TestEstimatorCore(vision, load, paths, wrong);
        var images = load.Fit(paths).Transform(paths);

        var resize = t.ResizeImages("Image", 64, 64, interpolation: MLNetAttn.Transforms.Imaging.ResizeKernel.Bicubic, resizeSize: 73);
        TestEstimatorCore(vision, resize, images, paths);
        var resized = resize.Fit(images).Transform(images);

        var extract = t.ExtractPixels("input", "Image", TestData.ImageNetMean, TestData.ImageNetStd);
        TestEstimatorCore(vision, extract, resized, images); // unsized images are invalid input
        var pixels = extract.Fit(resized).Transform(resized);

        var onnx = t.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel() });
        TestEstimatorCore(vision, onnx, pixels, resized);
        var logits = onnx.Fit(pixels).Transform(pixels);

        TestEstimatorCore(vision, t.ApplyClassificationHead("logits", labels: TestData.TenLabels), logits, pixels);
    }
}
