using System.Runtime.InteropServices;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// Lowers the scheduling priority of the calling thread. Decoders and the model share the same cores on a CPU
/// machine: when the decoders run below the model's threads, the model's parallel sections are not held up by a
/// preempted thread, and the decoders take the cycles the model leaves idle.
/// </summary>
/// <remarks>
/// On Linux the nice value is per thread (setpriority on the thread id) and threads the calling thread creates
/// later inherit it, which includes the worker threads libvips starts for a decode. .NET does not map
/// <see cref="Thread.Priority"/> to anything on Linux, hence the direct call. Elsewhere
/// <see cref="Thread.Priority"/> is set. A priority can only be lowered: raising it needs privileges that a
/// scoring job should not have, so a thread lowered once stays lowered; give it a thread of its own.
/// </remarks>
public static partial class ThreadScheduling
{
    private const int PrioProcess = 0;

    /// <summary>The Linux nice value used for <paramref name="priority"/>: 0, 10 (BelowNormal) or 19 (Lowest).</summary>
    /// <param name="priority">Normal, BelowNormal or Lowest.</param>
    /// <exception cref="ArgumentOutOfRangeException">AboveNormal or Highest: raising a priority is not supported.</exception>
    public static int NiceValue(ThreadPriority priority) => priority switch
    {
        ThreadPriority.Normal => 0,
        ThreadPriority.BelowNormal => 10,
        ThreadPriority.Lowest => 19,
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority,
            "Worker threads can run at Normal, BelowNormal or Lowest priority; raising a priority needs privileges a scoring job should not have."),
    };

    /// <summary>Lowers the calling thread to <paramref name="priority"/>.</summary>
    /// <param name="priority">Normal (nothing changes), BelowNormal or Lowest.</param>
    /// <returns>False when the operating system refused (the thread keeps running at its priority; nothing else changes).</returns>
    public static bool LowerCurrentThread(ThreadPriority priority)
    {
        var nice = NiceValue(priority);
        if (nice == 0)
            return true;
        if (!OperatingSystem.IsLinux())
        {
            Thread.CurrentThread.Priority = priority;
            return true;
        }
        try
        {
            return SetPriority(PrioProcess, GetThreadId(), nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The calling thread's nice value on Linux (for tests and logs); null elsewhere.</summary>
    public static int? CurrentNiceValue()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        // getpriority can return -1 legitimately, so read the value from /proc instead: field 19 of the stat line,
        // counted after the command name (which may hold spaces and ends at the last ')').
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }

    // Bound by hand: .NET's Thread.Priority does not change a Linux thread's nice value, and none of the packages
    // (ONNX Runtime, NetVips, DuckDB.NET) offers per-thread priorities; setpriority and gettid are libc's.
    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
