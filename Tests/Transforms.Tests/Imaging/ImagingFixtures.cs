using System.Security.Cryptography;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>Paths of the photos and imaging fixtures copied beside the test output, and small helpers.</summary>
internal static class ImagingFixtures
{
    public static string Images => Path.Combine(AppContext.BaseDirectory, "Fixtures", "images");
    public static string Imaging => Path.Combine(AppContext.BaseDirectory, "Fixtures", "imaging");

    public static string Photo(string name) => Path.Combine(Images, name);
    public static string Fixture(string name) => Path.Combine(Imaging, name);

    public static readonly string[] Photos = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "hubble_deep_field.jpg"];

    public static string Sha256(RgbImage image) => Convert.ToHexStringLower(SHA256.HashData(image.Pixels));

    /// <summary>Mean and max absolute difference between two equally sized byte spans.</summary>
    public static (double Mean, int Max) Diff(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.AreEqual(a.Length, b.Length, "pixel buffers differ in length");
        long sum = 0;
        var max = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs(a[i] - b[i]);
            sum += d;
            if (d > max)
                max = d;
        }
        return ((double)sum / a.Length, max);
    }

    /// <summary>Reads a raw fixture written by make_imaging_fixtures.py.</summary>
    public static byte[] Raw(string name) => File.ReadAllBytes(Fixture(name));
}

/// <summary>The manifest written by Tests/Reference/make_imaging_fixtures.py.</summary>
internal static class ImagingManifest
{
    private static readonly Lazy<System.Text.Json.JsonDocument> Document = new(() =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(ImagingFixtures.Fixture("manifest.json"))));

    public static System.Text.Json.JsonElement Root => Document.Value.RootElement;

    public static System.Text.Json.JsonElement Photo(string name) => Root.GetProperty("photos").GetProperty(name);

    public static System.Text.Json.JsonElement Synthetic(string name) => Root.GetProperty("synthetic").GetProperty(name);
}
