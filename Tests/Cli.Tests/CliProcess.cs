using System.Diagnostics;

namespace MLNetAttn.Cli.Tests;

/// <summary>Runs the real mlnetattn program (the build output copied beside the tests) as a child process.</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(TimeSpan timeout, params string[] args) => Run(timeout, null, args);

    public static Result Run(TimeSpan timeout, IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlnetattn.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        return Run(start, timeout);
    }

    /// <summary>Runs a prepared child process to its end, reading both streams; fails the test when it outlives <paramref name="timeout"/>.</summary>
    public static Result Run(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
