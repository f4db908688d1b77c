using System.Diagnostics;
using System.Globalization;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Zoo;
using MLNetAttn.Benchmarks.Peers;
using MLNetAttn.Zoo.Architectures;

namespace MLNetAttn.Benchmarks;

/// <summary>
/// Conversion time per variant, and ONNX Runtime latency of MLNetAttn's graph against the same module
/// exported by torch.onnx.export (same weights, same input, same session options), side by side in one run.
/// Checkpoints come from the reference generator (random weights in the official layout), so nothing is downloaded.
/// </summary>
internal static class GraphQuality
{
    private static readonly string[] DefaultVariants = ["shvit_s4", "efficientvit_b1", "cloformer_xxs"];

    public static int Run(string[] args)
    {
        var variants = Option(args, "--variants")?.Split(',') ?? DefaultVariants;
        var batch = int.Parse(Option(args, "--batch") ?? "1", CultureInfo.InvariantCulture);
        var threads = int.Parse(Option(args, "--threads") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(args, "--runs") ?? "20", CultureInfo.InvariantCulture);
        var work = Path.Combine(Path.GetTempPath(), "mlnetattn-bench-graph");
        Directory.CreateDirectory(work);
        var root = Repository.Root();

        Console.WriteLine($"ONNX Runtime {OnnxRuntimeInfo.Version}, {threads} intra-op threads, batch {batch}, median of {runs} runs after 3 warm-ups");
        Console.WriteLine("| model | convert (s) | ours (ms) | torch.onnx.export (ms) | ours / torch | nodes ours | nodes torch |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var variant in variants)
        {
            var card = ModelZoo.Get(variant);
            var resolution = card.InputSize;
            var fixture = Path.Combine(work, $"{card.Architecture}_r{resolution}");
            if (!File.Exists(Path.Combine(fixture, "checkpoint.pth")))
                Repository.Python(root, "Tests/Reference/make_parity_fixtures.py", "--variant", card.Architecture, "--resolution", $"{resolution}", "--batch", "1", "--out", work);
            var checkpoint = Path.Combine(fixture, "checkpoint.pth");

            var ours = Path.Combine(work, $"{card.Architecture}.mlnetattn.onnx");
            var converted = ModelConverter.Export(card.Name, checkpoint, ours);
            var theirs = Path.Combine(work, $"{card.Architecture}.torch.onnx");
            if (!File.Exists(theirs))
                Repository.Python(root, "Benchmarks/torch_export.py", "--variant", card.Architecture, "--checkpoint", checkpoint, "--resolution", $"{resolution}", "--out", theirs);

            var options = new OnnxSessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
            var input = new float[batch * 3 * resolution * resolution];
            var random = new Random(1);
            for (var i = 0; i < input.Length; i++)
                input[i] = (float)(random.NextDouble() * 4 - 2); // roughly the range of normalized pixels
            var (oursMs, theirsMs) = Latency(ours, theirs, options, input, batch, resolution, runs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {card.Name}@{resolution} | {converted.Elapsed.TotalSeconds:0.00} | {oursMs:0.00} | {theirsMs:0.00} | {oursMs / theirsMs:0.00} | {NodeCount(ours)} | {NodeCount(theirs)} |"));
        }
        return 0;
    }

    /// <summary>Median latency of two models, run alternately so that load on the machine hits both alike.</summary>
    internal static (double A, double B) Latency(string a, string b, OnnxSessionOptions options, float[] input, int batch, int resolution, int runs)
    {
        using var first = OnnxSession.FromFile(a, options);
        using var second = OnnxSession.FromFile(b, options);
        using var tensor = OnnxTensor.FromArray(input, batch, 3, resolution, resolution);
        var times = (A: new List<double>(), B: new List<double>());
        for (var i = 0; i < runs + 3; i++)
        {
            var ta = Time(first, tensor);
            var tb = Time(second, tensor);
            if (i < 3)
                continue; // warm-up
            times.A.Add(ta);
            times.B.Add(tb);
        }
        return (Median(times.A), Median(times.B));
    }

    private static double Time(OnnxSession session, OnnxTensor input)
    {
        var clock = Stopwatch.StartNew();
        using var _ = session.Run("input", input);
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>Nodes in the file as written (a rough size of the graph before ORT's own fusions).</summary>
    private static int NodeCount(string model)
    {
        var result = Repository.Output("/usr/bin/python3", "-c", $"import onnx; print(len(onnx.load({Quote(model)}).graph.node))");
        return int.Parse(result.Trim(), CultureInfo.InvariantCulture);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "\\'") + "'";

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
