using System.Runtime.InteropServices;
using MLNetAttn.Transforms.Tensors;

namespace MLNetAttn.Transforms.Tests.Tensors;

/// <summary>Normalization against torchvision's ToTensor + Normalize (Tests/Reference/make_tensor_fixtures.py).</summary>
[TestClass]
public sealed class PixelNormalizerTests
{
    private const int Height = 7, Width = 13;
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tensors");

    private static byte[] Input => File.ReadAllBytes(Path.Combine(Folder, "normalize_input.u8"));

    private static float[] Expected(string name) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(Folder, name))).ToArray();

    [TestMethod]
    public void ImageNetPlanarIsBitIdenticalToTorchvision()
    {
        var output = new float[3 * Height * Width];
        PixelNormalizer.ImageNet.ToPlanar(Input, Width, Height, Width * 3, output);
        // Tolerance: none. The same float32 operations in the same order give the same bits.
        CollectionAssert.AreEqual(Expected("normalize_imagenet.f32"), output);
    }

    [TestMethod]
    public void BgrPlanesWithCustomStatisticsMatchTorchvision()
    {
        var normalizer = new PixelNormalizer([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f], order: ColorOrder.Bgr);
        var output = new float[3 * Height * Width];
        normalizer.ToPlanar(Input, Width, Height, Width * 3, output);
        CollectionAssert.AreEqual(Expected("normalize_custom_bgr.f32"), output);
    }

    [TestMethod]
    public void PaddedRowsAreReadThroughTheStride()
    {
        const int stride = Width * 3 + 5;
        var padded = new byte[stride * Height];
        padded.AsSpan().Fill(0xEE);
        for (var y = 0; y < Height; y++)
            Input.AsSpan(y * Width * 3, Width * 3).CopyTo(padded.AsSpan(y * stride));

        var output = new float[3 * Height * Width];
        PixelNormalizer.ImageNet.ToPlanar(padded, Width, Height, stride, output);
        CollectionAssert.AreEqual(Expected("normalize_imagenet.f32"), output);
    }

    [TestMethod]
    public void InterleavedHoldsTheSameValuesAsPlanar()
    {
        var planar = Expected("normalize_imagenet.f32");
        var interleaved = new float[3 * Height * Width];
        PixelNormalizer.ImageNet.ToInterleaved(Input, Width, Height, Width * 3, interleaved);
        for (var i = 0; i < Height * Width; i++)
            for (var c = 0; c < 3; c++)
                Assert.AreEqual(planar[c * Height * Width + i], interleaved[i * 3 + c], $"pixel {i} channel {c}");
    }

    [TestMethod]
    public void BuffersThatDoNotFitAreRefusedWithTheSizes()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => PixelNormalizer.ImageNet.ToPlanar(Input, Width, Height, Width * 3, new float[10]));
        StringAssert.Contains(e.Message, $"3x{Height}x{Width}");
        Assert.ThrowsExactly<ArgumentException>(() => PixelNormalizer.ImageNet.ToPlanar(new byte[5], Width, Height, Width * 3, new float[3 * Height * Width]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PixelNormalizer([0f, 0f, 0f], [1f, 0f, 1f]));
        Assert.ThrowsExactly<ArgumentException>(() => new PixelNormalizer([0f, 0f], [1f, 1f]));
    }
}
