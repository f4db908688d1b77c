using BenchmarkDotNet.Attributes;
using MLNetAttn.Benchmarks.Peers;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Benchmarks;

/// <summary>
/// Decode + resize (+ centre crop) of one JPEG to 224 × 224 the timm eval way (shorter side to 248, crop), by source
/// size and kernel; and decode alone. The sources are a fixture photo rescaled to the given longer side and written at
/// quality 90, in memory, so the figures exclude the file system.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ImagingBenchmarks
{
    private byte[] _jpeg = [];
    private Preprocessing _prep = null!;

    /// <summary>The source's longer side in pixels (the photo is 4:3).</summary>
    [Params(400, 640, 1280)]
    public int SourceSide { get; set; }

    /// <summary>The resampling kernel.</summary>
    [Params(ResizeKernel.Bilinear, ResizeKernel.Bicubic)]
    public ResizeKernel Kernel { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var photo = ImageDecoder.Decode(Path.Combine(Repository.Root(), "Tests", "Fixtures", "images", "coffee.png"));
        using var scaled = photo.Resize(SourceSide, SourceSide * 3 / 4, ResizeKernel.Bicubic);
        _jpeg = ImageEncoder.Encode(scaled, ImageFormat.Jpeg);
        _prep = new Preprocessing(224, 248, Kernel, Transforms.Tensors.PixelNormalizer.ImageNet);
    }

    [Benchmark(Baseline = true)]
    public int Decode()
    {
        using var image = ImageDecoder.Decode(_jpeg, "source.jpg");
        return image.Width;
    }

    [Benchmark]
    public int DecodeResizeCrop()
    {
        using var decoded = ImageDecoder.Decode(_jpeg, "source.jpg");
        using var cropped = _prep.ResizeCrop(decoded);
        return cropped.Width;
    }
}
