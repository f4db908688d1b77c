using System.Diagnostics;
using System.Text.Json;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Tests.Onnx;

/// <summary>
/// Runs Tests/Reference/check_onnx.py with Debian's Python (onnx 1.12): onnx.checker.check_model with
/// full_check, then a JSON dump of the model that tests assert on.
/// </summary>
internal static class OnnxChecker
{
    /// <summary>Debian's interpreter; the first python3 on PATH may lack onnx. MLNETATTN_PYTHON overrides.</summary>
    private static string Python => Environment.GetEnvironmentVariable("MLNETATTN_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>Writes the graph to a temporary file, checks it and returns the parsed dump.</summary>
    public static JsonElement Check(GraphBuilder graph, bool runChecker = true)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnetattn-{graph.GraphName}-{Guid.NewGuid():N}.onnx");
        try
        {
            graph.Save(path);
            return CheckFile(path, runChecker);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Checks a model file and returns the parsed dump; fails the test with the checker's message when rejected.</summary>
    public static JsonElement CheckFile(string path, bool runChecker = true)
    {
        if (!File.Exists(Python))
        {
            Assert.Fail($"{Python} is missing: the ONNX tests validate models with Debian's python3 and python3-onnx (apt-get install python3-onnx python3-numpy), or set MLNETATTN_PYTHON.");
        }

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(path);
        if (!runChecker)
        {
            start.ArgumentList.Add("--no-check");
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string errors = stderr.Result;
        if (process.ExitCode == 2)
        {
            Assert.Fail($"Python's onnx package is missing ({errors.Trim()}); install python3-onnx (apt-get install python3-onnx python3-numpy).");
        }

        Assert.AreEqual(0, process.ExitCode, $"check_onnx.py rejected {path}: {errors}");
        using JsonDocument document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }

    /// <summary>Tests/Reference/check_onnx.py, found by walking up from the test binaries to the repository.</summary>
    private static string Script
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "Tests", "Reference", "check_onnx.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            Assert.Fail($"Tests/Reference/check_onnx.py was not found above {AppContext.BaseDirectory}; run the tests from a repository checkout.");
            return string.Empty;
        }
    }

    // Lookups on the dump.
    public static JsonElement Node(this JsonElement model, string name)
        => model.GetProperty("nodes").EnumerateArray().FirstOrDefault(n => n.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } n
            ? n
            : throw new AssertFailedException($"No node named '{name}' in the model.");

    public static JsonElement[] NodesOf(this JsonElement model, string opType)
        => [.. model.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("op_type").GetString() == opType)];

    public static JsonElement Initializer(this JsonElement model, string name)
        => model.GetProperty("initializers").EnumerateArray().FirstOrDefault(n => n.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } n
            ? n
            : throw new AssertFailedException($"No initializer named '{name}' in the model.");

    /// <summary>An inferred intermediate shape, as "a,b,c" with symbolic dims by name.</summary>
    public static string InferredDims(this JsonElement model, string name)
        => model.GetProperty("value_info").EnumerateArray().FirstOrDefault(n => n.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } v
            ? Dims(v)
            : throw new AssertFailedException($"Shape inference derived no shape for '{name}'.");

    /// <summary>A value-info's dims as "a,b,c".</summary>
    public static string Dims(JsonElement valueInfo)
        => valueInfo.GetProperty("dims") is { ValueKind: JsonValueKind.Array } dims
            ? string.Join(",", dims.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number ? d.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : d.GetString()))
            : "?";

    public static long[] Longs(this JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt64())];

    public static double[] Doubles(this JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];
}
