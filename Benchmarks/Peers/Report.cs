using System.Globalization;
using System.Text;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>
/// The harness's one table (ratios against row (a)), the targets of the issue checked per model, and
/// RESULTS.md. A hand-written analysis below the <see cref="AnalysisMarker"/> line of an existing RESULTS.md is kept.
/// </summary>
internal sealed class Report
{
    public const string AnalysisMarker = "<!-- analysis: kept across runs -->";

    private readonly List<Row> _rows;
    private readonly Settings _settings;
    private readonly string _images;

    private Report(List<Row> rows, Settings settings, string images)
    {
        _rows = rows;
        _settings = settings;
        _images = images;
    }

    public static Report Build(IEnumerable<Row> rows, Settings settings, string images) => new(rows.ToList(), settings, images);

    public string Table => Markdown(MainTable());

    private IEnumerable<string[]> MainTable()
    {
        yield return ["model", "measurement", "img/s", "× (a)", "CPU ms/img", "peak RSS MiB", "how"];
        foreach (var model in _rows.Select(r => r.Model).Distinct())
        {
            var of = _rows.Where(r => r.Model == model).ToDictionary(r => r.Key);
            var a = of.GetValueOrDefault("a")?.Result.ImagesPerSecond ?? 0;
            foreach (var r in of.Values)
                yield return [model, r.Label, F(r.Result.ImagesPerSecond, "0.0"), Ratio(r.Result.ImagesPerSecond, a), Cpu(r.Result.CpuMsPerImage), r.Result.VmHwmKb > 0 ? F(r.Result.VmHwmKb / 1024.0, "0") : "–", r.Result.Note];
            if (Bound(of) is { } bound)
                yield return [model, "bound 1/(1/R_infer + 1/R_decode)", F(bound, "0.0"), Ratio(bound, a), Cpu(BoundCpu(of)), "–", "R_infer = (d), R_decode = decode row; CPU = (d)'s + decode's"];
            if (Bound(of, infer: "du8") is { } boundUint8)
                yield return [model, "bound of the uint8-input graph", F(boundUint8, "0.0"), Ratio(boundUint8, a), Cpu(BoundCpu(of, infer: "du8")), "–", "R_infer = (d) uint8, R_decode = decode row"];
            if (Bound(of, "fast") is { } fastBound)
                yield return [model, "bound with the fast decode", F(fastBound, "0.0"), Ratio(fastBound, a), Cpu(BoundCpu(of, "fast")), "–", "R_infer = (d), R_decode = fast decode row"];
        }
    }

    private static double? Bound(Dictionary<string, Row> of, string decode = "decode", string infer = "d")
        => of.TryGetValue(infer, out var d) && of.TryGetValue(decode, out var dec) && d.Result.ImagesPerSecond > 0 && dec.Result.ImagesPerSecond > 0
            ? 1 / (1 / d.Result.ImagesPerSecond + 1 / dec.Result.ImagesPerSecond)
            : null;

    /// <summary>The CPU time per image the bound assumes: inference's and decoding's, each measured alone.</summary>
    private static double BoundCpu(Dictionary<string, Row> of, string decode = "decode", string infer = "d")
        => of.TryGetValue(infer, out var d) && of.TryGetValue(decode, out var dec) ? d.Result.CpuMsPerImage + dec.Result.CpuMsPerImage : double.NaN;

    private static string Cpu(double msPerImage) => double.IsNaN(msPerImage) ? "–" : F(msPerImage, "0.00");

