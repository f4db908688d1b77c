using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>
/// <see cref="RgbImageOperations.ResizeCrop"/> against <see cref="RgbImageOperations.Resize"/> followed by
/// <see cref="RgbImageOperations.Crop"/>, byte for byte (tolerance none), for every kernel, on the photos and on
/// synthetic odd-sized images: eval-style centre crops, corners, 1-pixel crops, whole rows and columns, the full
/// window, downscales, upscales and sizes with one or both axes unchanged.
/// </summary>
[TestClass]
public sealed class ResizeCropTests
{
    private static readonly ResizeKernel[] Kernels = [ResizeKernel.Nearest, ResizeKernel.Bilinear, ResizeKernel.Bicubic, ResizeKernel.Lanczos];

    /// <summary>Resized sizes for a source: the eval transform's shorter side to 292 and 256, an upscale, one axis unchanged each way, the same size.</summary>
    private static IEnumerable<(int Width, int Height)> Sizes(int width, int height)
    {
        foreach (var side in new[] { 292, 256 })
        {
            var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
            var other = (int)((long)side * longSide / (double)shortSide);
            yield return width <= height ? (side, other) : (other, side);
        }
        yield return (width * 3 / 2 + 1, height * 5 / 4 + 1);
        yield return (width, height / 2 + 3);
        yield return (width / 3 + 1, height);
        yield return (width, height);
        yield return (width * 2 - 1, height / 3 + 1);
    }

    /// <summary>Crop windows of a <paramref name="width"/> × <paramref name="height"/> resized image.</summary>
    private static IEnumerable<(int X, int Y, int W, int H)> Windows(int width, int height, int seed)
    {
        foreach (var c in new[] { 256, 224, 64 })
        {
            if (c > width || c > height)
                continue;
            // Centre crop as ResizePlan places it (round half to even), then the four corners.
            var x = (int)Math.Round((width - c) / 2.0, MidpointRounding.ToEven);
            var y = (int)Math.Round((height - c) / 2.0, MidpointRounding.ToEven);
            yield return (x, y, c, c);
            yield return (0, 0, c, c);
            yield return (width - c, 0, c, c);
            yield return (0, height - c, c, c);
            yield return (width - c, height - c, c, c);
        }
        yield return (0, 0, width, height);
        yield return (0, 0, 1, 1);
        yield return (width - 1, height - 1, 1, 1);
        yield return (width / 2, height / 3, 1, 1);
        yield return (0, height / 2, width, 1);
        yield return (width / 2, 0, 1, height);
        if (width > 2 && height > 2)
            yield return (1, 1, width - 2, height - 2);
        var random = new Random(seed);
        for (var i = 0; i < 6; i++)
        {
            var w = random.Next(1, width + 1);
            var h = random.Next(1, height + 1);
            yield return (random.Next(0, width - w + 1), random.Next(0, height - h + 1), w, h);
        }
    }

    private static void AssertSameImage(RgbImage expected, RgbImage actual, string what)
    {
        Assert.AreEqual(expected.Width, actual.Width, $"{what}: width");
        Assert.AreEqual(expected.Height, actual.Height, $"{what}: height");
        var at = expected.Pixels.CommonPrefixLength(actual.Pixels);
        if (at < expected.Length)
            Assert.Fail($"{what}: ResizeCrop differs from Resize + Crop at pixel ({at / 3 % expected.Width}, {at / 3 / expected.Width}), " +
                $"channel {at % 3}: {actual.Pixels[at]} vs {expected.Pixels[at]}. The windowed passes must use the full resize's coefficients.");
    }

    /// <returns>The number of windows compared.</returns>
    private static int CompareAllWindows(RgbImage source, string name, ResizeKernel kernel)
    {
        var windows = 0;
        foreach (var (width, height) in Sizes(source.Width, source.Height))
        {
            using var resized = source.Resize(width, height, kernel);
            foreach (var (x, y, w, h) in Windows(width, height, width * 31 + height))
            {
                var what = $"{name} {source.Width}x{source.Height} -> {width}x{height} {kernel}, crop ({x}, {y}, {w}x{h})";
                using var expected = resized.Crop(x, y, w, h);
                using var actual = source.ResizeCrop(width, height, x, y, w, h, kernel);
                AssertSameImage(expected, actual, what);
                windows++;
            }
        }
        return windows;
    }

    [TestMethod]
    [DataRow(ResizeKernel.Nearest)]
    [DataRow(ResizeKernel.Bilinear)]
    [DataRow(ResizeKernel.Bicubic)]
    [DataRow(ResizeKernel.Lanczos)]
    public void EqualsResizeThenCropOnPhotos(ResizeKernel kernel)
    {
        var windows = 0;
        foreach (var name in ImagingFixtures.Photos)
        {
            using var photo = ImageDecoder.Decode(ImagingFixtures.Photo(name));
            windows += CompareAllWindows(photo, name, kernel);
        }
        Assert.IsGreaterThan(500, windows, "expected hundreds of windows over the five photos");
    }

