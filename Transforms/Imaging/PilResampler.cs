using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// A separable resampler that follows the algorithm PIL documents for <c>Image.resize</c> (Pillow's
/// libImaging/Resample.c), so results agree with PIL to the bit:
/// <list type="number">
/// <item>Per axis, scale = in / out; the filter's support is multiplied by max(scale, 1) (antialiasing when
/// shrinking). Output pixel i is centred at (i + 0.5) × scale in source coordinates; its taps run from
/// (int)(centre − support + 0.5) to (int)(centre + support + 0.5), clamped to the image, with weights
/// filter((x − centre + 0.5) / max(scale, 1)) normalized to sum 1.</item>
/// <item>Weights become 22-bit fixed point (round half away from zero); each sum starts at 2^21 (for rounding),
/// and the result is the sum shifted right by 22 and clamped to 0..255.</item>
/// <item>Horizontal pass first, over only the source rows the vertical pass needs, into an 8-bit
/// intermediate image; then the vertical pass. An axis whose size does not change is skipped.</item>
/// </list>
/// Nearest is PIL's affine scaling: the source index is (int) of a running sum that starts at scale / 2 and
/// grows by scale per output pixel.
/// </summary>
internal static partial class PilResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes packed RGB bytes, using the vector passes where the hardware accelerates them.</summary>
    public static void Resize(ReadOnlySpan<byte> source, int inWidth, int inHeight, Span<byte> destination, int outWidth, int outHeight, ResizeKernel kernel)
        => Resize(source, inWidth, inHeight, destination, outWidth, outHeight, kernel, vectorize: true);

    /// <summary>
    /// Resizes with the scalar passes only: the reference the vector passes must match byte for byte
    /// (tests compare the two; the vector passes also use it for their tails).
    /// </summary>
    public static void ResizeReference(ReadOnlySpan<byte> source, int inWidth, int inHeight, Span<byte> destination, int outWidth, int outHeight, ResizeKernel kernel)
        => Resize(source, inWidth, inHeight, destination, outWidth, outHeight, kernel, vectorize: false);

    // A full resize is the crop that keeps everything: one code path, so the two cannot drift apart.
    private static void Resize(ReadOnlySpan<byte> source, int inWidth, int inHeight, Span<byte> destination, int outWidth, int outHeight, ResizeKernel kernel, bool vectorize)
        => ResizeCrop(source, inWidth, inHeight, destination, outWidth, outHeight, new CropWindow(0, 0, outWidth, outHeight), kernel, vectorize);

    private static (double Support, Func<double, double> Filter) Filter(ResizeKernel kernel) => kernel switch
    {
        ResizeKernel.Bilinear => (1.0, Triangle),
        ResizeKernel.Bicubic => (2.0, Cubic),
        ResizeKernel.Lanczos => (3.0, Lanczos3),
        _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown resize kernel."),
    };

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0)
            return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    private static double Sinc(double x)
    {
        if (x == 0.0)
            return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static double Lanczos3(double x) => x >= -3.0 && x < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0;

    /// <summary>
    /// For output indices [start, start + count) of a resize from inSize to outSize, entry i describing index
    /// start + i: first source tap and tap count (Bounds, interleaved) and KSize fixed-point weights each. Every index's entry depends only on the
    /// index itself, so a window holds exactly the entries the full table would hold for those indices.
    /// </summary>
    private sealed class Coefficients
    {
        public required int KSize { get; init; }
        public required int[] Bounds { get; init; }
        public required int[] Weights { get; init; }

        // Tables depend only on (in, out, kernel, window); a pipeline resizes many images between few sizes, so a
        // small cache saves rebuilding them. Cleared wholesale when full: cheap, and bounded.
        private const int CacheLimit = 64;
        private static readonly ConcurrentDictionary<(int In, int Out, ResizeKernel Kernel, int Start, int Count), Coefficients> Cache = new();

        /// <summary>The table for output indices [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
        public static Coefficients Get(int inSize, int outSize, ResizeKernel kernel, int start, int count)
        {
            var key = (inSize, outSize, kernel, start, count);
            if (Cache.TryGetValue(key, out var cached))
                return cached;
            var (support, filter) = Filter(kernel);
            var created = Create(inSize, outSize, start, count, support, filter);
            if (Cache.Count >= CacheLimit)
                Cache.Clear();
            Cache[key] = created;
            return created;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
        public static Coefficients Create(int inSize, int outSize, int start, int count, double filterSupport, Func<double, double> filter)
        {
            var scale = (double)inSize / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = filterSupport * filterScale;
            var ksize = (int)Math.Ceiling(support) * 2 + 1;
            var bounds = new int[count * 2];
            var weights = new int[count * ksize];
            Span<double> k = ksize <= 256 ? stackalloc double[ksize] : new double[ksize];
            var inverse = 1.0 / filterScale;

            for (var i = 0; i < count; i++)
            {
                // The same arithmetic as for the full table, from the absolute output index.
                var xx = start + i;
                var center = (xx + 0.5) * scale;
                var xmin = Math.Max((int)(center - support + 0.5), 0);
                var xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
                var sum = 0.0;
                for (var x = 0; x < xmax; x++)
                {
                    var w = filter((x + xmin - center + 0.5) * inverse);
                    k[x] = w;
                    sum += w;
                }
                for (var x = 0; x < xmax; x++)
                {
                    var w = sum != 0.0 ? k[x] / sum : k[x];
                    // Round half away from zero, as a C cast of (w * 2^22 ± 0.5) does.
                    weights[i * ksize + x] = w < 0
                        ? (int)(-0.5 + w * (1 << PrecisionBits))
                        : (int)(0.5 + w * (1 << PrecisionBits));
                }
                bounds[i * 2] = xmin;
                bounds[i * 2 + 1] = xmax;
            }
            return new Coefficients { KSize = ksize, Bounds = bounds, Weights = weights };
        }
    }
}