    private IEnumerable<string[]> Targets()
    {
        yield return ["model", "(a) / (c), target ≥ 1.05", "(a) / bound, target ≥ 0.95", "(a) uint8-input graph / its bound (R_infer = (d) uint8; PIL-exact preprocessing), target ≥ 0.95", "our latency / torch.onnx.export's (both graphs alternately in one process; else img/s (e) / (d)), target ≤ 1.00", "(a) fast mode / the higher exact bound, target > 1.00"];
        foreach (var model in _rows.Select(r => r.Model).Distinct())
        {
            var of = _rows.Where(r => r.Model == model).ToDictionary(r => r.Key);
            double Ips(string key) => of.GetValueOrDefault(key)?.Result.ImagesPerSecond ?? 0;
            var a = Ips("a");
            yield return
            [
                model,
                Check(Ips("c") > 0 ? a / Ips("c") : double.NaN, 1.05, higherIsBetter: true),
                Check(Bound(of) is { } b ? a / b : double.NaN, 0.95, higherIsBetter: true) + Paired(of, "a"),
                Check(Bound(of, infer: "du8") is { } b8 && Ips("au8") > 0 ? Ips("au8") / b8 : double.NaN, 0.95, higherIsBetter: true) + Paired(of, "au8", "du8"),
                GraphQuality(of),
                Check(HigherExactBound(of) is { } exact && Ips("afast") > 0 ? Ips("afast") / exact : double.NaN, 1.00, higherIsBetter: true, strictly: true)
                    + Paired(of, "afast", Bound(of, infer: "du8") > Bound(of) ? "du8" : "d"),
            ];
        }
    }

    /// <summary>The higher of the two exact-preprocessing bounds (float graph, uint8 graph): what the fast mode must pass.</summary>
    private static double? HigherExactBound(Dictionary<string, Row> of)
        => Bound(of) is { } f ? Math.Max(f, Bound(of, infer: "du8") ?? 0) : Bound(of, infer: "du8");

    /// <summary>
    /// The same ratio taken per round (row <paramref name="key"/> over the bound from the <paramref name="infer"/> and
    /// decode runs of the same round, seconds apart) and its median and range: slow drift in the machine's speed cancels out of it.
    /// </summary>
    private static string Paired(Dictionary<string, Row> of, string key, string infer = "d")
    {
        if (!of.TryGetValue(key, out var row) || !of.TryGetValue(infer, out var d) || !of.TryGetValue("decode", out var dec)
            || row.Runs.Count < 2 || d.Runs.Count != row.Runs.Count || dec.Runs.Count != row.Runs.Count
            || row.Runs.Concat(d.Runs).Concat(dec.Runs).Any(r => r.ImagesPerSecond <= 0))
            return "";
        var ratios = row.Runs.Select((r, i) => r.ImagesPerSecond * (1 / d.Runs[i].ImagesPerSecond + 1 / dec.Runs[i].ImagesPerSecond)).Order().ToList();
        return string.Create(CultureInfo.InvariantCulture, $"; per round: median {ratios[ratios.Count / 2]:0.000}, {ratios[0]:0.000}–{ratios[^1]:0.000}");
    }

    /// <summary>
    /// Our latency over torch.onnx.export's: from the paired row (both graphs alternately in one process, the median over
    /// rounds) when it ran, else (e)'s img/s over (d)'s, two processes apart.
    /// </summary>
    private static string GraphQuality(Dictionary<string, Row> of)
    {
        double Ips(string key) => of.GetValueOrDefault(key)?.Result.ImagesPerSecond ?? 0;
        var apart = Ips("d") > 0 && Ips("e") > 0
            ? F(Ips("e") / Ips("d"), "0.000") + " as (e) / (d) in img/s, two processes" + PairedRatio(of, "e", "d")
            : "";
        var runs = of.GetValueOrDefault("paired")?.Runs.Where(r => r.LatencyRatio is not null).ToList();
        if (runs is not { Count: > 0 })
            return Check(Ips("d") > 0 ? Ips("e") / Ips("d") : double.NaN, 1.00, higherIsBetter: false) + PairedRatio(of, "e", "d");
        static double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        var atBatch = Median(runs.Select(r => r.LatencyRatio!.Value));
        var atOne = Median(runs.Select(r => r.LatencyRatioBatch1!.Value));
        return Check(atBatch, 1.00, higherIsBetter: false) + $" in one process ({runs.Count} runs, {F(runs.Min(r => r.LatencyRatio!.Value), "0.000")}–{F(runs.Max(r => r.LatencyRatio!.Value), "0.000")}); batch 1: {F(atOne, "0.000")}"
            + (apart.Length > 0 ? "; " + apart : "");
    }

