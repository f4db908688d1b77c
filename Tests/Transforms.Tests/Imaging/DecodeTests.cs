using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

[TestClass]
public sealed class DecodeTests
{
    [TestMethod]
    [DataRow("astronaut.png")]
    [DataRow("chelsea.png")]
    [DataRow("coffee.png")]
    [DataRow("rocket.jpg")]
    [DataRow("hubble_deep_field.jpg")]
    public void PhotoDecodesToPilPixels(string name)
    {
        // PNGs must equal PIL exactly. The JPEGs are equal too (libvips and PIL both use libjpeg-turbo's
        // default integer IDCT with fancy upsampling), so the same exact check applies to them.
        var expected = ImagingManifest.Photo(name);
        using var image = ImageDecoder.Decode(ImagingFixtures.Photo(name));
        Assert.AreEqual(expected.GetProperty("width").GetInt32(), image.Width);
        Assert.AreEqual(expected.GetProperty("height").GetInt32(), image.Height);
        Assert.AreEqual(image.Width * 3, image.Stride);
        Assert.AreEqual(expected.GetProperty("sha256").GetString(), ImagingFixtures.Sha256(image), $"{name} differs from PIL's decode");
    }

    [TestMethod]
    [DataRow("chelsea.png")]
    [DataRow("rocket.jpg")]
    public void BytesAndStreamDecodeLikeThePath(string name)
    {
        var path = ImagingFixtures.Photo(name);
        using var fromPath = ImageDecoder.Decode(path);
        using var fromBytes = ImageDecoder.Decode(File.ReadAllBytes(path), name);
        using var stream = File.OpenRead(path);
        using var fromStream = ImageDecoder.Decode(stream, name);
        // A non-seekable stream takes the growing-buffer path.
        using var unseekable = new NonSeekableStream(File.ReadAllBytes(path));
        using var fromUnseekable = ImageDecoder.Decode(unseekable, name);
        var sha = ImagingFixtures.Sha256(fromPath);
        Assert.AreEqual(sha, ImagingFixtures.Sha256(fromBytes));
        Assert.AreEqual(sha, ImagingFixtures.Sha256(fromStream));
        Assert.AreEqual(sha, ImagingFixtures.Sha256(fromUnseekable));
    }

    [TestMethod]
    public void FormatIsSniffedNotTakenFromTheExtension()
    {
        var renamed = Path.Combine(Path.GetTempPath(), $"mlnetattn-{Guid.NewGuid():N}.jpg");
        File.Copy(ImagingFixtures.Photo("chelsea.png"), renamed);
        try
        {
            using var image = ImageDecoder.Decode(renamed);
            Assert.AreEqual(ImagingManifest.Photo("chelsea.png").GetProperty("sha256").GetString(), ImagingFixtures.Sha256(image));
        }
        finally
        {
            File.Delete(renamed);
        }
    }

