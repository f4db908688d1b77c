using BenchmarkDotNet.Attributes;
using MLNetAttn.Benchmarks.Peers;
using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Zoo;
using MLNetAttn.Zoo.Architectures;

namespace MLNetAttn.Benchmarks;

/// <summary>
/// One ONNX Runtime run of a converted backbone (random weights from the reference generator) by batch size, with
/// 2 intra-op threads; divide by the batch size for the time per image. The model is made once in the peer harness's
/// work folder (/tmp/mlnetattn-bench-peers) and reused.
/// </summary>
[ShortRunJob]
public class OrtRunBenchmarks
{
    private OnnxSession _session = null!;
    private OnnxTensor _input = null!;
    private string _inputName = "";

    /// <summary>Variant at its resolution, as the harness names it.</summary>
    [Params("cloformer_xxs@224", "shvit_s4@256")]
    public string Model { get; set; } = "";

    /// <summary>Images per run.</summary>
    [Params(1, 8, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parts = Model.Split('@');
        var resolution = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var work = Path.Combine(Path.GetTempPath(), "mlnetattn-bench-peers");
        var checkpoint = Path.Combine(work, $"{parts[0]}_r{resolution}", "checkpoint.pth");
        if (!File.Exists(checkpoint))
            Repository.Python(Repository.Root(), "Tests/Reference/make_parity_fixtures.py", "--variant", parts[0], "--resolution", $"{resolution}", "--batch", "1", "--out", work);
        var model = Path.Combine(work, $"{parts[0]}_r{resolution}.mlnetattn.onnx");
        if (!File.Exists(model))
            ModelConverter.Export(ModelZoo.Get(parts[0]).Name, checkpoint, model, new ExportOptions { Resolution = resolution });
        _session = OnnxSession.FromFile(model, new OnnxSessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 });
        _inputName = _session.Inputs[0].Name;
        var data = new float[Batch * 3 * resolution * resolution];
        var random = new Random(5);
        for (var i = 0; i < data.Length; i++)
            data[i] = (float)(random.NextDouble() * 4 - 2);
        _input = OnnxTensor.FromArray(data, Batch, 3, resolution, resolution);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _session.Dispose();
    }

    [Benchmark]
    public int Run()
    {
        using var results = _session.Run(_inputName, _input);
        return results.Count;
    }
}
