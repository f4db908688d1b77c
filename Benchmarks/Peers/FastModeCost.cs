using System.Globalization;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>
/// What the fast decode costs in accuracy: the same photos through the exact mode (full decode, PIL-exact resize)
/// and the fast one (JPEG shrink-on-load first), compared on the cropped pixels and, given a model, on its logits
/// (max |Δ| / max |logit|, and how often the top-1 class stays the same).
/// </summary>
internal static class FastModeCost
{
    public static string Measure(Preprocessing prep, IReadOnlyList<string> paths, string? model, int threads)
    {
        var shrunk = paths.Count(p => prep.ShrinkFor(ImageDecoder.ReadInfo(p)) > 1);
        var plane = 3 * prep.Resolution * prep.Resolution;
        var count = Math.Min(paths.Count, 64); // enough for the statistics, small enough to run both in one batch
        var exact = new float[count * plane];
        var fast = new float[count * plane];
        double sumAbs = 0;
        var maxAbs = 0;
        long pixels = 0;
        for (var i = 0; i < count; i++)
        {
            using var a = prep.DecodeResizeCrop(paths[i]);
            using var b = prep.DecodeResizeCrop(paths[i], fast: true);
            var pa = a.Pixels;
            var pb = b.Pixels;
            for (var k = 0; k < pa.Length; k++)
            {
                var d = Math.Abs(pa[k] - pb[k]);
                sumAbs += d;
                maxAbs = Math.Max(maxAbs, d);
            }
            pixels += pa.Length;
            prep.Normalizer.ToPlanar(pa, a.Width, a.Height, a.Stride, exact.AsSpan(i * plane, plane));
            prep.Normalizer.ToPlanar(pb, b.Width, b.Height, b.Stride, fast.AsSpan(i * plane, plane));
        }
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{shrunk} of {paths.Count} photos shrunk on load; first {count}: pixel mean |Δ| {sumAbs / pixels:0.00}, max {maxAbs} levels");
        if (model is null)
            return text;

        using var session = OnnxSession.FromFile(model, new OnnxSessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 });
        var input = session.Inputs[0].Name;
        float[] Logits(float[] data)
        {
            using var tensor = OnnxTensor.FromArray(data, count, 3, prep.Resolution, prep.Resolution);
            using var results = session.Run(input, tensor);
            return results[0].ToArray<float>();
        }
        var la = Logits(exact);
        var lb = Logits(fast);
        var classes = la.Length / count;
        double maxDiff = 0, maxLogit = 0;
        var same = 0;
        for (var i = 0; i < count; i++)
        {
            var ra = la.AsSpan(i * classes, classes);
            var rb = lb.AsSpan(i * classes, classes);
            for (var c = 0; c < classes; c++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(ra[c] - rb[c]));
                maxLogit = Math.Max(maxLogit, Math.Abs(ra[c]));
            }
            same += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(ra) == System.Numerics.Tensors.TensorPrimitives.IndexOfMax(rb) ? 1 : 0;
        }
        return text + string.Create(CultureInfo.InvariantCulture,
            $"; logits max |Δ| / max |logit| {maxDiff / maxLogit:0.0000}, top-1 same for {same} of {count} (random weights)");
    }
}
