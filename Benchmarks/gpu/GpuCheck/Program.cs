using System.Diagnostics;
using System.Globalization;
using MLNetAttn.Estimators;
using MLNetAttn.Transforms.Native;
using MLNetAttn.Transforms.Onnx;
using Microsoft.Extensions.Logging;

// Scores one converted model on CUDA and on CPU in one process: the outputs compared (max relative difference),
// inference alone timed (one batch of fixed pseudo-random pixels, median of --runs after 3 warm-ups) and the whole
// pipeline timed (decode, resize, normalize, batched inference, softmax over a folder of photos).
//   GpuCheck --model model.onnx --images photos/ [--device 0] [--batch 32] [--runs 20] [--passes 3]
var options = Args.Parse(args);
using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddSimpleConsole(o => o.SingleLine = true));
NativeRuntimeOptions.LoggerFactory = logging;

Console.WriteLine($"ONNX Runtime {OnnxRuntimeInfo.Version} ({OnnxRuntimeInfo.Package}) from {OnnxRuntimeInfo.LibraryPath}");
Console.WriteLine($"  providers: {string.Join(", ", OnnxRuntimeInfo.AvailableProviders)}");
Console.WriteLine($"  model {options.Model}, CUDA device {options.Device}, batch {options.Batch}, {Environment.ProcessorCount} CPU cores");

// FallbackToCpu = false: a CUDA session that cannot be made is the answer, not a silent CPU run.
var cudaOptions = new OnnxSessionOptions { GpuDeviceId = options.Device, FallbackToCpu = false };
using var cpu = OnnxSession.FromFile(options.Model);
OnnxSession cudaSession;
try
{
    cudaSession = OnnxSession.FromFile(options.Model, cudaOptions);
}
catch (OnnxRuntimeException e)
{
    return Fail(e.Message);
}
using var cuda = cudaSession;
Console.WriteLine($"  sessions: {cpu.ExecutionProvider} and {cuda.ExecutionProvider}");
if (cuda.ExecutionProvider != "CUDA")
    return Fail("the CUDA session runs on " + cuda.ExecutionProvider);

// Inference alone.
var input = cpu.Inputs[0];
var shape = input.Dimensions.Select((d, i) => i == 0 ? options.Batch : d).ToArray();
if (shape.Skip(1).Any(d => d <= 0))
    return Fail($"input {input} has free dimensions besides the batch");
var pixels = new float[shape.Aggregate(1L, (a, d) => a * d)];
var random = new Random(12345);
for (var i = 0; i < pixels.Length; i++)
    pixels[i] = (float)(random.NextDouble() * 4 - 2); // the range of ImageNet-normalized pixels
using var tensor = OnnxTensor.FromArray(pixels, shape);
float[] cpuOut, cudaOut;
using (var r = cpu.Run(input.Name, tensor)) cpuOut = r[0].ToArray<float>();
using (var r = cuda.Run(input.Name, tensor)) cudaOut = r[0].ToArray<float>();
var diff = Compare(cpuOut, cudaOut, options.Batch);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"outputs ({cpu.Outputs[0].Name}, {cpuOut.Length} values): max abs diff {diff.MaxAbs:G4}, max rel diff {diff.MaxRel:G4} (|cuda-cpu| / max(|cpu|, 1e-3 max|cpu|)), top-1 agreement {diff.Top1}/{options.Batch}"));

var cpuMs = Time(cpu, input.Name, tensor, options.Runs);
var cudaMs = Time(cuda, input.Name, tensor, options.Runs);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"inference alone, batch {options.Batch}: CPU {cpuMs:0.00} ms ({options.Batch / cpuMs * 1000:0.0} img/s), CUDA {cudaMs:0.00} ms ({options.Batch / cudaMs * 1000:0.0} img/s, host-device copies included), CUDA/CPU speed {cpuMs / cudaMs:0.00}x"));

