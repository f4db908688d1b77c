using System.Diagnostics;
using System.Globalization;
using MLNetAttn.Examples.Digits;

namespace MLNetAttn.Examples.Tests;

/// <summary>
/// Examples/Digits: the consume class and the program reproduce PyTorch's prediction on every one of the 360 test
/// digits (train_digits.py's per-image predictions in model/digits_shvit.json).
/// </summary>
[TestClass]
public sealed class DigitsExampleTests
{
    /// <summary>
    /// The probability of PyTorch's class within 1e-5: the json rounds it to 6 decimals (±5e-7) and the pixels are
    /// identical (PNG, no resize), so only float summation order differs.
    /// </summary>
    private const double ScoreTolerance = 1e-5;

    private static readonly string Root = AppContext.BaseDirectory;

    [TestMethod]
    public void ConsumeClassAgreesWithPyTorchOnEveryImage()
    {
        DigitsModel.ModelFolder = Path.Combine(Root, "model");
        var predictions = DigitsModel.Config.Predictions;
        Assert.HasCount(360, predictions);
        var outputs = new ModelOutput[predictions.Length];
        // From several threads at once: Predict is documented thread-safe.
        Parallel.For(0, predictions.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => outputs[i] = DigitsModel.Predict(new ModelInput { ImagePath = Path.Combine(Root, predictions[i].Path) }));
        var correct = 0;
        for (var i = 0; i < predictions.Length; i++)
        {
            var torch = predictions[i];
            Assert.AreEqual(torch.Predicted.ToString(CultureInfo.InvariantCulture), outputs[i].PredictedLabel, torch.Path);
            Assert.HasCount(10, outputs[i].Score);
            Assert.AreEqual(torch.Score, outputs[i].Score[torch.Predicted], ScoreTolerance, torch.Path);
            if (torch.Label == torch.Predicted)
                correct++;
        }
        Assert.AreEqual(357, correct, "99.1667% as PyTorch measured");
    }

    [TestMethod]
    public void ProgramExitsZeroAndReportsAccuracy()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        start.ArgumentList.Add(Path.Combine(Root, "MLNetAttn.Examples.Digits.dll"));
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(2)), "the example did not finish within 2 minutes");
        Assert.AreEqual(0, process.ExitCode, stdout + stderr.Result);
        StringAssert.Contains(stdout, "accuracy 357/360 = 99.1667%");
        StringAssert.Contains(stdout, "agreement with PyTorch 360/360 images");
        Assert.IsFalse(stdout.Contains("differs:"), stdout);
    }

    [TestMethod]
    public void ABrokenImageIsReportedByName()
    {
        DigitsModel.ModelFolder = Path.Combine(Root, "model");
        var broken = Path.Combine(Path.GetTempPath(), $"digits-broken-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(broken, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        try
        {
            var e = Assert.Throws<Exception>(() => DigitsModel.Predict(new ModelInput { ImagePath = broken }));
            StringAssert.Contains(e.Message, Path.GetFileName(broken));
        }
        finally
        {
            File.Delete(broken);
        }
    }
}
