using System.Diagnostics;
using System.Globalization;
using MLNetAttn.Benchmarks.Peers;
using MLNetAttn.Estimators;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Zoo;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Store;

namespace MLNetAttn.Benchmarks;

/// <summary>
/// Images per second of the whole classification pipeline (decode, the card's resize and crop, normalize, a converted
/// zoo model, softmax) by batch size, on a folder of real photos; and the process's peak resident memory (VmHWM)
/// when streaming 1k and 10k images, each measured in a fresh child process so one run's peak cannot hide another's.
/// </summary>
/// <remarks>
/// The photos are made deterministically from Tests/Fixtures/images (seeded crops, rescaled to 256..640 px on the
/// longer side, JPEG quality 90) into a temporary folder; the model is converted from a generated random-weight
/// checkpoint in the official layout (Tests/Reference/make_parity_fixtures.py), so nothing is downloaded.
/// </remarks>
internal static class PipelineThroughput
{
    private const string ChildVerb = "pipeline-child";

    public static int Run(string[] args)
    {
        if (args.FirstOrDefault() == ChildVerb)
            return Child(args[1..]);
        var variant = Option(args, "--variant") ?? "shvit_s1";
        var count = Int(Option(args, "--images") ?? "300");
        var batches = (Option(args, "--batches") ?? "1,8,32").Split(',').Select(Int).ToArray();
        var memoryCounts = (Option(args, "--memory") ?? "1000,10000").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Int).ToArray();
        var memoryBatch = Int(Option(args, "--memory-batch") ?? "32");

        var work = Path.Combine(Path.GetTempPath(), "mlnetattn-bench-pipeline");
        var photos = MakePhotos(Path.Combine(work, "photos"), count);
        var model = ConvertModel(work, variant);
        var card = ModelZoo.Get(variant);

        Console.WriteLine($"{card.Name}@{card.InputSize}, {photos.Length} photos (256..640 px JPEG), {Environment.ProcessorCount} cores; the machine may be shared, so treat figures as indicative");
        Console.WriteLine();
        Console.WriteLine("| batch | images/s | ms/image | pass (s) |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var batch in batches)
        {
            var vision = new VisionContext();
            var pipeline = Pipeline(vision, model, batch);
            Pass(vision, pipeline, photos.Take(Math.Max(batch, 16)).ToArray()); // warm-up: sessions, pools, JIT
            var clock = Stopwatch.StartNew();
            var scored = Pass(vision, pipeline, photos);
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {batch} | {scored / seconds:0.0} | {1000 * seconds / scored:0.00} | {seconds:0.00} |"));
        }

        if (memoryCounts.Length == 0)
            return 0;
        Console.WriteLine();
        Console.WriteLine($"Peak resident memory (VmHWM), batch {memoryBatch}, one child process per run, the photo folder repeated:");
        Console.WriteLine();
        Console.WriteLine("| images | peak after warm-up (MiB) | peak at end (MiB) | growth (MiB) | images/s |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var n in memoryCounts)
        {
            var line = RunChild(model, Path.Combine(work, "photos"), n, memoryBatch);
            var values = line.Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
            var (warm, end) = (values["warm_kib"] / 1024, values["peak_kib"] / 1024);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {n} | {warm:0} | {end:0} | {end - warm:0} | {values["images"] / values["seconds"]:0.0} |"));
        }
        return 0;
    }

    private static TransformerChain<ClassificationHeadTransformer> Pipeline(VisionContext vision, string model, int batch)
    {
        var estimator = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ApplyBackbone(model, "Image", new OnnxOptions { BatchSize = batch }))
            .Append(vision.Transforms.ApplyClassificationHead());
        return estimator.Fit(vision.Data.LoadFromEnumerable(Array.Empty<PathRow>()));
    }

    /// <summary>Streams the rows through the fitted pipeline and counts the predictions (errors would count too, but there are none).</summary>
    private static int Pass(VisionContext vision, ITransformer pipeline, IEnumerable<string> paths, Action<int, LabelRow>? progress = null)
    {
        var data = vision.Data.LoadFromEnumerable(paths.Select(p => new PathRow { ImagePath = p }));
        var n = 0;
        foreach (var row in vision.Data.CreateEnumerable<LabelRow>(pipeline.Transform(data), reuseRowObject: true))
        {
            if (row.Error is not null)
                throw new InvalidOperationException($"{row.ImagePath}: {row.Error}");
            n++;
            progress?.Invoke(n, row);
        }
        return n;
    }