    [TestMethod]
    [DataRow(ResizeKernel.Nearest)]
    [DataRow(ResizeKernel.Bilinear)]
    [DataRow(ResizeKernel.Bicubic)]
    [DataRow(ResizeKernel.Lanczos)]
    public void EqualsResizeThenCropOnOddSizedImages(ResizeKernel kernel)
    {
        // Odd sizes (row lengths that are no multiple of 16 or 32 bytes), noise plus saturated stripes so Lanczos'
        // negative lobes reach the clamp on both ends.
        var windows = 0;
        foreach (var (w, h) in new[] { (517, 383), (13, 7), (1, 9), (300, 1) })
        {
            using var image = Synthetic(w, h, w * 1000 + h);
            windows += CompareAllWindows(image, "synthetic", kernel);
        }
        Assert.IsGreaterThan(100, windows);
    }

    [TestMethod]
    [DataRow(ResizeKernel.Nearest)]
    [DataRow(ResizeKernel.Bilinear)]
    [DataRow(ResizeKernel.Bicubic)]
    [DataRow(ResizeKernel.Lanczos)]
    public void VectorPassesMatchScalarReference(ResizeKernel kernel)
    {
        // The windowed passes with vectors against the scalar ones, and both against the full scalar resize cropped.
        (int W, int H, int OutW, int OutH, int X, int Y, int CropW, int CropH)[] cases =
        [
            (640, 427, 438, 292, 91, 18, 256, 256), (517, 383, 517, 255, 3, 5, 511, 17), (517, 383, 65, 383, 1, 0, 63, 383),
            (517, 383, 1033, 767, 500, 700, 533, 67), (13, 9, 31, 17, 30, 0, 1, 17), (255, 64, 255, 64, 7, 9, 33, 3),
        ];
        foreach (var (w, h, outW, outH, x, y, cropW, cropH) in cases)
        {
            using var image = Synthetic(w, h, w + h);
            var full = new byte[outW * outH * 3];
            PilResampler.ResizeReference(image.Pixels, w, h, full, outW, outH, kernel);
            var expected = new byte[cropW * cropH * 3];
            for (var row = 0; row < cropH; row++)
                full.AsSpan(((y + row) * outW + x) * 3, cropW * 3).CopyTo(expected.AsSpan(row * cropW * 3));
            var vector = new byte[expected.Length];
            var scalar = new byte[expected.Length];
            var window = new PilResampler.CropWindow(x, y, cropW, cropH);
            PilResampler.ResizeCrop(image.Pixels, w, h, vector, outW, outH, window, kernel);
            PilResampler.ResizeCropReference(image.Pixels, w, h, scalar, outW, outH, window, kernel);
            var what = $"{kernel} {w}x{h} -> {outW}x{outH}, crop ({x}, {y}, {cropW}x{cropH})";
            Assert.AreEqual(expected.Length, expected.AsSpan().CommonPrefixLength(scalar), $"{what}: scalar windowed passes differ from the full scalar resize");
            Assert.AreEqual(expected.Length, expected.AsSpan().CommonPrefixLength(vector), $"{what}: vector windowed passes differ from the full scalar resize");
        }
    }

    [TestMethod]
    public void RejectsBadArguments()
    {
        using var image = Synthetic(40, 30, 1);
        Assert.ThrowsExactly<ArgumentNullException>(() => RgbImageOperations.ResizeCrop(null!, 10, 10, 0, 0, 5, 5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(0, 10, 0, 0, 1, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(10, 0, 0, 0, 1, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(10, 10, 0, 0, 0, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(10, 10, 0, 0, 1, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(10, 10, 0, 0, 5, 5, (ResizeKernel)42));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(10, 10, -1, 0, 5, 5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(10, 10, 0, -1, 5, 5));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(20, 16, 10, 4, 11, 12));
        StringAssert.Contains(e.Message, "(10, 4, 11x12)");
        StringAssert.Contains(e.Message, "20x16 resized image");
        StringAssert.Contains(e.Message, "40x30 source");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(20, 16, 0, 5, 20, 12));
        StringAssert.Contains(e.Message, "cropY + cropHeight <= 16");
        // Sums that overflow int must not slip through the bounds check.
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.ResizeCrop(20, 16, int.MaxValue, 0, 2, 2));
    }

    private static RgbImage Synthetic(int width, int height, int seed)
    {
        var image = RgbImage.Allocate(width, height);
        var random = new Random(seed);
        var pixels = image.Pixels;
        for (var i = 0; i < pixels.Length; i++)
        {
            var x = i / 3 % width;
            pixels[i] = x % 11 < 2 ? (byte)(x % 2 * 255) : (byte)random.Next(256);
        }
        return image;
    }
}
