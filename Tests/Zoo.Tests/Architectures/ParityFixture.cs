using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Checkpoints;

namespace MLNetAttn.Zoo.Tests.Architectures;

/// <summary>
/// One parity fixture written by Tests/Reference/make_parity_fixtures.py: a checkpoint, an input batch and
/// PyTorch's outputs. <see cref="Check"/> converts the checkpoint with the project's converter, runs the ONNX
/// model with the project's ORT binding and reports the error of every output.
/// </summary>
internal sealed class ParityFixture
{
    /// <summary>The parity bound for float32 weights: max |ours - torch| / max |torch| per output.</summary>
    public const double Fp32Bound = 1e-4;

    /// <summary>The bound with float16 weights (each weight rounded to 11 significant bits, computation in float32).</summary>
    public const double Fp16Bound = 2e-2;

    private ParityFixture(string folder, JsonDocument meta)
    {
        Folder = folder;
        Meta = meta.RootElement;
    }

    public string Folder { get; }

    public JsonElement Meta { get; }

    public JsonElement Config => Meta.GetProperty("config");

    public string Variant => Meta.GetProperty("variant").GetString()!;

    public int Resolution => Meta.GetProperty("resolution").GetInt32();

    public int Batch => Meta.GetProperty("batch").GetInt32();

    public int NumClasses => Meta.GetProperty("num_classes").GetInt32();

    public string CheckpointPath => Path.Combine(Folder, "checkpoint.pth");

    /// <summary>What the latest <see cref="Check"/> conversion reported (its Elapsed is the conversion time).</summary>
    public ConversionResult? LastConversion { get; private set; }

    public IReadOnlyList<string> OutputNames => Meta.GetProperty("outputs").EnumerateArray().Select(e => e.GetString()!).ToList();

    /// <summary>A committed fixture under Tests/Fixtures/parity.</summary>
    public static ParityFixture Committed(string name) => Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity", name));

    public static ParityFixture Load(string folder) => new(folder, JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "meta.json"))));

    /// <summary>
    /// A full-size fixture made on demand by the reference generator (Debian's torch), cached under
    /// $MLNETATTN_PARITY_CACHE or the temp folder, so a rerun does not generate it again. With
    /// <paramref name="reduced"/> it is the family's reduced-width stand-in of <paramref name="variant"/> (the
    /// generator's --reduced), e.g. the committed fixture's network at another resolution.
    /// </summary>
    public static ParityFixture Generate(string variant, int resolution, int batch = 2, bool reduced = false)
    {
        var cache = Environment.GetEnvironmentVariable("MLNETATTN_PARITY_CACHE") is { Length: > 0 } c ? c : Path.Combine(Path.GetTempPath(), "mlnetattn-parity");
        var folder = Path.Combine(cache, $"{variant}{(reduced ? "_reduced" : "")}_r{resolution}_b{batch}");
        if (!File.Exists(Path.Combine(folder, "meta.json")))
        {
            var script = Path.Combine(RepositoryRoot(), "Tests", "Reference", "make_parity_fixtures.py");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("MLNETATTN_PYTHON") ?? "/usr/bin/python3")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // The generator names its folder after the network it builds (the stand-in's name when reduced),
            // so it writes into a staging folder whose only child is moved into place.
            var staging = folder + ".staging";
            if (Directory.Exists(staging))
                Directory.Delete(staging, true);
            foreach (var arg in new[] { script, "--variant", variant, "--resolution", resolution.ToString(), "--batch", batch.ToString(), "--out", staging })
                start.ArgumentList.Add(arg);
            if (reduced)
                start.ArgumentList.Add("--reduced");
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
            {
                process.Kill(true);
                Assert.Fail($"the reference generator did not finish for {variant}@{resolution}");
            }
            Assert.AreEqual(0, process.ExitCode, $"reference generator failed for {variant}@{resolution} (needs Debian's python3-torch): {stdout}{stderr.Result}");
            Directory.Move(Directory.GetDirectories(staging).Single(), folder);
            Directory.Delete(staging);
        }
        return Load(folder);
    }

    /// <summary>Reads one of the fixture's float32 tensors.</summary>
    public (float[] Data, long[] Shape) Tensor(string name)
    {
        var entry = Meta.GetProperty("tensors").GetProperty(name);
        var shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var data = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(Folder, entry.GetProperty("file").GetString()!))).ToArray();
        Assert.AreEqual(shape.Aggregate(1L, (a, b) => a * b), data.LongLength, $"{name}: file length does not match its shape");
        return (data, shape);
    }

    /// <summary>
    /// Converts, runs and compares. <paramref name="batch"/> takes the first images of the fixture's batch
    /// (batch 1 checks that nothing depends on the batch size). Returns output name -> relative error.
    /// </summary>
    public IReadOnlyDictionary<string, double> Check(ModelArchitecture architecture, int? batch = null, bool fp16 = false, int? resolution = null)
    {
        var n = batch ?? Batch;
        using var checkpoint = Checkpoint.Open(CheckpointPath);
        var (graph, result) = ModelConverter.Build(architecture, checkpoint, new ExportOptions { Features = true, Fp16Weights = fp16, Resolution = resolution ?? Resolution });
        LastConversion = result;
        Assert.AreEqual(NumClasses, result.NumClasses, "classifier width read from the checkpoint");
        foreach (var name in OutputNames.Where(o => o != "logits"))
            Assert.IsTrue(result.Outputs.Contains(name), $"the converted graph has no output '{name}' (has {string.Join(", ", result.Outputs)})");

        using var session = OnnxSession.FromBytes(graph.ToArray(), new OnnxSessionOptions { IntraOpNumThreads = 2 }, Variant);
        var (input, inputShape) = Tensor("input");
        var perImage = input.Length / inputShape[0];
        using var tensor = OnnxTensor.FromArray(input[..(int)(perImage * n)], [n, .. inputShape[1..]]);
        using var outputs = session.Run(ModelConverter.InputName, tensor);

        var errors = new Dictionary<string, double>();
        foreach (var name in OutputNames)
        {
            var (expected, shape) = Tensor(name);
            var actual = outputs[name];
            CollectionAssert.AreEqual(new long[] { n }.Concat(shape[1..]).ToArray(), actual.Shape.ToArray(), $"shape of {name}");
            var got = actual.GetSpan<float>();
            var per = expected.Length / shape[0];
            double maxDiff = 0, maxRef = 0;
            for (var i = 0; i < per * n; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(got[i] - expected[i]));
                maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
            }
            errors[name] = maxDiff / Math.Max(maxRef, 1e-12);
        }
        return errors;
    }

    /// <summary>Asserts every output is within <paramref name="bound"/>, naming the worst.</summary>
    public static void AssertWithin(IReadOnlyDictionary<string, double> errors, double bound, string what)
    {
        var report = string.Join(", ", errors.Select(e => $"{e.Key} {e.Value:0.0e+0}"));
        Console.WriteLine($"{what}: {report}");
        foreach (var (name, error) in errors)
            Assert.IsLessThanOrEqualTo(bound, error, $"{what}: output '{name}' differs from PyTorch by {error:0.0e+0} relative (bound {bound:0e+0}); all: {report}");
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLNetAttn.sln")))
                return dir.FullName;
        throw new InvalidOperationException("the repository root (MLNetAttn.sln) is not above the test output folder");
    }
}
