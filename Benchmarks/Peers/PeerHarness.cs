using System.Globalization;
using System.Text;
using MLNetAttn.Estimators;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Zoo;
using MLNetAttn.Zoo.Architectures;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>
/// The side-by-side run: for each model, the same photos and the same random-weight checkpoint through
/// (a) MLNetAttn end to end, (b) PyTorch eager + PIL, (c) onnxruntime-node + sharp, (d) ORT alone on pre-decoded
/// tensors, (e) the torch.onnx.export graph under ORT, and decode + resize + crop alone; every measurement in its own
/// process. Prints one table and writes Benchmarks/RESULTS.md. Options: see <see cref="Usage"/>.
/// </summary>
internal static class PeerHarness
{
    public const string Usage =
        "peers [--variants shvit_s4@256,efficientvit_b1@224,cloformer_xxs@224] [--images 300] [--batch 32] [--threads 2]\n" +
        "      [--decode-workers <cores>] [--torch-workers 0] [--queue-depth <auto>] [--allow-spinning on|off] [--worker-priority Normal|BelowNormal|Lowest] [--run-size <batch>] [--repeat 3] [--only a,au8,afast,score,b,c,d,du8,e,paired,decode,fast,sharp] [--work /tmp/mlnetattn-bench-peers]\n" +
        "      [--results Benchmarks/RESULTS.md | --no-results] [--exact-shrink] [--score-args \"<template>\"] [--sides 375-640]";

    private const string DefaultVariants = "shvit_s4@256,efficientvit_b1@224,cloformer_xxs@224";

    /// <summary>
    /// How <c>mlnetattn score</c> is called when it exists; {model} {images} {out} {batch} {threads} {workers} are
    /// filled in. The harness times the whole process (start-up included) unless the command prints a JSON line
    /// with images and seconds.
    /// </summary>
    private const string DefaultScoreArgs = "score --model {model} --input {images} --out {out} --batch {batch} --threads {threads} --decode-workers {workers}";

    public static int Run(string[] args)
    {
        var o = new ArgReader(args);
        var settings = new Settings(
            Variants: (o.Value("--variants") ?? DefaultVariants).Split(',', StringSplitOptions.RemoveEmptyEntries),
            Images: o.Int("--images", 300),
            Sides: Sides(o.Value("--sides") ?? "375-640"),
            Batch: o.Int("--batch", 32),
            Threads: o.Int("--threads", 2),
            DecodeWorkers: o.Int("--decode-workers", Environment.ProcessorCount),
            TorchWorkers: o.Int("--torch-workers", 0),
            Repeat: Math.Max(1, o.Int("--repeat", 3)),
            QueueDepth: o.Value("--queue-depth") is { } depth ? int.Parse(depth, CultureInfo.InvariantCulture) : null,
            Only: (o.Value("--only") ?? "a,au8,afast,score,b,c,d,du8,e,paired,decode,fast,sharp").Split(',').ToHashSet(StringComparer.OrdinalIgnoreCase),
            Work: o.Value("--work") ?? Path.Combine(Path.GetTempPath(), "mlnetattn-bench-peers"),
            ExactShrink: o.Flag("--exact-shrink"),
            ScoreArgs: o.Value("--score-args") ?? DefaultScoreArgs,
            AllowSpinning: o.Value("--allow-spinning"),
            WorkerPriority: o.Value("--worker-priority"),
            RunSize: o.Value("--run-size") is null ? null : o.Int("--run-size", 0));
        var root = Repository.Root();
        var results = o.Flag("--no-results") ? null : Path.GetFullPath(o.Value("--results") ?? Path.Combine(root, "Benchmarks", "RESULTS.md"));
        Directory.CreateDirectory(settings.Work);

        var (sideMin, sideMax) = settings.Sides;
        var images = Path.Combine(settings.Work, (sideMin, sideMax) == (375, 640) ? $"images_{settings.Images}" : $"images_{settings.Images}_{sideMin}-{sideMax}");
        Repository.Python(root, "Benchmarks/peers/make_images.py", "--count", $"{settings.Images}", "--out", images, "--side-min", $"{sideMin}", "--side-max", $"{sideMax}");
        var score = ScoreCommand.Find(root);
        Console.Error.WriteLine(score is null ? "mlnetattn score: not available (mlnetattn score --help did not exit 0); its rows are skipped" : $"mlnetattn score: {score.Describe()}");

        var rows = new List<Row>();
        foreach (var variant in settings.Variants)
            rows.AddRange(Measure(variant, settings, root, images, score));

        var report = Report.Build(rows, settings, images);
        Console.WriteLine(report.Table);
        if (results is not null)
        {
            File.WriteAllText(results, report.Markdown(MachineInfo.Describe(rows), results));
            Console.Error.WriteLine($"wrote {results}");
        }
        return 0;
    }

