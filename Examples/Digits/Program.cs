using System.Diagnostics;
using System.Globalization;
using MLNetAttn.Examples.Digits;

// Evaluates the digits model on the 360 test images and checks every prediction against PyTorch's.
// Usage: dotnet run --project Examples/Digits -c Release [-- <folder holding images/test and model/>]
var root = args.Length > 0 ? args[0] : AppContext.BaseDirectory;
DigitsModel.ModelFolder = Path.Combine(root, "model");
var clock = Stopwatch.StartNew();
var torch = DigitsModel.Config.Predictions.ToDictionary(p => p.Path, StringComparer.Ordinal);

var testFolder = Path.Combine(root, "images", "test");
if (!Directory.Exists(testFolder))
{
    Console.Error.WriteLine($"No test images at {testFolder}; pass the folder holding images/test and model/ (Examples/Digits in the repository).");
    return 2;
}
var images = Directory.GetDirectories(testFolder)
    .SelectMany(folder => Directory.GetFiles(folder, "*.png").Select(file => (File: file, Label: Path.GetFileName(folder))))
    .OrderBy(x => x.File, StringComparer.Ordinal)
    .ToArray();

int correct = 0, agree = 0;
var differences = new List<string>();
double worstScore = 0;
foreach (var (file, label) in images)
{
    var output = DigitsModel.Predict(new ModelInput { ImagePath = file, Label = label });
    if (output.PredictedLabel == label)
        correct++;
    var key = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
    if (!torch.TryGetValue(key, out var expected))
    {
        differences.Add($"{key}: PyTorch made no prediction for this image");
        continue;
    }
    if (output.PredictedLabel == expected.Predicted.ToString(CultureInfo.InvariantCulture))
    {
        agree++;
        worstScore = Math.Max(worstScore, Math.Abs(output.Score[expected.Predicted] - expected.Score));
    }
    else
    {
        differences.Add($"{key}: predicted {output.PredictedLabel}, PyTorch {expected.Predicted}");
    }
}

foreach (var line in differences)
    Console.WriteLine($"differs: {line}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"accuracy {correct}/{images.Length} = {100.0 * correct / Math.Max(images.Length, 1):0.0000}% (PyTorch: {100 * DigitsModel.Config.TestAccuracy:0.0000}%)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"agreement with PyTorch {agree}/{torch.Count} images, max |score - PyTorch score| {worstScore:0.0e+0}; {clock.Elapsed.TotalSeconds:0.00} s"));
return differences.Count == 0 && agree == torch.Count ? 0 : 1;
