using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

[TestClass]
public sealed class EncodeTests
{
    private static RgbImage Photo() => ImageDecoder.Decode(ImagingFixtures.Photo("chelsea.png"));

    [TestMethod]
    [DataRow(ImageFormat.Png, false)]
    [DataRow(ImageFormat.Tiff, false)]
    [DataRow(ImageFormat.WebP, true)]
    public void LosslessFormatsRoundTripExactly(ImageFormat format, bool lossless)
    {
        using var image = Photo();
        var bytes = ImageEncoder.Encode(image, format, new ImageEncodeOptions { Lossless = lossless });
        using var back = ImageDecoder.Decode(bytes, $"{format} round trip");
        Assert.AreEqual(image.Width, back.Width);
        Assert.AreEqual(image.Height, back.Height);
        CollectionAssert.AreEqual(image.Pixels.ToArray(), back.Pixels.ToArray(), $"{format} did not round-trip exactly");
    }

    [TestMethod]
    [DataRow(ImageFormat.Jpeg, 2.5, 40)]
    [DataRow(ImageFormat.WebP, 3.0, 60)]
    [DataRow(ImageFormat.Gif, 4.0, 100)]
    public void LossyFormatsRoundTripWithinBounds(ImageFormat format, double meanBound, int maxBound)
    {
        // Bounds (mean, max abs difference per byte) at the default quality 90; GIF quantizes to 256 colours.
        // Measured on chelsea.png: JPEG mean 1.76 / max 19, WebP 1.88 / 21, GIF 1.87 / 49.
        using var image = Photo();
        var bytes = ImageEncoder.Encode(image, format);
        using var back = ImageDecoder.Decode(bytes, $"{format} round trip");
        Assert.AreEqual(image.Width, back.Width);
        Assert.AreEqual(image.Height, back.Height);
        var (mean, max) = ImagingFixtures.Diff(image.Pixels, back.Pixels);
        Console.WriteLine($"{format}: {bytes.Length} bytes, mean {mean:F3}, max {max}");
        Assert.IsLessThan(meanBound, mean, $"{format} mean difference {mean:F3}");
        Assert.IsLessThanOrEqualTo(maxBound, max, $"{format} max difference {max}");
        Assert.IsGreaterThan(0.0, mean, $"{format} should be lossy here; an exact result means the test is not testing it");
    }

    [TestMethod]
    public void SavesToAFileThatDecodesBack()
    {
        using var image = Photo();
        var path = Path.Combine(Path.GetTempPath(), $"mlnetattn-{Guid.NewGuid():N}.png");
        try
        {
            ImageEncoder.Save(image, path, ImageFormat.Png);
            using var back = ImageDecoder.Decode(path);
            CollectionAssert.AreEqual(image.Pixels.ToArray(), back.Pixels.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SavingToAnImpossiblePathNamesIt()
    {
        using var image = Photo();
        var path = "/nonexistent-folder/out.png";
        var e = Assert.ThrowsExactly<VipsException>(() => ImageEncoder.Save(image, path, ImageFormat.Png));
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void JpegQualityIsValidated()
    {
        using var image = Photo();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageEncoder.Encode(image, ImageFormat.Jpeg, new ImageEncodeOptions { Quality = 0 }));
    }
}
