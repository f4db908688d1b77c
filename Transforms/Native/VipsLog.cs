using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// Sends libvips' GLib log messages (domain "VIPS": warnings such as "premature end of JPEG image",
/// criticals, info) to <see cref="NativeRuntimeOptions.LoggerFactory"/> instead of the process's stderr.
/// Failures still arrive as exceptions; the log only adds libvips' own commentary.
/// </summary>
internal static unsafe class VipsLog
{
    // GLogLevelFlags.
    private const int LevelCritical = 1 << 3, LevelWarning = 1 << 4, LevelMessage = 1 << 5, LevelInfo = 1 << 6, LevelDebug = 1 << 7;

    /// <summary>Installs the handler once, during initialization.</summary>
    public static void Install(LoadedLibrary lib)
    {
        var setHandler = (delegate* unmanaged<byte* /*log_domain*/, int /*GLogLevelFlags*/, delegate* unmanaged<byte*, int, byte*, IntPtr, void> /*GLogFunc*/, IntPtr /*user_data*/, uint>)
            lib.Export("g_log_set_handler");
        fixed (byte* domain = "VIPS\0"u8)
            setHandler(domain, LevelCritical | LevelWarning | LevelMessage | LevelInfo | LevelDebug, &OnLog, IntPtr.Zero);
    }

    [UnmanagedCallersOnly]
    private static void OnLog(byte* domain, int level, byte* message, IntPtr userData)
    {
        try
        {
            var text = Marshal.PtrToStringUTF8((IntPtr)message) ?? "";
            var logLevel = (level & LevelCritical) != 0 ? LogLevel.Error
                : (level & LevelWarning) != 0 ? LogLevel.Warning
                : (level & (LevelMessage | LevelInfo)) != 0 ? LogLevel.Information
                : LogLevel.Debug;
            // Looked up per message (messages are rare) so a factory set after initialization still receives them.
            NativeRuntimeOptions.LoggerFactory.CreateLogger("MLNetAttn.Vips").Log(logLevel, "libvips: {Message}", text);
        }
        catch
        {
            // An exception must not unwind into native code; a lost log line is the lesser harm.
        }
    }
}
