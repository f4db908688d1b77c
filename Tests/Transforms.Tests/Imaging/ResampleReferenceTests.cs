using System.Diagnostics;
using System.Text.Json;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>
/// Ties the scalar reference of <see cref="PilResampler"/> to PIL directly (the default path on vector hardware is
/// the vector one, checked by <see cref="ResizeTests"/>), and reruns the vector comparisons in a child process
/// with 256-bit intrinsics switched off, so the 128-bit passes run too.
/// </summary>
[TestClass]
public sealed class ResampleReferenceTests
{
    private const string ChildMarker = "MLNETATTN_RESAMPLE_CHILD";

    [TestMethod]
    public void ScalarReferenceMatchesPilExactly()
    {
        // Tolerance: none, as for the default path: same manifest cases (5 per kernel, 4 kernels).
        var count = 0;
        foreach (var c in ImagingManifest.Root.GetProperty("resize").EnumerateArray())
        {
            var file = c.GetProperty("file").GetString()!;
            using var source = Source(c);
            int width = c.GetProperty("width").GetInt32(), height = c.GetProperty("height").GetInt32();
            var kernel = c.GetProperty("kernel").GetString() switch
            {
                "nearest" => ResizeKernel.Nearest,
                "bilinear" => ResizeKernel.Bilinear,
                "bicubic" => ResizeKernel.Bicubic,
                "lanczos" => ResizeKernel.Lanczos,
                var other => throw new InvalidDataException($"Unknown kernel '{other}' in the imaging manifest; regenerate it."),
            };
            var pixels = new byte[width * height * 3];
            PilResampler.ResizeReference(source.Pixels, source.Width, source.Height, pixels, width, height, kernel);
            using var expected = ImageDecoder.Decode(ImagingFixtures.Fixture(file));
            var (mean, max) = ImagingFixtures.Diff(pixels, expected.Pixels);
            Assert.AreEqual(0, max, $"{file}: the scalar reference differs from PIL (mean {mean:F4}, max {max}); fix the reference before the vector passes.");
            count++;
        }
        Assert.AreEqual(20, count, "the manifest should hold five resize cases for each of four kernels");
    }

    private static RgbImage Source(JsonElement c)
    {
        var image = ImageDecoder.Decode(ImagingFixtures.Photo(c.GetProperty("source").GetString()!));
        if (c.GetProperty("crop").ValueKind != JsonValueKind.Array)
            return image;
        using (image)
        {
            var box = c.GetProperty("crop").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            return image.Crop(box[0], box[1], box[2] - box[0], box[3] - box[1]);
        }
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void VectorComparisonsPassWithout256BitIntrinsics()
    {
        if (Environment.GetEnvironmentVariable(ChildMarker) is not null)
            Assert.Inconclusive("Running inside the child process already.");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet))
            Assert.Inconclusive("DOTNET_HOST_PATH is not set (not run by the dotnet CLI), so the child test run cannot start.");

        // DOTNET_EnableAVX2=0 turns Vector256 acceleration off: the horizontal pass then takes one row at a time and
        // the vertical pass 16 bytes at a time, paths the in-process run does not reach on AVX2 hardware.
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("vstest");
        start.ArgumentList.Add(typeof(ResampleReferenceTests).Assembly.Location);
        start.ArgumentList.Add("--TestCaseFilter:FullyQualifiedName~ResampleVectorTests|FullyQualifiedName~ResizeTests.MatchesPilResizeExactly");
        start.Environment["DOTNET_EnableAVX2"] = "0";
        start.Environment[ChildMarker] = "1";
        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var output = stdout + stderr.Result;
        Assert.AreEqual(0, child.ExitCode, $"The child run with DOTNET_EnableAVX2=0 failed; its output:\n{output}");
        StringAssert.Contains(output, "Passed!", $"The child run reported no passing tests; its output:\n{output}");
        Assert.DoesNotContain("Total tests: 0", output, "The child run's filter matched no tests.");
    }
}
