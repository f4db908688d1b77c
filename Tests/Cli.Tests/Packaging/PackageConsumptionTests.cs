using System.Globalization;
using System.Text.Json;
using MLNetAttn.Cli.Tests.Scoring;

namespace MLNetAttn.Cli.Tests.Packaging;

/// <summary>
/// What a new user does with the packages: a new console app adds the library package from a folder feed and
/// classifies photos; <c>dotnet tool install</c> installs the CLI and classifies the same photos. Nothing is set in the
/// environment: the native runtimes (ONNX Runtime, libvips, DuckDB) must arrive through the packages' dependencies.
/// Each answer must equal the one the repository's own build gives.
/// </summary>
[TestClass]
[TestCategory("Packaging")]
public sealed class PackageConsumptionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    private static string[] Photos => Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "images"))
        .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        .Order(StringComparer.Ordinal).ToArray();

    [ClassCleanup]
    public static void DeleteTheFeed() => PackageFeed.Delete();

    [TestMethod]
    public void ConsoleAppReferencingThePackageClassifiesPhotos()
    {
        var work = ScoreHarness.NewFolder("consumer");
        try
        {
            WriteNuGetConfig(work, PackageFeed.Folder);
            var app = Path.Combine(work, "app");
            Expect(Dotnet.Run(work, Limit, null, "new", "console", "-o", app, "--framework", "net10.0"), "dotnet new console");
            Expect(Dotnet.Run(app, Limit, null, "add", "package", "MLNetAttn", "--version", PackageFeed.Version), "dotnet add package MLNetAttn");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Packaging", "Consumer.cs.txt"), Path.Combine(app, "Program.cs"), overwrite: true);

            var run = Dotnet.Run(app, Limit, null, ["run", "-c", "Release", "--", ScoreHarness.ModelPath, .. Photos]);
            Expect(run, "dotnet run (the consumer app)");
            AssertSameTop1(Expected(), run.StdOut);

            // The README's shortest program, exactly as printed, must compile against the package too (it downloads an
            // official checkpoint when run, which a test cannot, so it is built and not run).
            File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeProgram());
            Expect(Dotnet.Run(app, Limit, null, "build", "-c", "Release"), "dotnet build of the README's shortest program");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [TestMethod]
    public void ToolInstalledFromThePackageClassifiesPhotos()
    {
        var work = ScoreHarness.NewFolder("tool");
        try
        {
            WriteNuGetConfig(work, PackageFeed.Folder);
            var tools = Path.Combine(work, "tools");
            Expect(Dotnet.Run(work, Limit, null, "tool", "install", "MLNetAttn.Cli", "--version", PackageFeed.Version, "--tool-path", tools), "dotnet tool install");

            var run = Dotnet.RunProgram(Path.Combine(tools, "mlnetattn"), work, Limit, null, ["classify", "--model", ScoreHarness.ModelPath, "--json", "--top", "1", .. Photos]);
            Expect(run, "the installed mlnetattn classify");
            AssertSameTop1(Expected(), FromJsonLines(run.StdOut));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The first C# block under the README's "The shortest real program" heading.</summary>
    private static string ReadmeProgram()
    {
        var readme = File.ReadAllText(Path.Combine(PackageFeed.RepositoryRoot, "README.md"));
        var section = readme.IndexOf("## The shortest real program", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, section, "README.md has no section \"The shortest real program\"");
        const string Fence = "```csharp\n";
        var start = readme.IndexOf(Fence, section, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, "no C# block under \"The shortest real program\"");
        start += Fence.Length;
        var end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    /// <summary>The repository build's answer: path → (index, score) of the best class.</summary>
    private static Dictionary<string, (int Index, float Score)> Expected()
    {
        var result = CliProcess.Run(Limit, ["classify", "--model", ScoreHarness.ModelPath, "--json", "--top", "1", .. Photos]);
        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        var parsed = ParseTab(FromJsonLines(result.StdOut));
        Assert.HasCount(Photos.Length, parsed, result.StdOut);
        Assert.AreEqual(1, parsed.Values.Count(v => v.Index < 0), $"the truncated photo, and only it, should fail:\n{result.StdOut}");
        return parsed;
    }

    private static void AssertSameTop1(Dictionary<string, (int Index, float Score)> expected, string tabLines)
    {
        var actual = ParseTab(tabLines);
        Assert.HasCount(expected.Count, actual, tabLines);
        foreach (var (path, (index, score)) in expected)
        {
            Assert.IsTrue(actual.TryGetValue(path, out var got), $"no line for {path} in:\n{tabLines}");
            Assert.AreEqual(index, got.Index, $"top-1 of {path}");
            Assert.AreEqual(score, got.Score, 1e-6f, $"top-1 score of {path}");
        }
    }

    private static string FromJsonLines(string jsonLines)
        => string.Join('\n', jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var path = root.GetProperty("path").GetString();
            if (root.GetProperty("error").ValueKind != JsonValueKind.Null)
                return $"{path}\terror: {root.GetProperty("error").GetString()}";
            var top = root.GetProperty("top")[0];
            return string.Create(CultureInfo.InvariantCulture,
                $"{path}\t{top.GetProperty("index").GetInt32()}\t{top.GetProperty("label").GetString()}\t{top.GetProperty("score").GetSingle():R}");
        }));

    private static Dictionary<string, (int Index, float Score)> ParseTab(string lines)
        => lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Select(parts =>
            {
                // An unreadable photo (the fixtures hold a truncated JPEG) is a row with an error: index -1 on both sides.
                if (parts.Length == 2 && parts[1].StartsWith("error: ", StringComparison.Ordinal))
                    return (Path: parts[0], Index: -1, Score: 0f);
                Assert.IsGreaterThanOrEqualTo(4, parts.Length, $"not a classification line: {string.Join('\t', parts)}");
                return (Path: parts[0], Index: int.Parse(parts[1], CultureInfo.InvariantCulture), Score: float.Parse(parts[3], CultureInfo.InvariantCulture));
            })
            .ToDictionary(x => x.Path, x => (x.Index, x.Score), StringComparer.Ordinal);

    private static void WriteNuGetConfig(string folder, string feed)
        => File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);

    private static void Expect(CliProcess.Result result, string what)
        => Assert.AreEqual(0, result.ExitCode, $"{what} failed:\n{result.StdOut}\n{result.StdErr}");
}
