using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Transforms.Tensors;

namespace MLNetAttn.Transforms.Tests.Integration;

/// <summary>The whole data path at once: decode (libvips), resize (PIL-exact), normalize, score (ORT) from 8 threads.</summary>
[TestClass]
public sealed class DecodeAndScoreConcurrencyTests
{
    private static readonly string[] Photos = ["astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "rocket.jpg"];

    private static float[] Score(OnnxSession session, string photo)
    {
        using var image = ImageDecoder.Decode(Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", photo));
        using var small = image.Resize(8, 8, ResizeKernel.Bicubic);
        var input = new float[3 * 8 * 8];
        PixelNormalizer.ImageNet.ToPlanar(small.Pixels, 8, 8, small.Stride, input);
        using var tensor = OnnxTensor.FromArray(input, 1, 3, 8, 8);
        using var outputs = session.Run("input", tensor);
        return outputs["logits"].ToArray<float>();
    }

    [TestMethod]
    public void EightThreadsDecodingAndScoringMatchOneThread()
    {
        using var session = OnnxSession.FromFile(Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", "tiny_convnet.onnx"));
        var expected = Photos.ToDictionary(p => p, p => Score(session, p));
        Assert.AreEqual(5, expected.Values.Select(v => string.Join(",", v)).Distinct().Count(), "each photo should score differently");

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8 * 10, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var photo = Photos[i % Photos.Length];
            var got = Score(session, photo);
            if (!got.SequenceEqual(expected[photo]))
                failures.Add($"{photo} (iteration {i})");
        });
        Assert.IsEmpty(failures, "results differed from the single-threaded run: " + string.Join(", ", failures));
    }
}
