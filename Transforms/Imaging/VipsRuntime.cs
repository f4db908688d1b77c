using Microsoft.Extensions.Logging;
using MLNetAttn.Transforms.Native;
using NetVips;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// libvips as NetVips loads it (the natives come with the NetVips.Native package): checks once that it
/// initialized, blocks untrusted loaders, applies <see cref="VipsSettings"/> and routes libvips' log to
/// <see cref="NativeRuntimeOptions.LoggerFactory"/>.
/// </summary>
internal static class VipsRuntime
{
    private static readonly object Gate = new();
    private static volatile bool initialized;

    /// <summary>True once libvips is initialized and set up.</summary>
    public static bool IsInitialized => initialized;

    /// <summary>The libvips version, e.g. "8.18.7".</summary>
    public static string Version
    {
        get
        {
            EnsureInitialized();
            return $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}";
        }
    }

    /// <summary>Sets libvips up once per process (thread-safe).</summary>
    /// <exception cref="DllNotFoundException">NetVips could not load or initialize libvips.</exception>
    public static void EnsureInitialized()
    {
        if (initialized)
            return;
        lock (Gate)
        {
            if (initialized)
                return;
            // NetVips loads and initializes libvips in its module initializer and keeps any failure.
            if (!ModuleInitializer.VipsInitialized)
                throw new DllNotFoundException(
                    "libvips could not be loaded or initialized through NetVips; the NetVips.Native package provides it for " +
                    $"linux, macOS and Windows (x64, arm64). {ModuleInitializer.Exception?.Message}", ModuleInitializer.Exception);

            Log.SetLogHandler("VIPS", Enums.LogLevelFlags.Critical | Enums.LogLevelFlags.Warning | Enums.LogLevelFlags.Message
                | Enums.LogLevelFlags.Info | Enums.LogLevelFlags.Debug, OnLog);
            // Loaders libvips marks untrusted (e.g. ImageMagick, MATLAB, FITS) are not meant for hostile input.
            NetVips.NetVips.BlockUntrusted = true;
            VipsSettings.ApplyAll();
            initialized = true;
        }
        NativeRuntimeOptions.LoggerFactory.CreateLogger("MLNetAttn.Vips").LogInformation(
            "Loaded libvips {Version} through NetVips", Version);
    }

    private static void OnLog(string domain, Enums.LogLevelFlags level, string message)
    {
        // A failed decode is run a second time, alone, to read its own error (VipsCalls): its warnings were logged the
        // first time, and now belong to that input alone.
        if (VipsCalls.Replaying)
        {
            if ((level & (Enums.LogLevelFlags.Critical | Enums.LogLevelFlags.Warning)) != 0)
                VipsCalls.NoteReplayWarning(message);
            return;
        }
        try
        {
            var logLevel = (level & Enums.LogLevelFlags.Critical) != 0 ? LogLevel.Error
                : (level & Enums.LogLevelFlags.Warning) != 0 ? LogLevel.Warning
                : (level & Enums.LogLevelFlags.Message) != 0 ? LogLevel.Information
                : LogLevel.Debug; // libvips' info is chatter such as "threadpool completed with 2 workers"
            // Looked up per message (messages are rare) so a factory set after initialization still receives them.
            NativeRuntimeOptions.LoggerFactory.CreateLogger("MLNetAttn.Vips").Log(logLevel, "libvips: {Message}", message);
        }
        catch
        {
            // An exception must not unwind into native code; a lost log line is the lesser harm.
        }
    }
}