    [TestMethod]
    public void EightThreadsDecodeTheSamePixelsAsOne()
    {
        var single = ImagingFixtures.Photos.ToDictionary(p => p, p =>
        {
            using var image = ImageDecoder.Decode(ImagingFixtures.Photo(p));
            return ImagingFixtures.Sha256(image);
        });
        var results = new System.Collections.Concurrent.ConcurrentBag<(string Name, string Sha)>();
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            for (var round = 0; round < 3; round++)
            {
                foreach (var p in ImagingFixtures.Photos.Skip(t % 5).Concat(ImagingFixtures.Photos.Take(t % 5)))
                {
                    using var image = ImageDecoder.Decode(ImagingFixtures.Photo(p));
                    results.Add((p, ImagingFixtures.Sha256(image)));
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.HasCount(8 * 3 * 5, results);
        foreach (var (name, sha) in results)
            Assert.AreEqual(single[name], sha, $"{name} decoded differently on a concurrent thread");
    }

    [TestMethod]
    public void IccOptionChangesRocketButTheDefaultMatchesPil()
    {
        var path = ImagingFixtures.Photo("rocket.jpg");
        using var plain = ImageDecoder.Decode(path);
        using var managed = ImageDecoder.Decode(path, new ImageDecodeOptions { ApplyIccProfile = true });
        Assert.AreEqual(ImagingManifest.Photo("rocket.jpg").GetProperty("sha256").GetString(), ImagingFixtures.Sha256(plain));
        var (mean, max) = ImagingFixtures.Diff(plain.Pixels, managed.Pixels);
        Console.WriteLine($"rocket.jpg ICC applied vs ignored: mean {mean:F3}, max {max}");
        // Measured: mean about 5 levels. Bound: a real, moderate change.
        Assert.IsTrue(mean is > 2 and < 10, $"mean difference {mean:F3} with the ICC profile applied is outside 2..10");
    }

    [TestMethod]
    public void JpegShrinkToAShorterSidePicksTheFactorPerImage()
    {
        var rocket = ImagingFixtures.Photo("rocket.jpg"); // 640 x 427
        using var exact = ImageDecoder.Decode(rocket, new ImageDecodeOptions { JpegShrink = 2 });
        using var half = ImageDecoder.Decode(rocket, new ImageDecodeOptions { JpegShrinkToShorterSide = 213 });
        Assert.AreEqual((320, 213), (half.Width, half.Height), "427 / 2 = 213 still reaches 213");
        CollectionAssert.AreEqual(exact.Pixels.ToArray(), half.Pixels.ToArray(), "the same decode as a fixed factor of 2");
        using var full = ImageDecoder.Decode(rocket, new ImageDecodeOptions { JpegShrinkToShorterSide = 214 });
        Assert.AreEqual((640, 427), (full.Width, full.Height), "no factor keeps 214 pixels: full size");
        using var quarter = ImageDecoder.Decode(rocket, new ImageDecodeOptions { JpegShrinkToShorterSide = 100 });
        Assert.AreEqual((160, 106), (quarter.Width, quarter.Height), "427 / 4 = 106 >= 100, 427 / 8 = 53 < 100");
        using var png = ImageDecoder.Decode(ImagingFixtures.Photo("chelsea.png"), new ImageDecodeOptions { JpegShrinkToShorterSide = 10 });
        Assert.AreEqual(451, png.Width, "PNGs are not shrunk");
        Assert.ThrowsExactly<ArgumentException>(() => ImageDecoder.Decode(rocket, new ImageDecodeOptions { JpegShrink = 2, JpegShrinkToShorterSide = 100 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(rocket, new ImageDecodeOptions { JpegShrinkToShorterSide = 0 }));
    }

    [TestMethod]
    public void JpegShrinkOnLoadIsOptIn()
    {
        using var shrunk = ImageDecoder.Decode(ImagingFixtures.Photo("rocket.jpg"), new ImageDecodeOptions { JpegShrink = 2 });
        Assert.AreEqual(320, shrunk.Width);
        Assert.AreEqual(213, shrunk.Height, "libvips rounds the shrunk size down (427 / 2)");
        using var png = ImageDecoder.Decode(ImagingFixtures.Photo("chelsea.png"), new ImageDecodeOptions { JpegShrink = 2 });
        Assert.AreEqual(451, png.Width, "JpegShrink must not affect PNGs");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(ImagingFixtures.Photo("rocket.jpg"), new ImageDecodeOptions { JpegShrink = 3 }));
    }

    [TestMethod]
    public void PixelsLandInThePooledBufferThroughStripsOnly()
    {
        // hubble_deep_field.jpg decodes to 1000 x 872 x 3 = 2.6 MB. The rows come from libvips strip by strip
        // (NetVips returns each strip as a new array of at most 16 rows) straight into the rented array: once the
        // pool holds an array of that size, a decode allocates the strips (the image's size once, in pieces below
        // the large object heap's threshold) and small bookkeeping, never a second whole image.
        var path = ImagingFixtures.Photo("hubble_deep_field.jpg");
        using (ImageDecoder.Decode(path)) { }
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var image = ImageDecoder.Decode(path))
            Assert.AreEqual(1000 * 872 * 3, image.Length);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsLessThan(1000 * 872 * 3 + 256 * 1024, allocated, $"a pooled decode allocated {allocated} managed bytes");
    }

    [TestMethod]
    public void ReadInfoReadsTheHeaderOnly()
    {
        var rocket = ImageDecoder.ReadInfo(ImagingFixtures.Photo("rocket.jpg"));
        Assert.AreEqual(new ImageInfo(640, 427, 3, "jpeg", 1, false, true), rocket);

        var rotated = ImageDecoder.ReadInfo(ImagingFixtures.Fixture("exif6.jpg"));
        Assert.AreEqual(6, rotated.Orientation);
        Assert.AreEqual((40, 30, 30, 40), (rotated.Width, rotated.Height, rotated.UprightWidth, rotated.UprightHeight));

        var rgba = ImageDecoder.ReadInfo(ImagingFixtures.Fixture("rgba.png"));
        Assert.AreEqual(("png", 4, true), (rgba.Format, rgba.Bands, rgba.HasAlpha));

        // The 60000x60000 header is read without touching its (missing) pixels.
        var huge = ImageDecoder.ReadInfo(ImagingFixtures.Fixture("huge_60000.png"));
        Assert.AreEqual((60000, 60000), (huge.Width, huge.Height));

        var e = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.ReadInfo(ImagingFixtures.Fixture("not_an_image.jpg")));
        StringAssert.Contains(e.Message, "not_an_image.jpg");
    }

    [TestMethod]
    public void DisposedImageRefusesAccessAndDisposeTwiceIsHarmless()
    {
        var image = ImageDecoder.Decode(ImagingFixtures.Photo("chelsea.png"));
        image.Dispose();
        image.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => image.Pixels.Length);
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
