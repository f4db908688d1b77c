namespace MLNetAttn.Transforms.Imaging;

/// <summary>Which libvips step a piece of work is at, so that a failure names it.</summary>
internal sealed class VipsStep
{
    /// <summary>The libvips operation running now, e.g. "VipsForeignLoadJpegFile", "colourspace" or "write".</summary>
    public string Operation { get; set; } = "";
}

/// <summary>
/// The one way into libvips: runs a piece of libvips work for one input so that, when it fails, the
/// exception carries that input's own libvips error text and no other's.
/// </summary>
/// <remarks>
/// libvips keeps one error buffer per process: every thread's failure appends to it, and NetVips'
/// exception reads it and then clears it. With several decodes failing at once, one input's exception could
/// carry another's text, or none. So every piece of work holds a shared lock while it runs; one that fails
/// drops its shared lock, waits for the exclusive one (taken once every other piece of work in flight has
/// finished, and blocking new ones), clears the buffer, and runs again alone. Whatever the buffer holds after
/// that second run was written by that input. The second run costs one more decode per failing input only;
/// inputs that decode never read or clear the buffer. Work must be repeatable (decode a file, encode pixels)
/// and must not nest another <see cref="Run{T}"/>.
/// </remarks>
internal static class VipsCalls
{
    private static readonly ReaderWriterLockSlim Gate = new(LockRecursionPolicy.NoRecursion);
    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> ReplayWarnings = new();
    private static volatile bool replaying;

    /// <summary>True while a failed piece of work runs again alone: its log lines are repeats, and its own.</summary>
    public static bool Replaying => replaying;

    /// <summary>
    /// Keeps a libvips warning logged while a failed piece of work runs alone: some failures leave libvips' error
    /// buffer empty and say why only in a warning (a PNG chunk with a bad header, for one).
    /// </summary>
    public static void NoteReplayWarning(string message) => ReplayWarnings.Enqueue(message.Trim());

    /// <summary>Runs <paramref name="work"/> for <paramref name="input"/>; a libvips failure becomes our exception with its own text.</summary>
    /// <param name="input">The user's input, named in the message.</param>
    /// <param name="decode">True: failures are <see cref="ImageDecodeException"/>; false: <see cref="VipsException"/>.</param>
    /// <param name="work">The libvips work; it sets the step it is at so the message can name it.</param>
    public static T Run<T>(string input, bool decode, Func<VipsStep, T> work)
    {
        VipsRuntime.EnsureInitialized();
        Gate.EnterReadLock();
        try
        {
            return work(new VipsStep());
        }
        catch (NetVips.VipsException)
        {
            // The text may be anyone's: run again alone below.
        }
        finally
        {
            Gate.ExitReadLock();
        }
        return RunAlone(input, decode, work);
    }

    private static T RunAlone<T>(string input, bool decode, Func<VipsStep, T> work)
    {
        Gate.EnterWriteLock();
        replaying = true;
        try
        {
            // Creating NetVips' exception reads and clears the buffer: whatever other inputs left there goes.
            _ = new NetVips.VipsException("");
            ReplayWarnings.Clear();
            var step = new VipsStep();
            try
            {
                return work(step);
            }
            catch (NetVips.VipsException e)
            {
                throw Fail(decode, input, step.Operation, Detail(e.Message, [.. ReplayWarnings]));
            }
        }
        finally
        {
            ReplayWarnings.Clear();
            replaying = false;
            Gate.ExitWriteLock();
        }
    }

    /// <summary>
    /// libvips' own lines from a NetVips message (its first line is NetVips' summary); when libvips wrote none,
    /// the warnings it logged for this input, and failing those the summary.
    /// </summary>
    private static string Detail(string message, string[] warnings)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length > 1)
            return string.Join("; ", lines.Skip(1).Distinct());
        if (warnings.Length > 0)
            return "libvips warned: " + string.Join("; ", warnings.Distinct());
        return lines.FirstOrDefault() ?? "";
    }

    private static ImagingException Fail(bool decode, string input, string operation, string detail)
    {
        var what = !decode ? "Image operation failed on"
            : operation == VipsPixels.WriteOperation ? "Could not decode the pixels of image"
            : "Could not decode image";
        if (detail.Length > 0 && !detail.EndsWith('.'))
            detail += ".";
        var message = $"{what} '{input}' (libvips {operation})" + (detail.Length > 0 ? $": {detail}" : ".")
            + (decode ? " The data may be truncated, corrupt or in an unsupported variant; re-encode it or skip this input." : "");
        return decode ? new ImageDecodeException(input, operation, message) : new VipsException(input, operation, message);
    }
}
