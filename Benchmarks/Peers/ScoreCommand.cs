using System.Diagnostics;
using System.Globalization;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>
/// The hook for the CLI batch job (row a'): found as <c>mlnetattn</c> on PATH, else the built
/// Cli/bin/Release/net10.0/mlnetattn.dll run by <c>dotnet</c>; used only when <c>mlnetattn score --help</c> exits 0 and its usage names
/// <c>mlnetattn score</c>.
/// It is timed as a whole process (start-up and model load included, so a lower bound on its steady rate) unless it
/// prints a JSON line with "images" and "seconds".
/// </summary>
internal sealed class ScoreCommand
{
    private readonly string _file;
    private readonly string[] _prefix;

    private ScoreCommand(string file, string[] prefix)
    {
        _file = file;
        _prefix = prefix;
    }

    public static ScoreCommand? Find(string root)
    {
        var candidates = new List<ScoreCommand>();
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "mlnetattn")))
                candidates.Add(new ScoreCommand(Path.Combine(dir, "mlnetattn"), []));
        var dll = Path.Combine(root, "Cli", "bin", "Release", "net10.0", "mlnetattn.dll");
        if (File.Exists(dll))
            candidates.Add(new ScoreCommand("dotnet", [dll]));
        return candidates.FirstOrDefault(c => c.Answers());
    }

    public string Describe() => string.Join(' ', [_file, .. _prefix]);

    private bool Answers()
    {
        try
        {
            var start = new ProcessStartInfo(_file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])[.. _prefix, "score", "--help"])
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            // A parser may answer an unknown subcommand's --help with the root help and exit 0; the usage line must name it.
            return process.WaitForExit(60_000) && process.ExitCode == 0 && stdout.Result.Contains("mlnetattn score", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public PeerResult Run(string model, string images, Settings s, string output)
    {
        if (Directory.Exists(output))
            Directory.Delete(output, recursive: true);
        Directory.CreateDirectory(output);
        var args = s.ScoreArgs
            .Replace("{model}", model, StringComparison.Ordinal).Replace("{images}", images, StringComparison.Ordinal)
            .Replace("{out}", Path.Combine(output, "results.duckdb"), StringComparison.Ordinal)
            .Replace("{batch}", s.Batch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{threads}", s.Threads.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{workers}", s.DecodeWorkers.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var count = PeerChild.ImageFiles(images, 0).Count;
        return ChildRunner.Run(_file, [.. _prefix, .. args], imagesFromElapsed: _ => count);
    }
}
