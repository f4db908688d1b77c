using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MLNetAttn.Estimators;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Transforms.Tensors;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>
/// The C# measurements of the peer harness, each run in its own process (so that its peak resident memory is its
/// own): the library end to end, ONNX Runtime alone on pre-decoded tensors, and decode + resize + crop alone.
/// Each prints one JSON line (<see cref="PeerResult"/>) last.
/// </summary>
internal static class PeerChild
{
    public static int Run(string[] args)
    {
        var o = new ArgReader(args[1..]);
        var result = args.FirstOrDefault() switch
        {
            "pipeline" => Pipeline(o),
            "raw" => RawInference(o),
            "paired" => PairedLatency(o),
            "decode" => DecodeOnly(o),
            var other => throw new ArgumentException($"unknown peer-child measurement '{other}'; use pipeline, raw, paired or decode"),
        };
        Console.WriteLine(JsonSerializer.Serialize(result.VmHwmKb > 0 ? result : result with { VmHwmKb = ProcessMemory.VmHwmKb() }, PeerResult.Json));
        return 0;
    }

    /// <summary>(a) LoadImages → ApplyBackbone (resize + normalize + ORT) → ApplyClassificationHead, streamed in batches.</summary>
    private static PeerResult Pipeline(ArgReader o)
    {
        var model = o.Required("--model");
        var images = o.Required("--images");
        var batch = o.Int("--batch", 32);
        var runSize = o.Int("--run-size", batch);
        var threads = o.Int("--threads", 2);
        var workers = o.Int("--decode-workers", Environment.ProcessorCount);
        var limit = o.Int("--limit", 0);
        var spinning = o.Value("--allow-spinning") switch
        {
            null => new OnnxOptions().AllowSpinning,
            "on" => true,
            "off" => false,
            var other => throw new ArgumentException($"--allow-spinning '{other}': use on or off"),
        };
        var priority = o.Value("--worker-priority") is { } p ? Enum.Parse<ThreadPriority>(p, ignoreCase: true) : BatchingOptions.Default.WorkerPriority;
        var vision = new VisionContext();
        var paths = ImageFiles(images, limit);
        var data = vision.Data.LoadFromEnumerable(paths.Select(p => new PathRow { ImagePath = p }).ToList());
        // The fast mode: JPEGs decode at 1/2, 1/4 or 1/8 where that still covers the resize size (the rest is unchanged).
        var fast = o.Flag("--fast");
        var decode = fast ? new ImageDecodeOptions { JpegShrinkToShorterSide = o.Int("--resize-size", 0) } : null;
        var estimator = vision.Transforms.LoadImages("Image", null, "ImagePath", decode)
            .Append(vision.Transforms.ApplyBackbone(model, "Image", new OnnxOptions { BatchSize = runSize, IntraOpNumThreads = threads, InterOpNumThreads = 1, AllowSpinning = spinning }))
            .Append(vision.Transforms.ApplyClassificationHead());
        var transformer = estimator.Fit(data);
        var options = new BatchingOptions { BatchSize = batch, MaxDegreeOfParallelism = workers, QueueDepth = o.Value("--queue-depth") is { } depth ? int.Parse(depth, CultureInfo.InvariantCulture) : null, WorkerPriority = priority };
        var schedule = ((TransformedDataView)transformer.Transform(data)).Plan(options) switch
        {
            (StreamSchedule.Turns, _) => $"decoding and inference in turns, workers {priority}",
            (StreamSchedule.Inline, _) => "everything on the calling thread (queue depth 0)",
            var (_, ahead) => $"queue depth {ahead}, workers {priority}",
        };

        var warmUp = vision.Data.LoadFromEnumerable(paths.Take(batch).Select(p => new PathRow { ImagePath = p }).ToList());
        Drain(transformer.Transform(warmUp), options);
        var cpu = CpuClock.StartNew();
        var threadCpu = ThreadCpu.StartNew();
        var gc = GcActivity.StartNew();
        var clock = Stopwatch.StartNew();
        var (rows, errors) = Drain(transformer.Transform(data), options, threadCpu);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = cpu.Seconds;
        var collections = gc.Describe();
        if (errors > 0)
            throw new InvalidOperationException($"{errors} of {rows} images in '{images}' failed; the benchmark needs readable photos (re-create the folder)");
        return new PeerResult(rows, seconds, 0, $"VisionContext pipeline{(fast ? " with JPEG shrink-on-load" : "")}, batch {batch}{(runSize != batch ? $" in ORT runs of {runSize}" : "")}, {threads} intra-op threads, {workers} decode workers, {schedule}, spinning {(spinning ? "on" : "off")}; {collections}; {threadCpu.Describe(rows)}", cpuSeconds);
    }

