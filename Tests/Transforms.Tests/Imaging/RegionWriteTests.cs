using MLNetAttn.Transforms.Imaging;
using NetVips;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>
/// <see cref="VipsPixels.WriteTo"/> computes pixels on the calling thread with a libvips region, strip by strip.
/// Its reference is libvips' own write to memory (its thread pool) on the same load: the bytes must be the same,
/// and a truncated file must fail in the pixel step with libvips' own text.
/// </summary>
[TestClass]
public sealed class RegionWriteTests
{
    /// <summary>Fills unwritten memory, so rows the strips missed cannot pass as decoded.</summary>
    private const byte Sentinel = 0xA5;

    /// <summary>A lazy, sequential load, as <see cref="ImageDecoder"/> opens images.</summary>
    private static Image Load(string path)
    {
        VipsSettings.Initialize();
        return Image.NewFromFile(path, access: Enums.Access.Sequential, failOn: Enums.FailOn.Truncated);
    }

    private static int Size(Image image)
    {
        Assert.AreEqual(Enums.BandFormat.Uchar, image.Format, "the photos are 8-bit");
        return image.Width * image.Height * image.Bands;
    }

    /// <summary>The pixels through a region on the calling thread, in strips of at most <paramref name="stripHeight"/> rows.</summary>
    private static byte[] ByRegions(string path, int stripHeight)
    {
        using var image = Load(path);
        var pixels = new byte[Size(image)];
        pixels.AsSpan().Fill(Sentinel);
        VipsPixels.WriteTo(image, pixels, new VipsStep(), stripHeight);
        return pixels;
    }

    /// <summary>The pixels through libvips' thread pool (<c>vips_image_write_to_memory</c>).</summary>
    private static byte[] ByWriteToMemory(string path)
    {
        using var image = Load(path);
        return image.WriteToMemory<byte>();
    }

    [TestMethod]
    [DataRow("astronaut.png")]
    [DataRow("chelsea.png")]
    [DataRow("coffee.png")]
    [DataRow("rocket.jpg")]
    [DataRow("hubble_deep_field.jpg")]
    public void PhotoDecodesAsLibvipsWriteToMemoryDoes(string name)
    {
        var path = ImagingFixtures.Photo(name);
        var expected = ByWriteToMemory(path);
        var actual = ByRegions(path, VipsPixels.StripHeight);
        // Exact: the same decoder runs on the same rows; only the thread computing them differs.
        CollectionAssert.AreEqual(expected, actual, $"{name}: the region path differs from libvips' write to memory");
    }

    [TestMethod]
    [DataRow("chelsea.png", 7)]
    [DataRow("rocket.jpg", 6)]
    [DataRow("rocket.jpg", 1)]
    [DataRow("rocket.jpg", 100_000)]
    public void LastStripIsComplete(string name, int stripHeight)
    {
        var path = ImagingFixtures.Photo(name);
        int width, height, bands;
        using (var image = Load(path))
            (width, height, bands) = (image.Width, image.Height, image.Bands);
        var rows = VipsPixels.RowsPerStrip(width * bands, stripHeight);
        if (rows > 1 && rows < height)
            Assert.AreNotEqual(0, height % rows, $"{name}: pick a strip height that does not divide {height} rows, so the last strip is short");

        var expected = ByWriteToMemory(path);
        var actual = ByRegions(path, stripHeight);
        var row = width * bands;
        var lastRows = Math.Min(height, 8) * row;
        // The rows a short last strip covers are the ones a wrong loop bound would leave at the sentinel.
        CollectionAssert.AreEqual(expected[^lastRows..], actual[^lastRows..], $"{name}, strips of {stripHeight}: the last rows differ");
        Assert.IsFalse(actual.AsSpan(actual.Length - row).IndexOfAnyExcept(Sentinel) < 0, $"{name}: the last row was never written");
        CollectionAssert.AreEqual(expected, actual, $"{name}, strips of {stripHeight}: the pixels differ");
    }

    [TestMethod]
    public void WideRowsTakeFewerRowsPerStripSoNoStripLandsOnTheLargeObjectHeap()
    {
        Assert.AreEqual(VipsPixels.StripHeight, VipsPixels.RowsPerStrip(640 * 3));
        Assert.AreEqual(14, VipsPixels.RowsPerStrip(2000 * 3));
        Assert.AreEqual(1, VipsPixels.RowsPerStrip(60000 * 3));
        // Up to rows of 28,000 pixels (one row is then the strip); wider rows cannot avoid that heap at all.
        foreach (var width in new[] { 1, 451, 640, 1771, 2000, 8000, 27_999 })
            Assert.IsLessThan(85_000, VipsPixels.RowsPerStrip(width * 3) * width * 3 + 32, $"a strip of a {width} px wide image reaches the large object heap");
    }

    [TestMethod]
    [DataRow("rocket.jpg", "JPEG")]
    [DataRow("chelsea.png", "png")]
    public void TruncatedPixelDataFailsInThePixelStepWithLibvipsText(string name, string libvipsWord)
    {
        // Fixtures/images/truncated.jpg already fails while its header is read; cutting a whole photo in half
        // keeps the header intact, so the failure comes from the pixel loop under test.
        var bytes = File.ReadAllBytes(ImagingFixtures.Photo(name));
        var path = Path.Combine(Path.GetTempPath(), $"mlnetattn-half-{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        try
        {
            // libvips' thread pool fails on the same data with the same text.
            _ = new NetVips.VipsException(""); // clears libvips' error buffer
            var reference = Assert.ThrowsExactly<NetVips.VipsException>(() => ByWriteToMemory(path));
            var libvipsLines = reference.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            Assert.IsNotEmpty(libvipsLines, reference.Message);

            var decoded = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(path));
            Console.WriteLine(decoded.Message);
            Assert.AreEqual(VipsPixels.WriteOperation, decoded.Operation, "the header loads; the pixels fail");
            StringAssert.StartsWith(decoded.Message, $"Could not decode the pixels of image '{path}' (libvips write): ");
            StringAssert.Contains(decoded.Message, libvipsWord);
            foreach (var line in libvipsLines)
                StringAssert.Contains(decoded.Message, line);

            // A failed region pass leaves libvips fit for the next image.
            using var next = ImageDecoder.Decode(ImagingFixtures.Photo(name));
            Assert.AreEqual(ImagingManifest.Photo(name).GetProperty("sha256").GetString(), ImagingFixtures.Sha256(next));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void StripHeightMustBePositiveAndTheDestinationExact()
    {
        using var image = Load(ImagingFixtures.Photo("chelsea.png"));
        var pixels = new byte[Size(image)];
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => VipsPixels.WriteTo(image, pixels, new VipsStep(), 0));
        Assert.ThrowsExactly<ArgumentException>(() => VipsPixels.WriteTo(image, pixels.AsSpan(1), new VipsStep()));
    }
}
