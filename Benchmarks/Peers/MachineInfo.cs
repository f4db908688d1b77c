using System.Runtime.InteropServices;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>The machine and software a run was taken on, for RESULTS.md.</summary>
internal static class MachineInfo
{
    public static string Describe(IEnumerable<Row> rows)
    {
        var cpu = FirstValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = FirstValue("/proc/meminfo", "MemTotal") is { } kb ? $"{long.Parse(kb.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0 / 1024.0:0.0} GiB" : "?";
        var os = FirstValue("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription;
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
        var lines = new List<string>
        {
            $"- CPU: {cpu}, {Environment.ProcessorCount} logical cores visible to the process",
            $"- Memory: {memory}",
            $"- OS: {os}, kernel {kernel}",
            $"- .NET {RuntimeInformation.FrameworkDescription.Replace(".NET ", "", StringComparison.Ordinal)}; ONNX Runtime {Safe(() => OnnxRuntimeInfo.Version)}; libvips {Safe(() => VipsSettings.LibvipsVersion)}",
            $"- Node {Safe(() => Repository.Output("node", "--version").Trim())}; Python {Safe(() => Repository.Output("/usr/bin/python3", "-c", "import sys, torch, PIL; print(sys.version.split()[0], 'torch', torch.__version__, 'Pillow', PIL.__version__)").Trim())}",
            $"- Load when the run began (1/5/15 min): {Safe(() => File.ReadAllText("/proc/loadavg").Split(' ')[..3].Aggregate((x, y) => x + " " + y))}",
        };
        lines.AddRange(rows.Select(r => r.Result.Note).Where(n => n.StartsWith("onnxruntime-node", StringComparison.Ordinal)).Distinct().Take(1).Select(n => $"- Node peer: {n}"));
        return string.Join('\n', lines);
    }

    private static string? FirstValue(string file, string key, char separator = ':')
    {
        if (!File.Exists(file))
            return null;
        foreach (var line in File.ReadLines(file))
        {
            var i = line.IndexOf(separator, StringComparison.Ordinal);
            if (i > 0 && line[..i].Trim() == key)
                return line[(i + 1)..].Trim();
        }
        return null;
    }

    private static string Safe(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException or DllNotFoundException)
        {
            return "?";
        }
    }
}