    private static (int Rows, int Errors) Drain(IDataView view, BatchingOptions options, ThreadCpu? threadCpu = null)
    {
        int rows = 0, errors = 0;
        foreach (var batch in view.GetBatches(options))
        {
            using (batch)
            {
                rows += batch.RowCount;
                for (var i = 0; i < batch.RowCount; i++)
                    errors += batch.IsFaulted(i) ? 1 : 0;
            }
            threadCpu?.Sample(); // while the decoders still exist: they end with the enumeration

        }
        return (rows, errors);
    }

    /// <summary>
    /// (d)/(e) ONNX Runtime alone: every batch decoded and normalized before the clock starts (for a graph with a uint8
    /// input, decoded into byte planes, which the graph normalizes itself).
    /// </summary>
    private static PeerResult RawInference(ArgReader o)
    {
        var model = o.Required("--model");
        var prep = Preprocessing.From(o);
        var batch = o.Int("--batch", 32);
        var threads = o.Int("--threads", 2);
        var paths = ImageFiles(o.Required("--images"), o.Int("--limit", 0));
        var plane = 3 * prep.Resolution * prep.Resolution;
        using var session = OnnxSession.FromFile(model, new OnnxSessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 });
        var input = session.Inputs[0].Name;
        var uint8 = session.Inputs[0].ElementType == OnnxElementType.UInt8;
        var tensors = new List<OnnxTensor>();
        var counts = new List<int>();
        for (var start = 0; start < paths.Count; start += batch)
        {
            var count = Math.Min(batch, paths.Count - start);
            tensors.Add(uint8
                ? Predecoded<byte>(count, (image, row) => PixelPlanes.ToPlanar(image.Pixels, image.Width, image.Height, image.Stride, row))
                : Predecoded<float>(count, (image, row) => prep.Normalizer.ToPlanar(image.Pixels, image.Width, image.Height, image.Stride, row)));
            counts.Add(count);

            OnnxTensor Predecoded<T>(int rows, PlaneWriter<T> write) where T : unmanaged
            {
                var data = new T[rows * plane];
                var first = start;
                Parallel.For(0, rows, i =>
                {
                    using var image = prep.DecodeResizeCrop(paths[first + i]);
                    write(image, data.AsSpan(i * plane, plane));
                });
                return OnnxTensor.FromArray(data, rows, 3, prep.Resolution, prep.Resolution);
            }
        }
        try
        {
            using (session.Run(input, tensors[0])) { } // warm-up
            var cpu = CpuClock.StartNew();
            var threadCpu = ThreadCpu.StartNew();
            var clock = Stopwatch.StartNew();
            var rows = 0;
            for (var i = 0; i < tensors.Count; i++)
            {
                using var _ = session.Run(input, tensors[i]);
                rows += counts[i];
            }
            var seconds = clock.Elapsed.TotalSeconds;
            return new PeerResult(rows, seconds, 0, $"ORT {OnnxRuntimeInfo.Version}, batch {batch}{(uint8 ? " of uint8 pixels" : "")}, {threads} intra-op threads, {Path.GetFileName(model)}; {threadCpu.Describe(rows)}", cpu.Seconds);
        }
        finally
        {
            foreach (var t in tensors)
                t.Dispose();
        }
    }

    /// <summary>
    /// (e) against (d) in one process: our graph and torch.onnx.export's run alternately (so the machine's drift hits
    /// both alike) on the same input, at the harness's batch and at batch 1; the median latency of each and their ratio.
    /// </summary>
    private static PeerResult PairedLatency(ArgReader o)
    {
        var model = o.Required("--model");
        var theirs = o.Required("--theirs");
        var batch = o.Int("--batch", 32);
        var resolution = o.Int("--resolution", 224);
        var options = new OnnxSessionOptions { IntraOpNumThreads = o.Int("--threads", 2), InterOpNumThreads = 1 };
        (double Ours, double Theirs) Measure(int rows, int runs)
        {
            var input = new float[rows * 3 * resolution * resolution];
            var random = new Random(1);
            for (var i = 0; i < input.Length; i++)
                input[i] = (float)(random.NextDouble() * 4 - 2); // roughly the range of normalized pixels
            return GraphQuality.Latency(model, theirs, options, input, rows, resolution, runs);
        }
        var atBatch = Measure(batch, o.Int("--runs", 10));
        var atOne = Measure(1, 30);
        var note = string.Create(CultureInfo.InvariantCulture,
            $"both graphs alternately in one process, median latency ours / torch.onnx.export's: batch {batch} {atBatch.Ours:0.0} / {atBatch.Theirs:0.0} ms, batch 1 {atOne.Ours:0.00} / {atOne.Theirs:0.00} ms");
        return new PeerResult(batch, atBatch.Ours / 1000, 0, note)
        {
            LatencyRatio = atBatch.Ours / atBatch.Theirs,
            LatencyRatioBatch1 = atOne.Ours / atOne.Theirs,
        };
    }

    /// <summary>
    /// R_decode: decode + resize + centre crop (no normalization, no model) on all the given workers. With --fast,
    /// JPEG shrink-on-load (<see cref="Preprocessing.ShrinkFor"/>), and after the clock stops, its cost against the
    /// exact mode: pixel differences of the crops and, with --model, of the model's logits.
    /// </summary>
    private static PeerResult DecodeOnly(ArgReader o)
    {
        var prep = Preprocessing.From(o);
        var fast = o.Flag("--fast");
        var workers = o.Int("--decode-workers", Environment.ProcessorCount);
        var paths = ImageFiles(o.Required("--images"), o.Int("--limit", 0));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = workers };
        Parallel.ForEach(paths.Take(Math.Min(16, paths.Count)), parallel, p => prep.DecodeResizeCrop(p, fast).Dispose()); // warm-up
        var cpu = CpuClock.StartNew();
        var threadCpu = ThreadCpu.StartNew();
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(paths, parallel, p => prep.DecodeResizeCrop(p, fast).Dispose());
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = cpu.Seconds;
        var byThread = threadCpu.Describe(paths.Count);
        var peak = ProcessMemory.VmHwmKb(); // before the accuracy check below loads a model
        var note = $"libvips {VipsSettings.LibvipsVersion} decode{(fast ? " with JPEG shrink-on-load" : "")} + PIL-exact {prep.Kernel} resize + crop, {workers} workers; {byThread}";
        if (fast)
            note += "; " + FastModeCost.Measure(prep, paths, o.Value("--model"), o.Int("--threads", 2));
        return new PeerResult(paths.Count, seconds, peak, note, cpuSeconds);
    }

    internal static List<string> ImageFiles(string folder, int limit)
    {
        var files = Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new ArgumentException($"no .jpg/.png images in '{folder}'; make them with Benchmarks/peers/make_images.py");
        return limit > 0 ? files.Take(limit).ToList() : files;
    }

    /// <summary>A row of the benchmark's input view.</summary>
    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }
}

