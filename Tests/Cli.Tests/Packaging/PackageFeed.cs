using System.Diagnostics;

namespace MLNetAttn.Cli.Tests.Packaging;

/// <summary>
/// The repository's packages, packed once per test run into a private folder feed with a version of their own, so a
/// consumer restores exactly these bytes and never a copy that an earlier run left in the NuGet cache.
/// </summary>
internal static class PackageFeed
{
    private static readonly Lazy<(string Folder, string Version)> Packed = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder holding the .nupkg files.</summary>
    public static string Folder => Packed.Value.Folder;

    /// <summary>The version every package of this run carries.</summary>
    public static string Version => Packed.Value.Version;

    /// <summary>
    /// Deletes the feed and what restoring from it put in the NuGet cache (this run's version only): the tool package alone
    /// is a few hundred MB, and no later run can use it.
    /// </summary>
    public static void Delete()
    {
        if (!Packed.IsValueCreated)
            return;
        var (folder, version) = Packed.Value;
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "mlnetattn", "mlnetattn.transforms", "mlnetattn.zoo", "mlnetattn.cli" })
        {
            var cached = Path.Combine(cache, id, version);
            if (Directory.Exists(cached))
                Directory.Delete(cached, recursive: true);
        }
    }

    /// <summary>The repository root (the folder holding MLNetAttn.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "MLNetAttn.sln")))
                    return dir.FullName;
            throw new InvalidOperationException($"No MLNetAttn.sln above {AppContext.BaseDirectory}.");
        }
    }

    private static (string, string) Pack()
    {
        var version = $"0.1.0-packtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var folder = Path.Combine(Path.GetTempPath(), $"mlnetattn-feed-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        // The test run has built every project in Release already; packing those outputs is what a release does.
        var result = Dotnet.Run(RepositoryRoot, TimeSpan.FromMinutes(10), null,
            "pack", Path.Combine(RepositoryRoot, "MLNetAttn.sln"), "-c", "Release", "--no-build", "-o", folder, $"-p:PackageVersion={version}");
        Assert.AreEqual(0, result.ExitCode, $"dotnet pack failed:\n{result.StdOut}\n{result.StdErr}");
        return (folder, version);
    }
}

/// <summary>Runs the dotnet host as a child process with a clean environment for this project's variables.</summary>
internal static class Dotnet
{
    public static CliProcess.Result Run(string workingDirectory, TimeSpan timeout, IDictionary<string, string>? environment, params string[] args)
        => RunProgram("dotnet", workingDirectory, timeout, environment, args);

    /// <summary>Runs <paramref name="program"/> with none of MLNETATTN_*'s variables set: what a new user's shell has.</summary>
    public static CliProcess.Result RunProgram(string program, string workingDirectory, TimeSpan timeout, IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MLNETATTN_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        return CliProcess.Run(start, timeout);
    }
}
