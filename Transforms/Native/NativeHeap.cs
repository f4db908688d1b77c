using System.Runtime.InteropServices;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// Gives memory freed by the native libraries back to the operating system. libvips and ONNX Runtime allocate
/// through the C heap from many threads; glibc keeps freed blocks in per-thread arenas, so a long job's resident
/// size creeps upward although nothing is live. Long-running jobs call <see cref="Trim"/> between batches.
/// </summary>
public static partial class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Returns free C-heap memory to the system (glibc's malloc_trim); a no-op where that call does not exist.</summary>
    public static void Trim()
    {
        if (_unavailable)
            return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true; // musl and other C libraries have no malloc_trim
        }
    }

    // Bound by hand: glibc's malloc_trim is offered by none of the packages (ONNX Runtime, NetVips, DuckDB.NET) nor by .NET.
    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