/// <summary>The eval preprocessing handed to a child: shorter side to resize_size, centre crop, normalize.</summary>
internal sealed record Preprocessing(int Resolution, int ResizeSize, ResizeKernel Kernel, PixelNormalizer Normalizer)
{
    public static Preprocessing From(ArgReader o)
    {
        var mean = o.Floats("--mean", [0.485f, 0.456f, 0.406f]);
        var std = o.Floats("--std", [0.229f, 0.224f, 0.225f]);
        return new(o.Int("--resolution", 224), o.Int("--resize-size", 256), Enum.Parse<ResizeKernel>(o.Value("--kernel") ?? "Bicubic", ignoreCase: true),
            new PixelNormalizer(mean, std));
    }

    /// <summary>The same steps, in the same order, as the pipeline's ResizeImages (IsoCrop, centre anchor).</summary>
    /// <param name="path">The image file.</param>
    /// <param name="fast">Decode JPEGs at 1/n size (<see cref="ImageDecodeOptions.JpegShrinkToShorterSide"/> = <see cref="ResizeSize"/>).</param>
    public RgbImage DecodeResizeCrop(string path, bool fast = false)
    {
        using var decoded = ImageDecoder.Decode(path, fast ? new ImageDecodeOptions { JpegShrinkToShorterSide = ResizeSize } : null);
        return ResizeCrop(decoded);
    }

