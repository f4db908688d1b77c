using System.Runtime.Intrinsics;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>
/// The vector passes of <see cref="PilResampler"/> against its scalar reference, byte for byte, over sizes that run
/// every vector width and tail (lengths 1–17, 31, 63–65, 255, 511–520), every kernel, shrinking and enlarging.
/// The PIL fixtures in <see cref="ResizeTests"/> tie the reference itself to PIL.
/// </summary>
[TestClass]
public sealed class ResampleVectorTests
{
    private static readonly int[] Sizes = [.. Enumerable.Range(1, 17), 31, 63, 64, 65, 255, .. Enumerable.Range(511, 10)];

    private static readonly ResizeKernel[] Kernels = [ResizeKernel.Nearest, ResizeKernel.Bilinear, ResizeKernel.Bicubic, ResizeKernel.Lanczos];

    private static byte[] RandomImage(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    /// <summary>Resizes with the vector and the scalar passes; tolerance none, every byte must agree.</summary>
    private static void AssertSame(byte[] source, int inWidth, int inHeight, int outWidth, int outHeight, ResizeKernel kernel)
    {
        var vector = new byte[outWidth * outHeight * 3];
        var scalar = new byte[outWidth * outHeight * 3];
        PilResampler.Resize(source, inWidth, inHeight, vector, outWidth, outHeight, kernel);
        PilResampler.ResizeReference(source, inWidth, inHeight, scalar, outWidth, outHeight, kernel);
        var at = vector.AsSpan().CommonPrefixLength(scalar);
        if (at < vector.Length)
        {
            Assert.Fail($"{kernel} {inWidth}x{inHeight} -> {outWidth}x{outHeight}: vector pass differs from the scalar reference at " +
                $"byte {at} (pixel {at / 3 % outWidth},{at / 3 / outWidth}, channel {at % 3}): {vector[at]} vs {scalar[at]}. " +
                "Fix the vector pass: it must keep the reference's int32 arithmetic.");
        }
    }

    private static IEnumerable<int> Targets(int size) => new[] { 1, Math.Max(1, size / 3), Math.Max(1, size - 1), size + 1, size * 2 + 1 }.Distinct();

    [TestMethod]
    [DataRow(ResizeKernel.Nearest)]
    [DataRow(ResizeKernel.Bilinear)]
    [DataRow(ResizeKernel.Bicubic)]
    [DataRow(ResizeKernel.Lanczos)]
    public void HorizontalPassMatchesScalarReference(ResizeKernel kernel)
    {
        // Height stays, so only the horizontal pass runs; widths cover every tail and the near-end scalar fallback.
        var cases = 0;
        foreach (var width in Sizes)
        {
            var source = RandomImage(width, 3, width);
            foreach (var outWidth in Targets(width))
            {
                AssertSame(source, width, 3, outWidth, 3, kernel);
                cases++;
            }
        }
        Assert.IsGreaterThan(100, cases);
    }

    [TestMethod]
    [DataRow(ResizeKernel.Nearest)]
    [DataRow(ResizeKernel.Bilinear)]
    [DataRow(ResizeKernel.Bicubic)]
    [DataRow(ResizeKernel.Lanczos)]
    public void VerticalPassMatchesScalarReference(ResizeKernel kernel)
    {
        // Width stays, so only the vertical pass runs; row lengths (width × 3) cover 32-, 16-byte and scalar tails.
        var cases = 0;
        foreach (var width in Sizes)
        {
            foreach (var height in new[] { 1, 2, 7, 17, 64 })
            {
                var source = RandomImage(width, height, width * 100 + height);
                foreach (var outHeight in Targets(height))
                {
                    AssertSame(source, width, height, width, outHeight, kernel);
                    cases++;
                }
            }
        }
        Assert.IsGreaterThan(500, cases);
    }

    [TestMethod]
    [DataRow(ResizeKernel.Nearest)]
    [DataRow(ResizeKernel.Bilinear)]
    [DataRow(ResizeKernel.Bicubic)]
    [DataRow(ResizeKernel.Lanczos)]
    public void BothPassesMatchScalarReference(ResizeKernel kernel)
    {
        // Both axes change: shrinking, enlarging, and mixed (one axis each way).
        (int W, int H, int OutW, int OutH)[] shapes =
        [
            (640, 427, 292, 195), (1000, 872, 256, 223), (517, 255, 64, 31), (13, 9, 31, 17),
            (63, 65, 512, 7), (255, 1, 17, 5), (1, 31, 3, 520), (520, 511, 519, 513), (7, 7, 1, 1),
        ];
        foreach (var (w, h, outW, outH) in shapes)
            AssertSame(RandomImage(w, h, w ^ h), w, h, outW, outH, kernel);
    }

    [TestMethod]
    public void ExtremeWeightsStayExact()
    {
        // Saturated inputs (all 0 or all 255, and alternating) push Lanczos' negative lobes to the clamp limits on
        // both ends; the vector clamp must agree with the scalar one there.
        foreach (var pattern in new Func<int, byte>[] { _ => 255, _ => 0, i => (byte)((i / 3 & 1) * 255), i => (byte)(i % 7 == 0 ? 255 : 0) })
        {
            var source = new byte[515 * 37 * 3];
            for (var i = 0; i < source.Length; i++)
                source[i] = pattern(i);
            foreach (var kernel in Kernels)
            {
                AssertSame(source, 515, 37, 97, 111, kernel);
                AssertSame(source, 515, 37, 1031, 12, kernel);
            }
        }
    }

    [TestMethod]
    public void VectorPathIsTheOneTested()
    {
        // Guards the comparisons above from passing vacuously: on hardware without vector acceleration both calls run
        // the scalar passes, so this reports inconclusive instead of green.
        if (!Vector128.IsHardwareAccelerated)
            Assert.Inconclusive("Vector128 is not hardware accelerated here (or DOTNET_EnableHWIntrinsic=0): the vector passes did not run.");
        Assert.IsTrue(Vector128.IsHardwareAccelerated);
    }
}
