using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Tests.Architectures;

/// <summary>
/// One uint8-input fixture written by Tests/Reference/make_uint8_fixtures.py: real photos as the eval transform's
/// bytes (NCHW uint8) and PyTorch's logits of them normalized, for the network of a parity fixture. Helpers convert
/// that network with and without <see cref="ExportOptions.Uint8Input"/> and run both with ONNX Runtime.
/// </summary>
internal sealed class Uint8Fixture
{
    private Uint8Fixture(string folder, JsonElement meta, ParityFixture parity)
    {
        Folder = folder;
        Meta = meta;
        Parity = parity;
        var shape = meta.GetProperty("tensors").GetProperty("pixels").GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Pixels = File.ReadAllBytes(Path.Combine(folder, "pixels.u8"));
        Assert.AreEqual(shape.Aggregate(1L, (a, b) => a * b), Pixels.LongLength, $"{folder}/pixels.u8: file length does not match its shape; regenerate the fixture");
        PixelShape = shape;
        Logits = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(folder, "logits.f32"))).ToArray();
        Mean = [.. meta.GetProperty("mean").EnumerateArray().Select(e => e.GetSingle())];
        Std = [.. meta.GetProperty("std").EnumerateArray().Select(e => e.GetSingle())];
    }

    public string Folder { get; }

    public JsonElement Meta { get; }

    /// <summary>The parity fixture whose checkpoint (and network config) this fixture used.</summary>
    public ParityFixture Parity { get; }

    /// <summary>The photos' bytes, NCHW RGB.</summary>
    public byte[] Pixels { get; }

    public long[] PixelShape { get; }

    /// <summary>PyTorch's logits of ToTensor() + Normalize(mean, std) of <see cref="Pixels"/>, [N, classes].</summary>
    public float[] Logits { get; }

    public float[] Mean { get; }

    public float[] Std { get; }

    public int Resolution => Meta.GetProperty("resolution").GetInt32();

    public string Images => string.Join(", ", Meta.GetProperty("images").EnumerateArray().Select(e => e.GetString()));

    /// <summary>A committed fixture under Tests/Fixtures/uint8 (its parity fixture is the committed one it names).</summary>
    public static Uint8Fixture Committed(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "uint8", name);
        var meta = ReadMeta(folder);
        var parity = ParityFixture.Load(Path.GetFullPath(Path.Combine(folder, "..", meta.GetProperty("parity_fixture").GetString()!)));
        return new Uint8Fixture(folder, meta, parity);
    }

    /// <summary>
    /// Made on demand from a (generated) parity fixture with the card's eval preprocessing, cached beside it so a
    /// rerun does not generate it again.
    /// </summary>
    public static Uint8Fixture Generate(ParityFixture parity, ModelCard card, params string[] images)
    {
        var resolution = parity.Resolution;
        var folder = $"{parity.Folder}_uint8_{string.Join("_", images.Select(Path.GetFileNameWithoutExtension))}";
        if (!File.Exists(Path.Combine(folder, "meta.json")))
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("MLNETATTN_PYTHON") ?? "/usr/bin/python3")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
            var args = new List<string>
            {
                Path.Combine(ParityFixture.RepositoryRoot(), "Tests", "Reference", "make_uint8_fixtures.py"),
                "--fixture", parity.Folder, "--resize", card.ResizeSizeFor(resolution).ToString(CultureInfo.InvariantCulture),
                "--interpolation", card.Interpolation.ToString().ToLowerInvariant(),
                "--mean", F(card.Mean[0]), F(card.Mean[1]), F(card.Mean[2]),
                "--std", F(card.Std[0]), F(card.Std[1]), F(card.Std[2]),
                "--out", folder + ".staging",
            };
            foreach (var image in images)
                args.AddRange(["--image", Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", image)]);
            foreach (var arg in args)
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(true);
                Assert.Fail($"make_uint8_fixtures.py did not finish for {parity.Folder}");
            }
            Assert.AreEqual(0, process.ExitCode, $"make_uint8_fixtures.py failed for {parity.Folder} (needs Debian's python3-torch and python3-torchvision): {stdout}{stderr.Result}");
            if (Directory.Exists(folder))
                Directory.Delete(folder, true);
            Directory.Move(folder + ".staging", folder);
        }
        return new Uint8Fixture(folder, ReadMeta(folder), parity);
    }

    /// <summary>The card with this fixture's mean and std (what torch normalized with).</summary>
    public ModelCard Card(ModelCard card) => card with { Mean = Mean, Std = Std };

    /// <summary>Converts the parity fixture's checkpoint for <paramref name="architecture"/>.</summary>
    public GraphBuilder Convert(ModelArchitecture architecture, ModelCard card, bool uint8, bool fp16 = false)
    {
        using var checkpoint = Checkpoint.Open(Parity.CheckpointPath);
        var (graph, _) = ModelConverter.Build(architecture, checkpoint, new ExportOptions { Resolution = Resolution, Uint8Input = uint8, Fp16Weights = fp16 }, Card(card));
        return graph;
    }

    /// <summary>Runs a uint8-input graph on <see cref="Pixels"/>; checks the input's element type first.</summary>
    public float[] RunUint8(GraphBuilder graph)
    {
        using var session = OnnxSession.FromBytes(graph.ToArray(), new OnnxSessionOptions { IntraOpNumThreads = 2 }, graph.GraphName);
        Assert.AreEqual(OnnxElementType.UInt8, session.Inputs.Single().ElementType, $"{graph.GraphName}: element type of '{ModelConverter.InputName}'");
        using var tensor = OnnxTensor.FromArray(Pixels, PixelShape);
        using var outputs = session.Run(ModelConverter.InputName, tensor);
        return outputs[ModelConverter.LogitsName].ToArray<float>();
    }

    /// <summary>Runs a float-input graph on <see cref="Pixels"/> normalized as torchvision does it (x/255, minus mean, over std, in float32).</summary>
    public float[] RunFloat(GraphBuilder graph)
    {
        using var session = OnnxSession.FromBytes(graph.ToArray(), new OnnxSessionOptions { IntraOpNumThreads = 2 }, graph.GraphName);
        Assert.AreEqual(OnnxElementType.Float, session.Inputs.Single().ElementType, $"{graph.GraphName}: element type of '{ModelConverter.InputName}'");
        using var tensor = OnnxTensor.FromArray(Normalize(Pixels, (int)(PixelShape[2] * PixelShape[3]), Mean, Std), PixelShape);
        using var outputs = session.Run(ModelConverter.InputName, tensor);
        return outputs[ModelConverter.LogitsName].ToArray<float>();
    }

    /// <summary>NCHW bytes to normalized floats; <paramref name="plane"/> is H·W, so the channel of index i is (i / plane) % 3.</summary>
    public static float[] Normalize(ReadOnlySpan<byte> pixels, int plane, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        var result = new float[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            var c = i / plane % 3;
            result[i] = (pixels[i] / 255f - mean[c]) / std[c];
        }
        return result;
    }

    /// <summary>max |a - b| and max |b|.</summary>
    public static (double MaxDiff, double MaxRef) Compare(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.AreEqual(expected.Length, actual.Length, "number of logits");
        double maxDiff = 0, maxRef = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }
        return (maxDiff, maxRef);
    }

    private static JsonElement ReadMeta(string folder)
    {
        var path = Path.Combine(folder, "meta.json");
        Assert.IsTrue(File.Exists(path), $"{path} is missing; regenerate it with Tests/Reference/make_uint8_fixtures.py (see Tests/Reference/README.md)");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }
}
