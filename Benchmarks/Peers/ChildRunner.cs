using System.Diagnostics;
using System.Text.Json;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>
/// Runs one measurement as a child process and reads its result: the last JSON line it prints, plus its peak
/// resident memory. Children report their own VmHWM (exact, read just before exiting); for a child that does not
/// (the <c>mlnetattn score</c> command), /proc/PID/status is polled every 20 ms while it runs.
/// </summary>
internal static class ChildRunner
{
    public static PeerResult Run(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, Func<TimeSpan, int>? imagesFromElapsed = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            start.Environment[k] = v;
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        long polledPeak = -1;
        while (!process.WaitForExit(20))
            polledPeak = Math.Max(polledPeak, ProcessMemory.VmHwmKb(process.Id));
        var elapsed = clock.Elapsed;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{Tail(stderr.Result)}\n{Tail(stdout.Result)}");

        var last = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        if (last is null)
        {
            // A command that prints no result line: whole-process time, including its start.
            if (imagesFromElapsed is null)
                throw new InvalidOperationException($"{file} printed no JSON result line:\n{Tail(stdout.Result)}");
            return new PeerResult(imagesFromElapsed(elapsed), elapsed.TotalSeconds, polledPeak, "whole process, start-up included");
        }
        var result = JsonSerializer.Deserialize<PeerResult>(last, PeerResult.Json)
            ?? throw new InvalidOperationException($"{file} printed an empty result");
        return result.VmHwmKb > 0 ? result : result with { VmHwmKb = polledPeak };
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
