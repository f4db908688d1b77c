using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

[TestClass]
public sealed class SmokeTests
{
    [TestMethod]
    public void Smoke()
    {
        foreach (var p in ImagingFixtures.Photos)
        {
            using var img = ImageDecoder.Decode(ImagingFixtures.Photo(p));
            Console.WriteLine($"{p} {img.Width}x{img.Height} {ImagingFixtures.Sha256(img)}");
            using var img2 = ImageDecoder.Decode(File.ReadAllBytes(ImagingFixtures.Photo(p)), p);
            Assert.AreEqual(ImagingFixtures.Sha256(img), ImagingFixtures.Sha256(img2));
        }
    }
}
