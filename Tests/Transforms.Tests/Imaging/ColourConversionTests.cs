using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>Every input kind comes out as 3-band 8-bit sRGB with the documented values (fixtures are 40x30).</summary>
[TestClass]
public sealed class ColourConversionTests
{
    private static RgbImage Decode(string name, ImageDecodeOptions? options = null) => ImageDecoder.Decode(ImagingFixtures.Fixture(name), options);

    private static void AssertEqualsPil(string name, RgbImage image)
    {
        var expected = ImagingManifest.Synthetic(name);
        Assert.AreEqual(expected.GetProperty("width").GetInt32(), image.Width, $"{name} width");
        Assert.AreEqual(expected.GetProperty("height").GetInt32(), image.Height, $"{name} height");
        var (mean, max) = ImagingFixtures.Diff(image.Pixels, ImagingFixtures.Raw(name + ".expected.rgb"));
        Assert.AreEqual(0, max, $"{name} differs from PIL's convert(\"RGB\"): mean {mean:F3}, max {max}");
    }

    [TestMethod]
    [DataRow("grey.png")]
    [DataRow("palette.png")]
    [DataRow("cmyk.jpg")]
    public void ConvertsLikePil(string name)
    {
        using var image = Decode(name);
        AssertEqualsPil(name, image);
    }

    [TestMethod]
    public void GreyIsCopiedToThreeBands()
    {
        using var image = Decode("grey.png");
        for (var x = 0; x < image.Width; x++)
        {
            var (r, g, b) = image[x, 7];
            Assert.AreEqual(x * 255 / 39, r);
            Assert.AreEqual(r, g);
            Assert.AreEqual(r, b);
        }
    }

    [TestMethod]
    public void CmykUsesPilsNaiveFormula()
    {
        // R = (255 - K) - round(C (255 - K) / 255): pure cyan (C=255, K=0) -> R 0; C=0, K=0 -> 255.
        Span<byte> rgb = stackalloc byte[6];
        VipsToRgb.CmykToRgb([255, 0, 128, 0, 0, 0, 0, 255], rgb);
        CollectionAssert.AreEqual(new byte[] { 0, 255, 127, 0, 0, 0 }, rgb.ToArray());
    }

    [TestMethod]
    [DataRow("rgba.png")]
    [DataRow("grey_alpha.png")]
    public void AlphaDroppedLikePilWhenNoBackground(string name)
    {
        using var image = Decode(name, new ImageDecodeOptions { Background = null });
        AssertEqualsPil(name, image);
    }

    [TestMethod]
    [DataRow("rgba.png", 255, 255, 255)]
    [DataRow("rgba.png", 0, 0, 0)]
    [DataRow("rgba.png", 10, 200, 90)]
    [DataRow("grey_alpha.png", 255, 255, 255)]
    [DataRow("rgba16.png", 255, 255, 255)]
    [DataRow("rgba16.png", 10, 200, 90)]
    public void AlphaIsFlattenedOntoTheBackground(string name, int br, int bg, int bb)
    {
        // Expected: v * a / 255 + background * (255 - a) / 255, within 1 level (libvips rounds in float).
        // rgba16.png holds rgba.png's 8-bit values times 257, so it must land on the same result.
        var background = new RgbColor((byte)br, (byte)bg, (byte)bb);
        using var image = Decode(name, new ImageDecodeOptions { Background = background });
        var straight = ImagingFixtures.Raw((name == "rgba16.png" ? "rgba.png" : name) + ".expected.rgb");
        var max = 0;
        for (var y = 0; y < image.Height; y++)
        {
            var alpha = y * 255 / 29;
            for (var x = 0; x < image.Width; x++)
            {
                var (r, g, b) = image[x, y];
                var i = (y * image.Width + x) * 3;
                int[] got = [r, g, b];
                int[] bgc = [br, bg, bb];
                for (var c = 0; c < 3; c++)
                {
                    var expected = (straight[i + c] * alpha + bgc[c] * (255 - alpha)) / 255.0;
                    max = Math.Max(max, (int)Math.Ceiling(Math.Abs(got[c] - expected)));
                }
            }
        }
        Assert.IsLessThanOrEqualTo(1, max, $"{name} on ({br},{bg},{bb}): max deviation {max} from the compositing formula");
        // The default background is white.
        using var byDefault = Decode(name);
        if (background == RgbColor.White)
            CollectionAssert.AreEqual(image.Pixels.ToArray(), byDefault.Pixels.ToArray());
    }

    [TestMethod]
    public void TransparentPaletteEntryIsFlattenedOrDropped()
    {
        using var dropped = Decode("palette_trns.png", new ImageDecodeOptions { Background = null });
        AssertEqualsPil("palette_trns.png", dropped);

        // Index 0 is transparent: those pixels become the background, all others keep their colour.
        using var flattened = Decode("palette_trns.png", new ImageDecodeOptions { Background = new RgbColor(1, 2, 3) });
        using var opaque = Decode("palette.png");
        var changed = 0;
        for (var y = 0; y < 30; y++)
        {
            for (var x = 0; x < 40; x++)
            {
                if (flattened[x, y] == ((byte)1, (byte)2, (byte)3))
                    changed++;
                else
                    Assert.AreEqual(opaque[x, y], flattened[x, y], $"opaque pixel ({x},{y}) changed");
            }
        }
        Assert.AreEqual(96, changed, "the generator's palette_trns.png has 96 pixels of index 0");
    }

    [TestMethod]
    public void Rgb16IsScaledToEightBits()
    {
        // Samples v (16-bit) come out as v >> 8 (= floor(v / 256)), the high byte; PIL also keeps the high byte.
        using var image = Decode("rgb16.png");
        var raw = ImagingFixtures.Raw("rgb16.raw16");
        var pixels = image.Pixels;
        for (var i = 0; i < pixels.Length; i++)
        {
            var v = raw[2 * i] | raw[2 * i + 1] << 8;
            Assert.AreEqual(v >> 8, pixels[i], $"sample {i}: 16-bit {v}");
        }
        AssertEqualsPil("rgb16.png", image);
    }

    [TestMethod]
    public void Grey16IsScaledNotClipped()
    {
        // grey16.png holds g * 257 for the 8-bit ramp g; scaling gives back g. PIL opens it as 32-bit "I" and
        // clips to 255 on convert("RGB"), so nearly every pixel would be white there: a deliberate difference.
        Assert.AreEqual("I", ImagingManifest.Synthetic("grey16.png").GetProperty("pil_mode").GetString());
        using var image = Decode("grey16.png");
        using var grey8 = Decode("grey.png");
        CollectionAssert.AreEqual(grey8.Pixels.ToArray(), image.Pixels.ToArray());
    }

    [TestMethod]
    public void ExifOrientationSixComesOutUpright()
    {
        using var image = Decode("exif6.jpg");
        Assert.AreEqual(30, image.Width);
        Assert.AreEqual(40, image.Height);
        // Stored top-left red block -> displayed top-right; stored bottom-left blue -> displayed top-left.
        var (r, g, b) = image[25, 4];
        Assert.IsTrue(r > 200 && g < 60 && b < 60, $"top-right should be red, is ({r},{g},{b})");
        (r, g, b) = image[4, 4];
        Assert.IsTrue(b > 200 && r < 60 && g < 60, $"top-left should be blue, is ({r},{g},{b})");
        AssertEqualsPil("exif6.jpg", image);

        using var stored = Decode("exif6.jpg", new ImageDecodeOptions { AutoRotate = false });
        Assert.AreEqual(40, stored.Width);
        Assert.AreEqual(30, stored.Height);
    }
}
