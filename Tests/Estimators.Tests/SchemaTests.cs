namespace MLNetAttn.Estimators.Tests;

/// <summary>Fit and GetOutputSchema fail early, naming the column and the expected type (ML.NET's wording).</summary>
[TestClass]
public sealed class SchemaTests
{
    [TestMethod]
    public void MissingInputColumnFailsAtFit()
    {
        var vision = new VisionContext();
        var data = EndToEndTests.Photos(vision);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vision.Transforms.LoadImages("Image", null, "Path").Fit(data));
        StringAssert.Contains(e.Message, "Could not find input column 'Path'");
        StringAssert.Contains(e.Message, "ImagePath: Text");
    }

    [TestMethod]
    public void WrongTypesFailAtFitWithExpectedAndActual()
    {
        var vision = new VisionContext();
        var data = EndToEndTests.Photos(vision);

        // ExtractPixels needs a known size: without ResizeImages it must fail before any image is read.
        var unsized = vision.Transforms.LoadImages("Image", null, "ImagePath").Append(vision.Transforms.ExtractPixels("input", "Image"));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => unsized.Fit(data));
        StringAssert.Contains(e.Message, "Schema mismatch for input column 'Image': expected Image of known size");
        StringAssert.Contains(e.Message, "got Image");

        // The model wants 3x64x64; 3x32x32 pixels are refused at Fit.
        var wrongSize = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ResizeImages("Image", 32, 32))
            .Append(vision.Transforms.ExtractPixels("input", "Image"))
            .Append(vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel() }));
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => wrongSize.Fit(data));
        StringAssert.Contains(e.Message, "Schema mismatch for input column 'input': expected Vector<Single,3,64,64>, got Vector<Single,3,32,32>");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => wrongSize.GetOutputSchema(data.Schema));

        // Resize on a Text column.
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vision.Transforms.ResizeImages("ImagePath", 8, 8).Fit(data));
        StringAssert.Contains(e.Message, "Schema mismatch for input column 'ImagePath': expected Image, got Text");

        // Ten logits, five labels.
        var head = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ResizeImages("Image", 64, 64))
            .Append(vision.Transforms.ExtractPixels("input", "Image"))
            .Append(vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel() }))
            .Append(vision.Transforms.ApplyClassificationHead("logits", labels: ["a", "b", "c", "d", "e"]));
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => head.Fit(data));
        StringAssert.Contains(e.Message, "Schema mismatch for input column 'logits': expected Vector<Single,5>");
    }

    [TestMethod]
    public void OutputSchemaListsEveryColumn()
    {
        var vision = new VisionContext();
        var data = EndToEndTests.Photos(vision);
        var schema = EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).GetOutputSchema(data.Schema);
        Assert.AreEqual("ImagePath: Text, Image: Image<64,64>, Error: Text, input: Vector<Single,3,64,64>, logits: Vector<Single,10>, " +
            "Score: Vector<Single,10>, PredictedLabel: Text, TopKLabels: Vector<Text,3>, TopKScores: Vector<Single,3>, TopKIndices: Vector<Int32,3>", schema.ToString());
        foreach (var column in schema)
            Assert.AreEqual(column.Type, DataViewType.Parse(column.Type.ToString()), "type text round-trips");
    }

    [TestMethod]
    public void OptionsValidateInTheirConstructors()
    {
        var t = new VisionContext().Transforms;
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => t.ResizeImages("x", 0, 10));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => t.ResizeImages("x", 224, 224, resizeSize: 200));
        Assert.ThrowsExactly<ArgumentException>(() => t.ResizeImages("x", 224, 224, resizing: ResizingKind.Fill, resizeSize: 256));
        Assert.ThrowsExactly<ArgumentException>(() => t.ExtractPixels("x", mean: [0.5f, 0.5f]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => t.ExtractPixels("x", std: [1f, 0f, 1f]));
        Assert.ThrowsExactly<ArgumentException>(() => t.ApplyOnnxModel(new OnnxOptions()));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => t.ApplyClassificationHead(topK: 0));
        Assert.HasCount(1000, ClassificationHeadTransformer.ImageNetLabels);
        Assert.AreEqual("tench", ClassificationHeadTransformer.ImageNetLabels[0]);
    }
}
