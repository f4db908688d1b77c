using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>One session, many threads: every thread gets exactly what a single thread gets.</summary>
[TestClass]
public sealed class OnnxConcurrencyTests
{
    [TestMethod]
    public void EightThreadsScoringOneSessionMatchOneThread()
    {
        var x = OnnxFixtures.Expected("tiny_convnet.json");
        var all = x["input"].Floats();
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet, new OnnxSessionOptions { IntraOpNumThreads = 1 });

        // Reference: each of the 4 images scored alone on this thread.
        var reference = new float[4][];
        for (var n = 0; n < 4; n++)
            reference[n] = Score(session, all.AsSpan(n * 192, 192).ToArray());

        const int threads = 8, rounds = 25;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var r = 0; r < rounds; r++)
            {
                var n = (t + r) % 4;
                var got = Score(session, all.AsSpan(n * 192, 192).ToArray());
                if (!got.AsSpan().SequenceEqual(reference[n]))
                    failures.Enqueue($"thread {t} round {r} image {n}: [{string.Join(", ", got)}] != [{string.Join(", ", reference[n])}]");
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        // Bit-identical: same kernels, same single intra-op thread, same input; no reason for any difference.
        Assert.IsEmpty(failures, string.Join(Environment.NewLine, failures.Take(5)));
    }

    private static float[] Score(OnnxSession session, float[] pixels)
    {
        using var input = OnnxTensor.FromArray(pixels, 1, 3, 8, 8);
        using var results = session.Run("input", input);
        return results[0].ToArray<float>();
    }
}