    /// <summary>
    /// The JPEG shrink-on-load factor <see cref="ImageDecodeOptions.JpegShrinkToShorterSide"/> = <see cref="ResizeSize"/>
    /// picks (the resampler then only ever shrinks); 1 for other formats and small images.
    /// </summary>
    public int ShrinkFor(ImageInfo info)
        => info.Format.Contains("jpeg", StringComparison.OrdinalIgnoreCase) || info.Format.Contains("jpg", StringComparison.OrdinalIgnoreCase)
            ? ImageDecoder.JpegShrinkFor(info.Width, info.Height, ResizeSize)
            : 1;

    /// <summary>
    /// Shorter side to <see cref="ResizeSize"/> with <see cref="Kernel"/>, then the centre crop, in one step that
    /// resamples only the cropped pixels (byte for byte the resize then the crop).
    /// </summary>
    public RgbImage ResizeCrop(RgbImage decoded)
    {
        var plan = ResizePlan.Create(decoded.Width, decoded.Height, Resolution, Resolution, ResizingKind.IsoCrop, Anchor.Center, ResizeSize);
        return decoded.ResizeCrop(plan.ResizeWidth, plan.ResizeHeight, plan.X, plan.Y, Resolution, Resolution, Kernel);
    }
}

/// <summary>
/// What every child prints last: images done, seconds taken, peak resident memory, how it was run, and the CPU time
/// its process spent in the timed pass (all threads; -1 where not measured).
/// </summary>
/// <summary>Garbage collections and the time the runtime paused managed threads for them, since <see cref="StartNew"/>.</summary>
internal readonly struct GcActivity
{
    private readonly int _gen0, _gen1, _gen2;
    private readonly TimeSpan _paused;

    private GcActivity(int gen0, int gen1, int gen2, TimeSpan paused) => (_gen0, _gen1, _gen2, _paused) = (gen0, gen1, gen2, paused);

    public static GcActivity StartNew() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"GCs gen0/1/2 {GC.CollectionCount(0) - _gen0}/{GC.CollectionCount(1) - _gen1}/{GC.CollectionCount(2) - _gen2}, paused {(GC.GetTotalPauseDuration() - _paused).TotalMilliseconds:0.0} ms");
}

/// <summary>Writes one decoded, cropped image into its row of a batch tensor.</summary>
internal delegate void PlaneWriter<T>(RgbImage image, Span<T> row);

internal sealed record PeerResult(int Images, double Seconds, long VmHwmKb, string Note, double CpuSeconds = -1)
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public double ImagesPerSecond => Seconds > 0 ? Images / Seconds : 0;

    /// <summary>The paired measurement only: our latency over torch.onnx.export's at the harness's batch, in one process.</summary>
    public double? LatencyRatio { get; init; }

    /// <summary>The paired measurement only: the same ratio at batch 1.</summary>
    public double? LatencyRatioBatch1 { get; init; }

    /// <summary>CPU milliseconds per image (all threads), or NaN where not measured.</summary>
    [System.Text.Json.Serialization.JsonNumberHandling(System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double CpuMsPerImage => CpuSeconds >= 0 && Images > 0 ? CpuSeconds * 1000 / Images : double.NaN;
}

/// <summary>The process's CPU time (user + system, all threads) spent since <see cref="StartNew"/>.</summary>
internal readonly struct CpuClock
{
    private readonly TimeSpan _start;

    private CpuClock(TimeSpan start) => _start = start;

    public static CpuClock StartNew() => new(Process.GetCurrentProcess().TotalProcessorTime);

    public double Seconds => (Process.GetCurrentProcess().TotalProcessorTime - _start).TotalSeconds;
}

/// <summary>Peak resident memory from /proc (VmHWM), in KiB; -1 where /proc is missing.</summary>
internal static class ProcessMemory
{
    public static long VmHwmKb(int? pid = null)
    {
        try
        {
            foreach (var line in File.ReadLines(pid is { } p ? $"/proc/{p}/status" : "/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            // The process ended between two polls.
        }
        return -1;
    }
}

/// <summary>"--name value" options.</summary>
internal sealed class ArgReader(string[] args)
{
    public string? Value(string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public bool Flag(string name) => Array.IndexOf(args, name) >= 0;

    public string Required(string name) => Value(name) ?? throw new ArgumentException($"{name} is required");

    public int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public float[] Floats(string name, float[] fallback)
        => Value(name) is { } v ? v.Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray() : fallback;
}
