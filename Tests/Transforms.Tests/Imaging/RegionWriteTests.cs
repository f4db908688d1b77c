using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>
/// <see cref="VipsImage.WriteTo(void*, nuint, bool)"/> computes pixels on the calling thread with libvips regions,
/// strip by strip. Its reference is libvips' own <c>vips_image_write</c> (thread pool) on the same load: the bytes
/// and the failures must be the same.
/// </summary>
[TestClass]
public sealed unsafe class RegionWriteTests
{
    /// <summary>Fills unwritten memory, so rows the strips missed cannot pass as decoded.</summary>
    private const byte Sentinel = 0xA5;

    /// <summary>A lazy, sequential load, as <see cref="ImageDecoder"/> opens images.</summary>
    private static VipsImage Load(string path)
    {
        VipsApi.EnsureInitialized();
        var loader = path.EndsWith(".png", StringComparison.Ordinal) ? "pngload" : "jpegload";
        return VipsOperation.CallImage(loader,
            new VipsArgs().Add("filename", path).Add("access", "sequential").Add("fail_on", "truncated"), path, decode: true);
    }

    private static int Size(VipsImage image)
    {
        Assert.AreEqual(VipsBandFormat.UChar, image.Format, $"{image.Source}: the photos are 8-bit");
        return image.Width * image.Height * image.Bands;
    }

    /// <summary>The pixels through regions on the calling thread, in strips of <paramref name="stripHeight"/> rows.</summary>
    private static byte[] ByRegions(string path, int stripHeight)
    {
        using var image = Load(path);
        var pixels = new byte[Size(image)];
        pixels.AsSpan().Fill(Sentinel);
        fixed (byte* destination = pixels)
            image.WriteTo(destination, (nuint)pixels.Length, decode: true, stripHeight);
        return pixels;
    }

    /// <summary>The pixels through <c>vips_image_write</c> into a memory image over our array.</summary>
    private static byte[] ByImageWrite(string path)
    {
        using var image = Load(path);
        var pixels = new byte[Size(image)];
        fixed (byte* destination = pixels)
        {
            using var target = VipsImage.FromMemory(destination, (nuint)pixels.Length, image.Width, image.Height, image.Bands, image.Format, path);
            if (VipsApi.ImageWrite(image.DangerousGetHandle(), target.DangerousGetHandle()) != 0)
                throw VipsError.Fail(true, path, "write", "Could not decode the pixels of image");
        }
        return pixels;
    }

    [TestMethod]
    [DataRow("astronaut.png")]
    [DataRow("chelsea.png")]
    [DataRow("coffee.png")]
    [DataRow("rocket.jpg")]
    [DataRow("hubble_deep_field.jpg")]
    public void PhotoDecodesAsVipsImageWriteDoes(string name)
    {
        var path = ImagingFixtures.Photo(name);
        var expected = ByImageWrite(path);
        var actual = ByRegions(path, VipsImage.StripHeight);
        // Exact: the same decoder runs on the same rows; only the thread computing them differs.
        CollectionAssert.AreEqual(expected, actual, $"{name}: the region path differs from vips_image_write");
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
        if (stripHeight > 1 && stripHeight < height)
            Assert.AreNotEqual(0, height % stripHeight, $"{name}: pick a strip height that does not divide {height} rows, so the last strip is short");

        var expected = ByImageWrite(path);
        var actual = ByRegions(path, stripHeight);
        var row = width * bands;
        var lastRows = Math.Min(height, 8) * row;
        // The rows a short last strip covers are the ones a wrong loop bound would leave at the sentinel.
        CollectionAssert.AreEqual(expected[^lastRows..], actual[^lastRows..], $"{name}, strips of {stripHeight}: the last rows differ");
        Assert.IsFalse(actual.AsSpan(actual.Length - row).IndexOfAnyExcept(Sentinel) < 0, $"{name}: the last row was never written");
        CollectionAssert.AreEqual(expected, actual, $"{name}, strips of {stripHeight}: the pixels differ");
    }

    [TestMethod]
    [DataRow("rocket.jpg")]
    [DataRow("chelsea.png")]
    public void TruncatedPixelDataFailsAsVipsImageWriteDoes(string name)
    {
        // Fixtures/images/truncated.jpg already fails while its header is read; cutting a whole photo in half
        // keeps the header intact, so the failure comes from the pixel loop under test.
        var bytes = File.ReadAllBytes(ImagingFixtures.Photo(name));
        var path = Path.Combine(Path.GetTempPath(), $"mlnetattn-half-{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        try
        {
            VipsError.TakeBuffer();
            var expected = Assert.ThrowsExactly<ImageDecodeException>(() => ByImageWrite(path));
            var actual = Assert.ThrowsExactly<ImageDecodeException>(() => ByRegions(path, VipsImage.StripHeight));
            Console.WriteLine(actual.Message);
            Assert.AreEqual("write", actual.Operation, "the header loads; the pixels fail");
            Assert.AreEqual(expected.Message, actual.Message);

            // Through the decoder too: the same step, and the message names the input.
            var decoded = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(path));
            Assert.AreEqual("write", decoded.Operation);
            Assert.AreEqual(expected.Message, decoded.Message);

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
    public void StripHeightMustBePositive()
    {
        using var image = Load(ImagingFixtures.Photo("chelsea.png"));
        var pixels = new byte[Size(image)];
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
        {
            fixed (byte* destination = pixels)
                image.WriteTo(destination, (nuint)pixels.Length, decode: true, 0);
        });
    }
}
