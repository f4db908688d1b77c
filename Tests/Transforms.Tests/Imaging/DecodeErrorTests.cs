using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>Bad inputs fail one at a time with a message that names the input, and without big allocations.</summary>
[TestClass]
public sealed class DecodeErrorTests
{
    /// <summary>Managed bytes a failed decode may allocate on the calling thread (messages, the exception, small buffers).</summary>
    private const long AllocationBudget = 256 * 1024;

    private static ImageDecodeException DecodeFails(string path, ImageDecodeOptions? options = null)
    {
        // Warm up libvips and the JIT so the measurement sees only this decode.
        using (ImageDecoder.Decode(ImagingFixtures.Fixture("grey.png"))) { }
        Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(path, options));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(path, options));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"{Path.GetFileName(path)}: {allocated} bytes allocated; {e.Message}");
        Assert.IsLessThan(AllocationBudget, allocated, $"decoding {path} allocated {allocated} bytes before failing");
        StringAssert.Contains(e.Message, path, "the message must name the input");
        Assert.AreEqual(path, e.Input);
        return e;
    }

    [TestMethod]
    public void TruncatedJpegFails()
    {
        var e = DecodeFails(ImagingFixtures.Photo("truncated.jpg"));
        Assert.IsFalse(string.IsNullOrEmpty(e.Operation));
    }

    [TestMethod]
    public void ZeroByteFileFails()
    {
        var empty = Path.Combine(Path.GetTempPath(), $"mlnetattn-empty-{Guid.NewGuid():N}.jpg");
        File.WriteAllBytes(empty, []);
        try
        {
            var e = DecodeFails(empty);
            StringAssert.Contains(e.Message, "empty");
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [TestMethod]
    public void TextFileNamedJpgFails()
    {
        var e = DecodeFails(ImagingFixtures.Fixture("not_an_image.jpg"));
        StringAssert.Contains(e.Message, "not an image");
    }

    [TestMethod]
    public void HugePngIsRefusedFromItsHeader()
    {
        var before = Environment.WorkingSet;
        var e = DecodeFails(ImagingFixtures.Fixture("huge_60000.png"));
        StringAssert.Contains(e.Message, "60000x60000");
        StringAssert.Contains(e.Message, nameof(ImageDecodeOptions.MaxPixels));
        // 60000 x 60000 x 3 is 10.8 GB; refusing from the header keeps the process where it was.
        var grown = Environment.WorkingSet - before;
        Assert.IsLessThan(64L << 20, grown, $"working set grew by {grown} bytes");
    }

    [TestMethod]
    public void PixelLimitIsAnOption()
    {
        var e = DecodeFails(ImagingFixtures.Photo("chelsea.png"), new ImageDecodeOptions { MaxPixels = 451 * 300 - 1 });
        StringAssert.Contains(e.Message, "451x300");
        using var fits = ImageDecoder.Decode(ImagingFixtures.Photo("chelsea.png"), new ImageDecodeOptions { MaxPixels = 451 * 300 });
        Assert.AreEqual(451, fits.Width);
    }

    [TestMethod]
    public void MissingFileFails()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"mlnetattn-missing-{Guid.NewGuid():N}.png");
        var e = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(missing));
        StringAssert.Contains(e.Message, missing);
        StringAssert.Contains(e.Message, "does not exist");
        Assert.IsInstanceOfType<FileNotFoundException>(e.InnerException);
    }

    [TestMethod]
    public void BadBytesAndLongStreamsFailWithTheirName()
    {
        var e = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(ReadOnlyMemory<byte>.Empty, "upload #7"));
        StringAssert.Contains(e.Message, "upload #7");
        var truncated = File.ReadAllBytes(ImagingFixtures.Photo("truncated.jpg"));
        e = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(truncated, "upload #8"));
        StringAssert.Contains(e.Message, "upload #8");

        using var stream = File.OpenRead(ImagingFixtures.Photo("rocket.jpg"));
        e = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(stream, "s3://bucket/rocket.jpg", new ImageDecodeOptions { MaxStreamBytes = 1000 }));
        StringAssert.Contains(e.Message, "s3://bucket/rocket.jpg");
        StringAssert.Contains(e.Message, nameof(ImageDecodeOptions.MaxStreamBytes));
    }

    [TestMethod]
    public void AFailureDoesNotDisturbTheNextDecode()
    {
        Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(ImagingFixtures.Photo("truncated.jpg")));
        using var image = ImageDecoder.Decode(ImagingFixtures.Photo("rocket.jpg"));
        Assert.AreEqual(ImagingManifest.Photo("rocket.jpg").GetProperty("sha256").GetString(), ImagingFixtures.Sha256(image));
    }
}