    private static IEnumerable<Row> Measure(string variant, Settings s, string root, string images, ScoreCommand? score)
    {
        var parts = variant.Split('@');
        var card = ModelZoo.Get(parts[0]);
        var resolution = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : card.InputSize;
        var spec = BackboneSpec.FromCard(card, resolution);
        var name = $"{card.Architecture}@{resolution}";

        var fixture = Path.Combine(s.Work, $"{card.Architecture}_r{resolution}");
        var checkpoint = Path.Combine(fixture, "checkpoint.pth");
        if (!File.Exists(checkpoint))
            Repository.Python(root, "Tests/Reference/make_parity_fixtures.py", "--variant", card.Architecture, "--resolution", $"{resolution}", "--batch", "1", "--out", s.Work);
        var ours = Path.Combine(s.Work, $"{card.Architecture}_r{resolution}.mlnetattn.onnx");
        if (!File.Exists(ours) || File.GetLastWriteTimeUtc(ours) < File.GetLastWriteTimeUtc(checkpoint))
            ModelConverter.Export(card.Name, checkpoint, ours, new ExportOptions { Resolution = resolution });
        // The same weights as a graph that takes uint8 pixels and normalizes them itself (ExportOptions.Uint8Input).
        var oursUint8 = Path.Combine(s.Work, $"{card.Architecture}_r{resolution}.mlnetattn.u8.onnx");
        if (!File.Exists(oursUint8) || File.GetLastWriteTimeUtc(oursUint8) < File.GetLastWriteTimeUtc(checkpoint))
            ModelConverter.Export(card.Name, checkpoint, oursUint8, new ExportOptions { Resolution = resolution, Uint8Input = true });
        var theirs = Path.Combine(s.Work, $"{card.Architecture}_r{resolution}.torch.onnx");
        if (!File.Exists(theirs) || File.GetLastWriteTimeUtc(theirs) < File.GetLastWriteTimeUtc(checkpoint))
            Repository.Python(root, "Benchmarks/torch_export.py", "--variant", card.Architecture, "--checkpoint", checkpoint, "--resolution", $"{resolution}", "--out", theirs);

        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path");
        string[] prep =
        [
            "--images", images, "--resolution", $"{resolution}", "--resize-size", $"{spec.ResizeSize}", "--kernel", $"{spec.Interpolation}",
            "--mean", Floats(spec.Mean), "--std", Floats(spec.Std), "--batch", $"{s.Batch}", "--threads", $"{s.Threads}",
        ];
        var workers = $"{s.DecodeWorkers}";
        // Rows per ORT run for the library and for ORT alone (d, e): the batch unless --run-size says otherwise.
        string[] inference = s.RunSize is { } r ? [.. prep[..^4], "--batch", $"{r}", .. prep[^2..]] : prep;

        string[] Pipeline(string model) =>
        [
            "peer-child", "pipeline", "--model", model, .. prep, "--run-size", $"{s.RunSize ?? s.Batch}", "--decode-workers", workers,
            .. (s.QueueDepth is null ? Array.Empty<string>() : ["--queue-depth", $"{s.QueueDepth}"]),
            .. (s.AllowSpinning is null ? Array.Empty<string>() : ["--allow-spinning", s.AllowSpinning]),
            .. (s.WorkerPriority is null ? Array.Empty<string>() : ["--worker-priority", s.WorkerPriority]),
        ];
        var steps = new List<(string Key, string Label, Func<PeerResult> Run)>
        {
            ("a", "(a) MLNetAttn end to end (library API)", () => ChildRunner.Run(self, Pipeline(ours))),
            ("au8", "(a) with the uint8-input graph (PIL-exact preprocessing, normalization in the graph)", () => ChildRunner.Run(self, Pipeline(oursUint8))),
            ("afast", "(a) fast mode: JPEG shrink-on-load + the uint8-input graph", () => ChildRunner.Run(self, [.. Pipeline(oursUint8), "--fast"])),
            ("score", "(a') mlnetattn score (CLI batch job)", () => score!.Run(ours, images, s, Path.Combine(s.Work, $"score_{card.Architecture}"))),
            ("b", "(b) PyTorch eager + PIL", () => ChildRunner.Run("/usr/bin/python3",
                [Path.Combine(root, "Benchmarks/peers/torch_eager.py"), "--variant", card.Architecture, "--checkpoint", checkpoint, .. prep[..6],
                 "--interpolation", TorchFilter(spec.Interpolation), .. prep[8..], "--workers", $"{s.TorchWorkers}"])),
            ("c", "(c) onnxruntime-node + sharp", () => ChildRunner.Run("node",
                [Path.Combine(root, "Benchmarks/peers/ort_sharp.mjs"), "--model", ours, .. prep[..6], "--kernel", SharpKernel(spec.Interpolation), .. prep[8..],
                 "--decode-workers", workers, .. (s.ExactShrink ? new[] { "--exact-shrink" } : [])])),
            ("d", "(d) ORT alone, pre-decoded (R_infer)", () => ChildRunner.Run(self, ["peer-child", "raw", "--model", ours, .. inference])),
            ("du8", "(d) uint8: the uint8-input graph alone on pre-decoded byte planes", () => ChildRunner.Run(self, ["peer-child", "raw", "--model", oursUint8, .. inference])),
            ("e", "(e) torch.onnx.export graph, ORT alone", () => ChildRunner.Run(self, ["peer-child", "raw", "--model", theirs, .. inference])),
            ("paired", "(e) against (d) in one process: both graphs alternately, latency", () => ChildRunner.Run(self,
                ["peer-child", "paired", "--model", ours, "--theirs", theirs, "--resolution", $"{resolution}", "--batch", $"{s.RunSize ?? s.Batch}", "--threads", $"{s.Threads}"])),
            ("decode", "decode + resize + crop, all workers (R_decode)", () => ChildRunner.Run(self, ["peer-child", "decode", .. prep, "--decode-workers", workers])),
            ("fast", "decode fast mode (JPEG shrink-on-load) + resize + crop (R_decode fast)", () => ChildRunner.Run(self,
                ["peer-child", "decode", .. prep, "--decode-workers", workers, "--fast", "--model", ours])),
            ("sharp", "sharp decode + resize alone, all workers", () => ChildRunner.Run("node",
                [Path.Combine(root, "Benchmarks/peers/ort_sharp.mjs"), "--model", ours, .. prep[..6], "--kernel", SharpKernel(spec.Interpolation), .. prep[8..],
                 "--decode-workers", workers, "--decode-only", .. (s.ExactShrink ? new[] { "--exact-shrink" } : [])])),
        };
        // Repeats go round the rows (a, b, c, ..., a, b, c, ...) so that drift in the machine's load hits every row alike;
        // each row reports its median rate and its largest peak.
        var runs = new Dictionary<string, List<PeerResult>>();
        for (var repeat = 0; repeat < s.Repeat; repeat++)
        {
            foreach (var (key, label, run) in steps)
            {
                if (!s.Only.Contains(key) || (key == "score" && score is null))
                    continue;
                Console.Error.WriteLine($"{name}: {label} (run {repeat + 1} of {s.Repeat}) ...");
                PeerResult result;
                try
                {
                    result = run();
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    Console.Error.WriteLine($"{name}: {label} failed: {e.Message}");
                    result = new PeerResult(0, 0, -1, "FAILED: " + e.Message.Split('\n')[0]);
                }
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {label}: {result.ImagesPerSecond:0.0} img/s, peak RSS {result.VmHwmKb / 1024.0:0} MiB"));
                (runs.TryGetValue(key, out var list) ? list : runs[key] = []).Add(result);
            }
        }
        foreach (var (key, label, _) in steps)
        {
            if (!runs.TryGetValue(key, out var list))
                continue;
            var ordered = list.OrderBy(r => r.ImagesPerSecond).ToList();
            var median = ordered[ordered.Count / 2];
            var spread = list.Count > 1
                ? string.Create(CultureInfo.InvariantCulture, $"; {list.Count} runs, {ordered[0].ImagesPerSecond:0.0}–{ordered[^1].ImagesPerSecond:0.0} img/s")
                : "";
            yield return new Row(name, key, label, median with { VmHwmKb = list.Max(r => r.VmHwmKb), Note = median.Note + spread }, list);
        }
    }

