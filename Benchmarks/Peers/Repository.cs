using System.Diagnostics;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>The repository root and the Python helpers (Debian's interpreter, where torch 1.13 lives).</summary>
internal static class Repository
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLNetAttn.sln")))
                return dir.FullName;
        throw new InvalidOperationException("run the benchmarks from inside the repository (MLNetAttn.sln not found above the program)");
    }

    public static string Python(string root, string script, params string[] args) => Output("/usr/bin/python3", [Path.Combine(root, script), .. args]);

    public static string Output(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout;
    }
}
