using System.Globalization;

namespace MLNetAttn.Benchmarks.Peers;

/// <summary>
/// CPU time per thread from /proc/self/task (Linux), summed by thread name, to tell where a row's CPU goes: the
/// model's threads (ONNX Runtime's pool is created by the main thread and carries its name) or the decoders. Threads
/// that end before the last <see cref="Sample"/> keep the time of their last sample, so sample while the pipeline
/// still runs (after each batch). Resolution: one clock tick (10 ms) per thread.
/// </summary>
internal sealed class ThreadCpu
{
    private const double TicksPerSecond = 100; // USER_HZ, the unit of utime and stime on every Linux ABI

    private readonly Dictionary<int, (string Name, long Ticks)> _start;
    private readonly Dictionary<int, (string Name, long Ticks)> _latest = [];

    private ThreadCpu(Dictionary<int, (string Name, long Ticks)> start) => _start = start;

    public static ThreadCpu StartNew() => new(Snapshot());

    /// <summary>Records the threads' times now.</summary>
    public void Sample()
    {
        foreach (var (tid, value) in Snapshot())
            _latest[tid] = value;
    }

    /// <summary>CPU milliseconds per image by thread name since <see cref="StartNew"/>, largest first; empty where /proc is missing.</summary>
    public string Describe(int images)
    {
        Sample();
        var byName = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (tid, (name, ticks)) in _latest)
        {
            var spent = ticks - (_start.TryGetValue(tid, out var s) ? s.Ticks : 0);
            var key = name == MainName ? "main+ORT" : name;
            byName[key] = byName.GetValueOrDefault(key) + spent;
        }
        var parts = byName.Where(p => p.Value > 0).OrderByDescending(p => p.Value)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value / TicksPerSecond * 1000 / Math.Max(images, 1):0.00}"));
        return byName.Count == 0 ? "" : "CPU ms/img by thread: " + string.Join(", ", parts);
    }

    private static readonly string MainName = Name(File.Exists("/proc/self/stat") ? File.ReadAllText("/proc/self/stat") : "()");

    private static Dictionary<int, (string Name, long Ticks)> Snapshot()
    {
        var result = new Dictionary<int, (string, long)>();
        if (!Directory.Exists("/proc/self/task"))
            return result;
        foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended while listing
            }
            // After the name (which may hold spaces and ends at the last ')'): state is field 0, utime 11, stime 12.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            result[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (Name(stat), ticks);
        }
        return result;
    }

    private static string Name(string stat) => stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
}