    private static (int Min, int Max) Sides(string text)
        => text.Split('-') is [var lo, var hi] && int.TryParse(lo, CultureInfo.InvariantCulture, out var min) && int.TryParse(hi, CultureInfo.InvariantCulture, out var max) && min is >= 16 && max >= min
            ? (min, max)
            : throw new ArgumentException($"--sides '{text}': give the photos' side range in pixels as MIN-MAX, e.g. 375-640");

    private static string Floats(IReadOnlyList<float> values) => string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>sharp's name for the kernel (its "cubic" is Catmull-Rom, a = -0.5, PIL's bicubic).</summary>
    private static string SharpKernel(ResizeKernel kernel) => kernel switch
    {
        ResizeKernel.Nearest => "nearest",
        ResizeKernel.Bilinear => "linear",
        ResizeKernel.Bicubic => "cubic",
        _ => "lanczos3",
    };

    private static string TorchFilter(ResizeKernel kernel) => kernel switch
    {
        ResizeKernel.Nearest => "nearest",
        ResizeKernel.Bilinear => "bilinear",
        ResizeKernel.Bicubic => "bicubic",
        _ => "lanczos",
    };
}

/// <summary>The harness's settings, as given on the command line.</summary>
internal sealed record Settings(string[] Variants, int Images, (int Min, int Max) Sides, int Batch, int Threads, int DecodeWorkers, int TorchWorkers, int Repeat, int? QueueDepth, HashSet<string> Only,
    string Work, bool ExactShrink, string ScoreArgs, string? AllowSpinning = null, string? WorkerPriority = null, int? RunSize = null);

/// <summary>One measurement of one model.</summary>
internal sealed record Row(string Model, string Key, string Label, PeerResult Result, IReadOnlyList<PeerResult> Runs);
