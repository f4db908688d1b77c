using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// LoadImages → ResizeImages(IsoCrop, resize_size, kernel) → ExtractPixels(1/255, ImageNet mean/std) against
/// torchvision's eval transform (PIL Resize + CenterCrop + ToTensor + Normalize), fixtures from
/// Tests/Reference/make_pipeline_fixtures.py. Expected: identical float32 values (max abs diff 0).
/// </summary>
[TestClass]
public sealed class PreprocessingParityTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void EveryPhotoAndComboMatchesTorchvision()
    {
        var table = TestData.TorchTable;
        var vision = new VisionContext();
        double worstMax = 0;
        foreach (var combo in TestData.Manifest.GetProperty("combos").EnumerateArray())
        {
            var name = combo.GetProperty("name").GetString()!;
            var size = combo.GetProperty("size").GetInt32();
            var resize = combo.GetProperty("resize_size").GetInt32();
            var kernel = Enum.Parse<ResizeKernel>(combo.GetProperty("interpolation").GetString()!, ignoreCase: true);
            var data = vision.Data.LoadFromEnumerable(TestData.Photos.Select(p => new PathRow { ImagePath = Path.Combine(TestData.Images, p) }).ToArray());
            var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath")
                .Append(vision.Transforms.ResizeImages("Image", size, size, resizing: ResizingKind.IsoCrop, interpolation: kernel, resizeSize: resize))
                .Append(vision.Transforms.ExtractPixels("Pixels", "Image", TestData.ImageNetMean, TestData.ImageNetStd));
            var rows = vision.Data.CreateEnumerable<PixelsRow>(pipeline.Fit(data).Transform(data)).ToArray();
            Assert.HasCount(TestData.Photos.Length, rows);
            for (var i = 0; i < rows.Length; i++)
            {
                var expected = TestData.TorchTensor(TestData.Photos[i], name, table);
                Assert.HasCount(expected.Length, rows[i].Pixels);
                double sum = 0, max = 0;
                var differing = 0;
                for (var k = 0; k < expected.Length; k++)
                {
                    var d = Math.Abs((double)rows[i].Pixels[k] - expected[k]);
                    sum += d;
                    max = Math.Max(max, d);
                    if (d > 0) differing++;
                }
                worstMax = Math.Max(worstMax, max);
                TestContext.WriteLine($"{TestData.Photos[i],-22} {name,-20} mean|d| {sum / expected.Length:E2} max|d| {max:E2} differing {differing}/{expected.Length}");
                // Tolerance: exact. Decode, resampling and normalization are all specified to match PIL/torch bit for bit.
                Assert.AreEqual(0.0, max, $"{TestData.Photos[i]} {name}: {differing} values differ from torchvision, max {max}");
            }
        }
        TestContext.WriteLine($"worst max |diff| over all photos and combos: {worstMax}");
    }

    [TestMethod]
    [DataRow(640, 480, 256, 224, 341, 256, 58, 16)]   // landscape: long side int(256*640/480) = 341; left round(117/2) = 58 (58.5 → even)
    [DataRow(480, 640, 256, 224, 256, 341, 16, 58)]
    [DataRow(300, 451, 256, 224, 256, 384, 16, 80)]   // int(256*451/300) = int(384.85) = 384
    [DataRow(225, 224, 224, 224, 225, 224, 0, 0)]     // slack 1: round(0.5) = 0 (half to even)
    [DataRow(227, 224, 224, 224, 227, 224, 2, 0)]     // slack 3: round(1.5) = 2
    public void IsoCropFollowsTorchvisionRounding(int w, int h, int resize, int size, int rw, int rh, int x, int y)
    {
        var plan = ResizePlan.Create(w, h, size, size, ResizingKind.IsoCrop, Anchor.Center, resize);
        Assert.AreEqual(new ResizePlan(rw, rh, x, y), plan);
    }

    [TestMethod]
    public void InterleavedAndBgrLayoutsHoldTheSameValues()
    {
        var vision = new VisionContext();
        var data = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(TestData.Images, "coffee.png") } });
        float[] Extract(bool interleave, MLNetAttn.Transforms.Tensors.ColorOrder order) => vision.Data.CreateEnumerable<PixelsRow>(
            vision.Transforms.LoadImages("Image", null, "ImagePath").Append(vision.Transforms.ResizeImages("Image", 12, 10, resizing: ResizingKind.Fill))
                .Append(vision.Transforms.ExtractPixels("Pixels", "Image", TestData.ImageNetMean, TestData.ImageNetStd, colorOrder: order, interleavePixelColors: interleave))
                .Fit(data).Transform(data)).Single().Pixels;
        var chw = Extract(false, MLNetAttn.Transforms.Tensors.ColorOrder.Rgb);
        var hwc = Extract(true, MLNetAttn.Transforms.Tensors.ColorOrder.Rgb);
        var bgr = Extract(false, MLNetAttn.Transforms.Tensors.ColorOrder.Bgr);
        const int plane = 12 * 10;
        for (var p = 0; p < plane; p++)
            for (var c = 0; c < 3; c++)
            {
                Assert.AreEqual(chw[c * plane + p], hwc[p * 3 + c]);
                Assert.AreEqual(chw[c * plane + p], bgr[(2 - c) * plane + p]);
            }
    }

    [TestMethod]
    public void IsoPadLetterboxesAndFillStretches()
    {
        Assert.AreEqual(new ResizePlan(100, 50, 0, 25), ResizePlan.Create(200, 100, 100, 100, ResizingKind.IsoPad, Anchor.Center, null));
        Assert.AreEqual(new ResizePlan(100, 50, 0, 50), ResizePlan.Create(200, 100, 100, 100, ResizingKind.IsoPad, Anchor.Bottom, null));
        Assert.AreEqual(new ResizePlan(64, 32, 0, 0), ResizePlan.Create(200, 100, 64, 32, ResizingKind.Fill, Anchor.Center, null));

        var vision = new VisionContext();
        var data = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(TestData.Images, "chelsea.png") } });
        var model = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ResizeImages("Image", 40, 40, resizing: ResizingKind.IsoPad, padColor: new RgbColor(1, 2, 3)))
            .Append(vision.Transforms.ExtractPixels("Pixels", "Image", scale: 1f))
            .Fit(data);
        var pixels = vision.Data.CreateEnumerable<PixelsRow>(model.Transform(data)).Single().Pixels;
        // chelsea.png is 451x300 (landscape): the top-left corner is padding.
        Assert.AreEqual(1f, pixels[0]);
        Assert.AreEqual(2f, pixels[40 * 40]);
        Assert.AreEqual(3f, pixels[2 * 40 * 40]);
    }
}
