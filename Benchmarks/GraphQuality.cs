using System.Diagnostics;
using System.Globalization;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Zoo;
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
        var root = RepositoryRoot();

        Console.WriteLine($"ONNX Runtime {OnnxRuntimeInfo.Version}, {threads} intra-op threads, batch {batch}, median of {runs} runs after 3 warm-ups");
        Console.WriteLine("| model | convert (s) | ours (ms) | torch.onnx.export (ms) | ours / torch | nodes ours | nodes torch |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var variant in variants)
        {
            var card = ModelZoo.Get(variant);
            var resolution = card.InputSize;
            var fixture = Path.Combine(work, $"{card.Architecture}_r{resolution}");
            if (!File.Exists(Path.Combine(fixture, "checkpoint.pth")))
                Python(root, "Tests/Reference/make_parity_fixtures.py", "--variant", card.Architecture, "--resolution", $"{resolution}", "--batch", "1", "--out", work);
            var checkpoint = Path.Combine(fixture, "checkpoint.pth");

            var ours = Path.Combine(work, $"{card.Architecture}.mlnetattn.onnx");
            var converted = ModelConverter.Export(card.Name, checkpoint, ours);
            var theirs = Path.Combine(work, $"{card.Architecture}.torch.onnx");
            if (!File.Exists(theirs))
                Python(root, "Benchmarks/torch_export.py", "--variant", card.Architecture, "--checkpoint", checkpoint, "--resolution", $"{resolution}", "--out", theirs);

            var options = new OnnxSessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
            var input = new float[batch * 3 * resolution * resolution];
            var random = new Random(1);
            for (var i = 0; i < input.Length; i++)
                input[i] = (float)(random.NextDouble() * 4 - 2); // roughly the range of normalized pixels
            var oursMs = Latency(ours, options, input, batch, resolution, runs);
            var theirsMs = Latency(theirs, options, input, batch, resolution, runs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {card.Name}@{resolution} | {converted.Elapsed.TotalSeconds:0.00} | {oursMs:0.00} | {theirsMs:0.00} | {oursMs / theirsMs:0.00} | {NodeCount(ours)} | {NodeCount(theirs)} |"));
        }
        return 0;
    }

    private static double Latency(string model, OnnxSessionOptions options, float[] input, int batch, int resolution, int runs)
    {
        using var session = OnnxSession.FromFile(model, options);
        using var tensor = OnnxTensor.FromArray(input, batch, 3, resolution, resolution);
        var times = new List<double>();
        for (var i = 0; i < runs + 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using var _ = session.Run("input", tensor);
            if (i >= 3)
                times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Nodes in the file as written (a rough size of the graph before ORT's own fusions).</summary>
    private static int NodeCount(string model)
    {
        var result = PythonOutput("-c", $"import onnx; print(len(onnx.load({Quote(model)}).graph.node))");
        return int.Parse(result.Trim(), CultureInfo.InvariantCulture);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "\\'") + "'";

    private static void Python(string root, string script, params string[] args) => PythonOutput([Path.Combine(root, script), .. args]);

    private static string PythonOutput(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"python {string.Join(' ', args)} failed: {stderr.Result}");
        return stdout;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLNetAttn.sln")))
                return dir.FullName;
        throw new InvalidOperationException("run the benchmarks from inside the repository");
    }
}
