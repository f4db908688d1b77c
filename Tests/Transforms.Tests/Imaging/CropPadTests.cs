using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

[TestClass]
public sealed class CropPadTests
{
    [TestMethod]
    public void CropCopiesTheRectangle()
    {
        using var image = ImageDecoder.Decode(ImagingFixtures.Photo("chelsea.png"));
        using var crop = image.Crop(200, 100, 32, 24);
        Assert.AreEqual(32, crop.Width);
        Assert.AreEqual(24, crop.Height);
        for (var y = 0; y < 24; y++)
            CollectionAssert.AreEqual(image.GetRow(100 + y).Slice(200 * 3, 32 * 3).ToArray(), crop.GetRow(y).ToArray(), $"row {y}");
    }

    [TestMethod]
    public void CropOutsideTheImageIsRefused()
    {
        using var image = ImageDecoder.Decode(ImagingFixtures.Fixture("grey.png"));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.Crop(30, 0, 20, 10));
        StringAssert.Contains(e.Message, "40x30");
    }

    [TestMethod]
    public void PadPlacesTheImageOnTheBackground()
    {
        using var image = ImageDecoder.Decode(ImagingFixtures.Fixture("grey.png"));
        var background = new RgbColor(12, 34, 56);
        using var padded = image.Pad(5, 3, 50, 40, background);
        Assert.AreEqual(50, padded.Width);
        Assert.AreEqual(40, padded.Height);
        for (var y = 0; y < 40; y++)
        {
            for (var x = 0; x < 50; x++)
            {
                var inside = x >= 5 && x < 45 && y >= 3 && y < 33;
                var expected = inside ? image[x - 5, y - 3] : (background.R, background.G, background.B);
                Assert.AreEqual(expected, padded[x, y], $"pixel ({x},{y})");
            }
        }
    }
}
