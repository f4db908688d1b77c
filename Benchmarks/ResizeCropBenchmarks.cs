using BenchmarkDotNet.Attributes;
using MLNetAttn.Benchmarks.Peers;
using MLNetAttn.Estimators;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Benchmarks;

/// <summary>
/// The eval transform's resize + centre crop done two ways, on a 640 × 480 JPEG (a fixture photo rescaled, quality 90,
/// in memory): the full resize (shorter side to 292, bicubic) then the 256 × 256 crop, and <c>ResizeCrop</c>, which
/// resamples only the cropped pixels. Both give the same bytes. The Decode* rows include the decode (<c>Decode</c> alone
/// is the baseline to subtract); the other two start from the decoded image.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ResizeCropBenchmarks
{
    private const int ResizeSize = 292;
    private const int CropSize = 256;
    private byte[] _jpeg = [];
    private RgbImage _decoded = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var photo = ImageDecoder.Decode(Path.Combine(Repository.Root(), "Tests", "Fixtures", "images", "coffee.png"));
        using var scaled = photo.Resize(640, 480, ResizeKernel.Bicubic);
        _jpeg = ImageEncoder.Encode(scaled, ImageFormat.Jpeg);
        _decoded = ImageDecoder.Decode(_jpeg, "source.jpg");
    }

    [GlobalCleanup]
    public void Cleanup() => _decoded.Dispose();

    [Benchmark(Baseline = true)]
    public int Decode()
    {
        using var image = ImageDecoder.Decode(_jpeg, "source.jpg");
        return image.Width;
    }

    [Benchmark]
    public int DecodeResizeThenCrop()
    {
        using var decoded = ImageDecoder.Decode(_jpeg, "source.jpg");
        return ResizeThenCropOf(decoded);
    }

    [Benchmark]
    public int DecodeResizeCrop()
    {
        using var decoded = ImageDecoder.Decode(_jpeg, "source.jpg");
        return ResizeCropOf(decoded);
    }

    [Benchmark]
    public int ResizeThenCrop() => ResizeThenCropOf(_decoded);

    [Benchmark]
    public int ResizeCrop() => ResizeCropOf(_decoded);

    private static int ResizeThenCropOf(RgbImage decoded)
    {
        var (w, h, x, y) = Plan(decoded);
        using var resized = decoded.Resize(w, h, ResizeKernel.Bicubic);
        using var cropped = resized.Crop(x, y, CropSize, CropSize);
        return cropped.Width;
    }

    private static int ResizeCropOf(RgbImage decoded)
    {
        var (w, h, x, y) = Plan(decoded);
        using var cropped = decoded.ResizeCrop(w, h, x, y, CropSize, CropSize, ResizeKernel.Bicubic);
        return cropped.Width;
    }

    private static (int Width, int Height, int X, int Y) Plan(RgbImage image)
    {
        var plan = ResizePlan.Create(image.Width, image.Height, CropSize, CropSize, ResizingKind.IsoCrop, Anchor.Center, ResizeSize);
        return (plan.ResizeWidth, plan.ResizeHeight, plan.X, plan.Y);
    }
}
