using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>libvips arrives through NetVips.Native and takes the library's settings.</summary>
[TestClass]
public sealed class VipsRuntimeTests
{
    [TestMethod]
    public void LibvipsComesFromTheNetVipsNativePackage()
    {
        Assert.AreEqual("8.18.7", VipsSettings.LibvipsVersion);
        // The package's native asset, copied into the output by NuGet: beside the app in a build for one RID (as the tests
        // are), under runtimes/<rid>/native in a portable one. Nothing else is fetched beside the output by the build.
        if (OperatingSystem.IsLinux())
        {
            var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
            var candidates = new[] { Path.Combine(AppContext.BaseDirectory, "libvips.so.42"), Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", "libvips.so.42") };
            Assert.IsTrue(candidates.Any(File.Exists), $"none of {string.Join(", ", candidates)} exists");
        }
        Assert.IsFalse(File.Exists(Path.Combine(AppContext.BaseDirectory, "libvips-cpp.so.8.18.7")), "the npm copy of libvips is still beside the output");
    }

    [TestMethod]
    public void SettingsReachLibvips()
    {
        VipsSettings.Initialize();
        var (concurrency, operations) = (VipsSettings.Concurrency, VipsSettings.CacheMaxOperations);
        try
        {
            Assert.AreEqual(1, NetVips.NetVips.Concurrency, "a decode worker's libvips pool is one thread by default");
            Assert.AreEqual(0, NetVips.Cache.Max, "the operation cache is off by default");
            VipsSettings.Concurrency = 3;
            VipsSettings.CacheMaxOperations = 5;
            Assert.AreEqual(3, NetVips.NetVips.Concurrency);
            Assert.AreEqual(5, NetVips.Cache.Max);
        }
        finally
        {
            VipsSettings.Concurrency = concurrency;
            VipsSettings.CacheMaxOperations = operations;
        }
    }

    [TestMethod]
    public void AFileRewrittenBetweenTwoDecodesIsReadAgain()
    {
        // Loads bypass libvips' cache even when one is configured: the second decode sees the new content.
        var path = Path.Combine(Path.GetTempPath(), $"mlnetattn-rewritten-{Guid.NewGuid():N}.png");
        var operations = VipsSettings.CacheMaxOperations;
        VipsSettings.CacheMaxOperations = 100;
        try
        {
            File.Copy(ImagingFixtures.Photo("chelsea.png"), path);
            using (var first = ImageDecoder.Decode(path))
                Assert.AreEqual(451, first.Width);
            File.Copy(ImagingFixtures.Photo("coffee.png"), path, overwrite: true);
            using var second = ImageDecoder.Decode(path);
            Assert.AreEqual(ImagingManifest.Photo("coffee.png").GetProperty("sha256").GetString(), ImagingFixtures.Sha256(second));
        }
        finally
        {
            VipsSettings.CacheMaxOperations = operations;
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TheLoaderToldByTheFirstBytesIsTheOneLibvipsPicks()
    {
        VipsSettings.Initialize();
        var files = ImagingFixtures.Photos.Select(ImagingFixtures.Photo)
            .Concat(Directory.GetFiles(ImagingFixtures.Imaging).Where(f => !f.EndsWith(".rgb", StringComparison.Ordinal) && !f.EndsWith(".json", StringComparison.Ordinal)))
            .ToList();
        var told = 0;
        foreach (var path in files)
        {
            var head = File.ReadAllBytes(path).AsSpan(0, 8);
            if (ImageDecoder.KnownFileLoader(head) is { } loader)
            {
                Assert.AreEqual(NetVips.Image.FindLoad(path), loader, path);
                told++;
            }
        }
        Assert.IsGreaterThan(10, told, "the fixtures hold JPEGs and PNGs");
        // Other formats are left to libvips.
        Assert.IsNull(ImageDecoder.KnownFileLoader("RIFF\0\0\0\0"u8));
        Assert.IsNull(ImageDecoder.KnownFileLoader("GIF89a"u8));
        Assert.IsNull(ImageDecoder.KnownFileLoader([0xFF, 0xD8]));
    }
}
