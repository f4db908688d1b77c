using System.IO.Compression;
using System.Text.Json;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Estimators.Tests;

/// <summary>Fixture paths, the pipeline fixture manifest, and the end-to-end model rebuilt from the generator's recipe.</summary>
internal static class TestData
{
    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string Images => Path.Combine(Fixtures, "images");

    public static string Pipeline => Path.Combine(Fixtures, "pipeline");

    /// <summary>The photos PIL can open (truncated.jpg is the broken one).</summary>
    public static readonly string[] Photos = ["astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "rocket.jpg"];

    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];

    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    private static readonly Lazy<JsonDocument> ManifestDocument = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Pipeline, "manifest.json"))));

    public static JsonElement Manifest => ManifestDocument.Value.RootElement;

    /// <summary>torch's float for channel c and byte v (from the manifest's lookup table).</summary>
    public static float[][] TorchTable => Manifest.GetProperty("table").EnumerateArray()
        .Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

    /// <summary>torchvision's eval tensor of a photo for a combo, rebuilt from the stored bytes and table.</summary>
    public static float[] TorchTensor(string photo, string combo, float[][] table)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(Pipeline, $"{photo}.{combo}.u8.gz")), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gz.CopyTo(bytes);
        var chw = bytes.ToArray();
        var plane = chw.Length / 3;
        var result = new float[chw.Length];
        for (var i = 0; i < chw.Length; i++)
            result[i] = table[i / plane][chw[i]];
        return result;
    }

    /// <summary>
    /// The end-to-end model of Tests/Reference/make_pipeline_fixtures.py: input [N,3,64,64] → Conv(3→8, k4, s4) → Relu →
    /// GlobalAveragePool → Flatten → Gemm(8→10) → logits, with the same dyadic weights.
    /// </summary>
    public static byte[] EndToEndModel(IDictionary<string, string>? metadata = null, string inputName = "input", long? fixedBatch = null)
    {
        var g = new GraphBuilder("e2e");
        TensorDim batch = fixedBatch is { } b ? b : "batch";
        var x = g.Input(inputName, TensorElementType.Float, [batch, 3, 64, 64]);
        var convW = new float[8 * 3 * 4 * 4];
        for (var o = 0; o < 8; o++)
            for (var c = 0; c < 3; c++)
                for (var i = 0; i < 4; i++)
                    for (var j = 0; j < 4; j++)
                        convW[((o * 3 + c) * 4 + i) * 4 + j] = (float)(Math.Round(64 * Math.Sin(0.7 * o + 1.3 * c + 0.37 * i + 0.11 * j + 0.5), MidpointRounding.ToEven) / 256);
        var convB = Enumerable.Range(0, 8).Select(o => (float)(Math.Round(16 * Math.Cos(0.9 * o), MidpointRounding.ToEven) / 256)).ToArray();
        var fcW = new float[10 * 8];
        for (var k = 0; k < 10; k++)
            for (var o = 0; o < 8; o++)
                fcW[k * 8 + o] = (float)(Math.Round(64 * Math.Sin(1.1 * k - 0.6 * o + 0.2), MidpointRounding.ToEven) / 64);
        var fcB = Enumerable.Range(0, 10).Select(k => (float)(Math.Round(32 * Math.Cos(0.5 * k), MidpointRounding.ToEven) / 128)).ToArray();
        var y = g.Conv(x, g.Initializer("conv.weight", convW, [8, 3, 4, 4]), g.Initializer("conv.bias", convB, [8]), stride: 4);
        y = g.Flatten(g.GlobalAveragePool(g.Relu(y)));
        y = g.Gemm(y, g.Initializer("fc.weight", fcW, [10, 8]), g.Initializer("fc.bias", fcB, [10]), transB: true);
        g.Output(y, TensorElementType.Float, [batch, 10], "logits");
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            g.Metadata[key] = value;
        return g.ToArray();
    }

    public static readonly string[] TenLabels = Enumerable.Range(0, 10).Select(i => $"class{i}").ToArray();

    /// <summary>A fresh temporary folder, deleted by the caller.</summary>
    public static string TempFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), "mlnetattn-est-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>A row holding an image path.</summary>
public sealed class PathRow
{
    /// <summary>The image path.</summary>
    public string ImagePath { get; set; } = "";
}

/// <summary>Pixels out of a pipeline.</summary>
public sealed class PixelsRow
{
    /// <summary>The tensor row.</summary>
    public float[] Pixels { get; set; } = [];
}

/// <summary>A classification result.</summary>
public sealed class Prediction
{
    /// <summary>Source path.</summary>
    public string? ImagePath { get; set; }

    /// <summary>Logits.</summary>
    [ColumnName("logits")]
    public float[] Logits { get; set; } = [];

    /// <summary>Probabilities.</summary>
    public float[] Score { get; set; } = [];

    /// <summary>Top-1 label.</summary>
    public string? PredictedLabel { get; set; }

    /// <summary>Top-k class indices.</summary>
    public int[] TopKIndices { get; set; } = [];

    /// <summary>Error text or null.</summary>
    public string? Error { get; set; }
}