    /// <summary>Row <paramref name="key"/> over row <paramref name="over"/>, per round (runs seconds apart): median and range.</summary>
    private static string PairedRatio(Dictionary<string, Row> of, string key, string over)
    {
        if (!of.TryGetValue(key, out var row) || !of.TryGetValue(over, out var other) || row.Runs.Count < 2 || other.Runs.Count != row.Runs.Count
            || other.Runs.Any(r => r.ImagesPerSecond <= 0))
            return "";
        var ratios = row.Runs.Select((r, i) => r.ImagesPerSecond / other.Runs[i].ImagesPerSecond).Order().ToList();
        return string.Create(CultureInfo.InvariantCulture, $"; per round: median {ratios[ratios.Count / 2]:0.000}, {ratios[0]:0.000}–{ratios[^1]:0.000}");
    }

    private static string Check(double value, double target, bool higherIsBetter, bool strictly = false)
    {
        if (double.IsNaN(value) || value == 0)
            return "not measured";
        var met = higherIsBetter ? value > target || (!strictly && value == target) : value <= target;
        if (met)
            return F(value, "0.000") + " met";
        // Three decimals: a ratio of 1.048 against 1.05 must not print as "1.05 MISSED".
        return higherIsBetter
            ? F(value, "0.000") + $" MISSED: {(1 - value / target) * 100:0.0}% short (needs ×{target / value:0.000})"
            : F(value, "0.000") + $" MISSED: {(value / target - 1) * 100:0.0}% over";
    }

    /// <summary>The whole results file; the analysis below the marker of the file at <paramref name="path"/> is kept.</summary>
    public string Markdown(string machine, string path)
    {
        var text = new StringBuilder();
        text.AppendLine("# Side-by-side results");
        text.AppendLine();
        text.AppendLine("Written by `bash Benchmarks/peers/run.sh` (= `dotnet run -c Release --project Benchmarks -- peers`); see Benchmarks/README.md for what each row measures.");
        text.AppendLine();
        text.AppendLine("## Machine");
        text.AppendLine();
        text.AppendLine(machine);
        text.AppendLine();
        text.AppendLine("## Settings");
        text.AppendLine();
        var s = _settings;
        text.AppendLine(CultureInfo.InvariantCulture, $"- Photos: {s.Images} JPEGs, {s.Sides.Min}–{s.Sides.Max} px, made by `Benchmarks/peers/make_images.py` into `{_images}`.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Batch {s.Batch}; {s.Threads} intra-op threads (ORT, torch), 1 inter-op thread; {s.DecodeWorkers} decode workers for (a), (c) and R_decode; PyTorch {(s.TorchWorkers == 0 ? "simple loop (decode between model calls)" : $"DataLoader with {s.TorchWorkers} workers")}; sharp shrink-on-load {(s.ExactShrink ? "exact" : "fast (default)")}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- img/s: images of the timed pass / its seconds, after one untimed warm-up batch, in the child process; the median of {s.Repeat} runs taken round the rows; peak RSS: the largest VmHWM of the row's runs.");
        text.AppendLine();
        text.AppendLine("## Throughput");
        text.AppendLine();
        text.AppendLine(Table);
        text.AppendLine("## Targets");
        text.AppendLine();
        text.AppendLine(Markdown(Targets()));
        text.AppendLine(AnalysisMarker);
        text.Append(KeptAnalysis(path));
        return text.ToString();
    }

    private static string KeptAnalysis(string existing)
    {
        if (!File.Exists(existing))
            return "\n## Analysis\n\n(write it here; this part is kept when the harness rewrites the file)\n";
        var text = File.ReadAllText(existing);
        var i = text.IndexOf(AnalysisMarker, StringComparison.Ordinal);
        return i < 0 ? "" : text[(i + AnalysisMarker.Length)..].TrimStart('\r', '\n').Insert(0, "\n");
    }

    private static string Markdown(IEnumerable<string[]> rows)
    {
        var text = new StringBuilder();
        var first = true;
        foreach (var row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
            if (first)
                text.AppendLine("|" + string.Concat(row.Select(_ => " --- |")));
            first = false;
        }
        return text.ToString();
    }

    private static string Ratio(double value, double a) => a > 0 && value > 0 ? F(value / a, "0.00") : "–";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