    /// <summary>
    /// The child: streams <c>count</c> images and prints its peak RSS after warm-up and at the end; with
    /// MLNETATTN_BENCH_TRACE=1 also the peak, current RSS and GC heap every 1000 images (on standard error).
    /// </summary>
    private static int Child(string[] args)
    {
        var model = args[0];
        var folder = args[1];
        var count = Int(args[2]);
        var batch = Int(args[3]);
        var files = Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).ToArray();
        var vision = new VisionContext();
        var pipeline = Pipeline(vision, model, batch);
        Pass(vision, pipeline, files.Take(batch * 2));
        var warm = PeakRssKib();
        var clock = Stopwatch.StartNew();
        // Lazy rows: nothing holds the whole list, as a job over a large manifest would not.
        var scored = Pass(vision, pipeline, Enumerable.Range(0, count).Select(i => files[i % files.Length]), progress: (n, _) =>
        {
            if (n % 1000 == 0 && Environment.GetEnvironmentVariable("MLNETATTN_BENCH_TRACE") == "1")
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{n} images: VmHWM {PeakRssKib() / 1024} MiB, VmRSS {StatusKib("VmRSS:") / 1024} MiB, GC heap {GC.GetGCMemoryInfo().HeapSizeBytes >> 20} MiB, live after a full collection {GC.GetTotalMemory(true) >> 20} MiB"));
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"images={scored} seconds={clock.Elapsed.TotalSeconds:0.000} warm_kib={warm} peak_kib={PeakRssKib()}"));
        return 0;
    }

    private static string RunChild(string model, string folder, int count, int batch)
    {
        var self = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(PipelineThroughput).Assembly.Location);
        foreach (var a in new[] { "pipeline", ChildVerb, model, folder, count.ToString(CultureInfo.InvariantCulture), batch.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"the memory run over {count} images failed: {stdout}{stderr.Result}");
        return stdout.Trim().Split('\n')[^1];
    }

    /// <summary>VmHWM of this process in KiB (Linux), or -1 where /proc is not available.</summary>
    private static long PeakRssKib() => StatusKib("VmHWM:");

    /// <summary>A "kB" field of /proc/self/status, or -1 where /proc is not available.</summary>
    private static long StatusKib(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
            return -1;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <paramref name="count"/> JPEGs made from the fixture photos: photo i % 5, a seeded crop of 40–100% of each side,
    /// rescaled so the longer side is 256..640 px. Made once; reused while the folder holds that many files.
    /// </summary>
    private static string[] MakePhotos(string folder, int count)
    {
        var existing = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.jpg") : [];
        if (existing.Length == count)
            return existing.Order(StringComparer.Ordinal).ToArray();
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        var source = Path.Combine(Repository.Root(), "Tests", "Fixtures", "images");
        string[] names = ["astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "rocket.jpg"];
        var originals = names.Select(n => ImageDecoder.Decode(Path.Combine(source, n))).ToArray();
        try
        {
            var random = new Random(20240601);
            var paths = new string[count];
            for (var i = 0; i < count; i++)
            {
                var image = originals[i % originals.Length];
                var w = Math.Max(32, (int)(image.Width * (0.4 + 0.6 * random.NextDouble())));
                var h = Math.Max(32, (int)(image.Height * (0.4 + 0.6 * random.NextDouble())));
                var x = random.Next(0, image.Width - w + 1);
                var y = random.Next(0, image.Height - h + 1);
                var side = random.Next(256, 641);
                var scale = (double)side / Math.Max(w, h);
                using var crop = image.Crop(x, y, w, h);
                using var resized = crop.Resize(Math.Max(1, (int)Math.Round(w * scale)), Math.Max(1, (int)Math.Round(h * scale)), ResizeKernel.Bilinear);
                paths[i] = Path.Combine(folder, $"{i:D5}.jpg");
                ImageEncoder.Save(resized, paths[i], ImageFormat.Jpeg);
            }
            return paths;
        }
        finally
        {
            foreach (var image in originals)
                image.Dispose();
        }
    }

    /// <summary>Converts the variant from a generated checkpoint (made once) into a store home under <paramref name="work"/>.</summary>
    private static string ConvertModel(string work, string variant)
    {
        var card = ModelZoo.Get(variant);
        var fixtures = Path.Combine(work, "fixtures");
        var checkpoint = Path.Combine(fixtures, $"{card.Architecture}_r{card.InputSize}", "checkpoint.pth");
        if (!File.Exists(checkpoint))
            Repository.Python(Repository.Root(), "Tests/Reference/make_parity_fixtures.py",
                "--variant", card.Architecture, "--resolution", card.InputSize.ToString(CultureInfo.InvariantCulture), "--batch", "1", "--out", fixtures);
        using var store = new ModelStore(new ModelStoreOptions { Home = Path.Combine(work, "home"), Offline = true });
        return ConvertedModels.GetOnnxAsync(card.Name, checkpoint, new ExportOptions(), store).GetAwaiter().GetResult();
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>An input row.</summary>
    public sealed class PathRow
    {
        /// <summary>The image path.</summary>
        public string ImagePath { get; set; } = "";
    }

    /// <summary>What a pass reads back.</summary>
    public sealed class LabelRow
    {
        /// <summary>The image path.</summary>
        public string ImagePath { get; set; } = "";

        /// <summary>Top-1 label.</summary>
        public string? PredictedLabel { get; set; }

        /// <summary>Error text or null.</summary>
        public string? Error { get; set; }
    }
}
