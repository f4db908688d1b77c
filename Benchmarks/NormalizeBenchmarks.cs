using BenchmarkDotNet.Attributes;
using MLNetAttn.Transforms.Tensors;

namespace MLNetAttn.Benchmarks;

/// <summary>HWC bytes to normalized CHW floats for one 224 x 224 image (the table-lookup normalizer).</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class NormalizeBenchmarks
{
    private readonly byte[] _pixels = new byte[224 * 224 * 3];
    private readonly float[] _planar = new float[3 * 224 * 224];

    [GlobalSetup]
    public void Setup() => new Random(3).NextBytes(_pixels);

    [Benchmark]
    public void ImageNet224() => PixelNormalizer.ImageNet.ToPlanar(_pixels, 224, 224, 224 * 3, _planar);
}
