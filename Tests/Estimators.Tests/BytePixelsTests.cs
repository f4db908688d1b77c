using System.IO.Compression;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Tensors;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// <c>ExtractPixels(outputAsFloatArray: false)</c>: the resized bytes unchanged, for graphs that take uint8 pixels.
/// Checked against the bytes PIL's Resize + CenterCrop give (Tests/Reference/make_pipeline_fixtures.py).
/// </summary>
[TestClass]
public sealed class BytePixelsTests
{
    [TestMethod]
    public void PlanarBytesEqualPilsResizedPixels()
    {
        var vision = new VisionContext();
        foreach (var combo in TestData.Manifest.GetProperty("combos").EnumerateArray())
        {
            var name = combo.GetProperty("name").GetString()!;
            var size = combo.GetProperty("size").GetInt32();
            var kernel = Enum.Parse<ResizeKernel>(combo.GetProperty("interpolation").GetString()!, ignoreCase: true);
            var data = vision.Data.LoadFromEnumerable(TestData.Photos.Select(p => new PathRow { ImagePath = Path.Combine(TestData.Images, p) }).ToArray());
            var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath")
                .Append(vision.Transforms.ResizeImages("Image", size, size, resizing: ResizingKind.IsoCrop, interpolation: kernel, resizeSize: combo.GetProperty("resize_size").GetInt32()))
                .Append(vision.Transforms.ExtractPixels("Pixels", "Image", outputAsFloatArray: false));
            var transformed = pipeline.Fit(data).Transform(data);
            Assert.AreEqual($"Vector<Byte,3,{size},{size}>", transformed.Schema["Pixels"].Type.ToString());
            var rows = vision.Data.CreateEnumerable<BytePixelsRow>(transformed).ToArray();
            for (var i = 0; i < rows.Length; i++)
            {
                // Tolerance: exact; the bytes are PIL's.
                CollectionAssert.AreEqual(PilBytes(TestData.Photos[i], name), rows[i].Pixels, $"{TestData.Photos[i]} {name}");
            }
        }
    }

    [TestMethod]
    public void InterleavedAndBgrBytesHoldThePlanarValues()
    {
        var vision = new VisionContext();
        var data = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(TestData.Images, "chelsea.png") } });
        byte[] Extract(bool interleave, ColorOrder order) => vision.Data.CreateEnumerable<BytePixelsRow>(
            vision.Transforms.LoadImages("Image", null, "ImagePath").Append(vision.Transforms.ResizeImages("Image", 12, 10, resizing: ResizingKind.Fill))
                .Append(vision.Transforms.ExtractPixels("Pixels", "Image", colorOrder: order, interleavePixelColors: interleave, outputAsFloatArray: false))
                .Fit(data).Transform(data)).Single().Pixels;
        var chw = Extract(false, ColorOrder.Rgb);
        var hwc = Extract(true, ColorOrder.Rgb);
        var bgr = Extract(false, ColorOrder.Bgr);
        var bgrHwc = Extract(true, ColorOrder.Bgr);
        const int plane = 12 * 10;
        Assert.IsTrue(chw.Distinct().Count() > 20, "a real photo, not a flat image");
        for (var p = 0; p < plane; p++)
            for (var c = 0; c < 3; c++)
            {
                Assert.AreEqual(chw[c * plane + p], hwc[p * 3 + c]);
                Assert.AreEqual(chw[c * plane + p], bgr[(2 - c) * plane + p]);
                Assert.AreEqual(chw[c * plane + p], bgrHwc[p * 3 + 2 - c]);
            }
    }

    [TestMethod]
    public void ByteOutputRefusesNormalization()
    {
        var vision = new VisionContext();
        var error = Assert.ThrowsExactly<ArgumentException>(() => vision.Transforms.ExtractPixels("input", "Image", TestData.ImageNetMean, TestData.ImageNetStd, outputAsFloatArray: false));
        StringAssert.Contains(error.Message, "'input'");
        StringAssert.Contains(error.Message, "0.485");
        Assert.ThrowsExactly<ArgumentException>(() => vision.Transforms.ExtractPixels("input", "Image", scale: 1f, outputAsFloatArray: false));
    }

    [TestMethod]
    public void ByteOutputIsSavedWithThePipeline()
    {
        var folder = TestData.TempFolder();
        try
        {
            var vision = new VisionContext();
            var data = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(TestData.Images, "rocket.jpg") } });
            var model = vision.Transforms.LoadImages("Image", null, "ImagePath").Append(vision.Transforms.ResizeImages("Image", 16, 16))
                .Append(vision.Transforms.ExtractPixels("Pixels", "Image", outputAsFloatArray: false)).Fit(data);
            var path = Path.Combine(folder, "pipeline.zip");
            vision.Model.Save(model, data.Schema, path);
            var loaded = new VisionContext().Model.Load(path, out _);
            var before = vision.Data.CreateEnumerable<BytePixelsRow>(model.Transform(data)).Single().Pixels;
            var after = vision.Data.CreateEnumerable<BytePixelsRow>(loaded.Transform(data)).Single().Pixels;
            Assert.AreEqual("Vector<Byte,3,16,16>", loaded.Transform(data).Schema["Pixels"].Type.ToString());
            CollectionAssert.AreEqual(before, after);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static byte[] PilBytes(string photo, string combo)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(TestData.Pipeline, $"{photo}.{combo}.u8.gz")), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gz.CopyTo(bytes);
        return bytes.ToArray();
    }
}

/// <summary>Byte pixels out of a pipeline.</summary>
public sealed class BytePixelsRow
{
    /// <summary>The tensor row.</summary>
    public byte[] Pixels { get; set; } = [];
}