// End to end over the photos, the library's pipeline.
var photos = Directory.EnumerateFiles(options.Images, "*", SearchOption.AllDirectories)
    .Where(p => p.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
    .Order(StringComparer.Ordinal).ToArray();
if (photos.Length == 0)
    return Fail($"no .jpg/.png photos under {options.Images}");
var (cpuScores, cpuIps) = EndToEnd(photos, null, options);
var (cudaScores, cudaIps) = EndToEnd(photos, options.Device, options);
var e2e = Compare(cpuScores.SelectMany(s => s).ToArray(), cudaScores.SelectMany(s => s).ToArray(), photos.Length);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"end to end, {photos.Length} photos: softmax scores max abs diff {e2e.MaxAbs:G4}, max rel diff {e2e.MaxRel:G4}, top-1 agreement {e2e.Top1}/{photos.Length}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"end to end, best of {options.Passes} passes: CPU {cpuIps:0.0} img/s, CUDA {cudaIps:0.0} img/s, CUDA/CPU {cudaIps / cpuIps:0.00}x"));
return 0;

static int Fail(string why)
{
    Console.Error.WriteLine("GpuCheck: " + why);
    return 1;
}

static double Time(OnnxSession session, string inputName, OnnxTensor tensor, int runs)
{
    for (var i = 0; i < 3; i++)
        session.Run(inputName, tensor).Dispose();
    var ms = new double[runs];
    for (var i = 0; i < runs; i++)
    {
        var start = Stopwatch.GetTimestamp();
        session.Run(inputName, tensor).Dispose();
        ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
    Array.Sort(ms);
    return ms[runs / 2];
}

static (double MaxAbs, double MaxRel, int Top1) Compare(float[] reference, float[] other, int rows)
{
    // Relative to each value, floored at a thousandth of the largest magnitude so that values near zero do not dominate.
    var scale = reference.Max(MathF.Abs);
    var floor = Math.Max(scale * 1e-3, 1e-12);
    double maxAbs = 0, maxRel = 0;
    for (var i = 0; i < reference.Length; i++)
    {
        var d = Math.Abs((double)other[i] - reference[i]);
        maxAbs = Math.Max(maxAbs, d);
        maxRel = Math.Max(maxRel, d / Math.Max(Math.Abs(reference[i]), floor));
    }
    var per = reference.Length / rows;
    var top1 = 0;
    for (var r = 0; r < rows; r++)
    {
        var a = reference.AsSpan(r * per, per);
        var b = other.AsSpan(r * per, per);
        if (a.IndexOf(MaxOf(a)) == b.IndexOf(MaxOf(b)))
            top1++;
    }
    return (maxAbs, maxRel, top1);

    static float MaxOf(ReadOnlySpan<float> s)
    {
        var m = float.NegativeInfinity;
        foreach (var v in s)
            m = Math.Max(m, v);
        return m;
    }
}

static (List<float[]> Scores, double ImagesPerSecond) EndToEnd(string[] photos, int? device, Args options)
{
    var vision = new VisionContext();
    var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath")
        .Append(vision.Transforms.ApplyBackbone(options.Model, "Image", new OnnxOptions { BatchSize = options.Batch, GpuDeviceId = device }))
        .Append(vision.Transforms.ApplyClassificationHead())
        .Fit(vision.Data.LoadFromEnumerable(Array.Empty<PathRow>()));
    var data = vision.Data.LoadFromEnumerable(photos.Select(p => new PathRow { ImagePath = p }));
    List<float[]> scores = [];
    var best = 0.0;
    for (var pass = 0; pass <= options.Passes; pass++) // pass 0 warms up (and collects the scores)
    {
        var start = Stopwatch.GetTimestamp();
        foreach (var row in vision.Data.CreateEnumerable<ScoreRow>(pipeline.Transform(data), reuseRowObject: false))
        {
            if (row.Error is not null)
                throw new InvalidOperationException($"{row.ImagePath}: {row.Error}");
            if (pass == 0)
                scores.Add(row.Score);
        }
        if (pass > 0)
            best = Math.Max(best, photos.Length / Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
    return (scores, best);
}

/// <summary>The command line.</summary>
internal sealed record Args(string Model, string Images, int Device, int Batch, int Runs, int Passes)
{
    public static Args Parse(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Args(
            Value("--model") ?? throw new ArgumentException("--model <converted .onnx> is required"),
            Value("--images") ?? throw new ArgumentException("--images <folder of photos> is required"),
            Int("--device", 0), Int("--batch", 32), Int("--runs", 20), Int("--passes", 3));
    }
}

/// <summary>One input path.</summary>
internal sealed class PathRow
{
    public string ImagePath { get; set; } = "";
}

/// <summary>What the pipeline gives back per photo.</summary>
internal sealed class ScoreRow
{
    public string ImagePath { get; set; } = "";
    public float[] Score { get; set; } = [];
    public string? Error { get; set; }
}
