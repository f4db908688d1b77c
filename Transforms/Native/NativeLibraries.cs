using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// Where the native runtimes are loaded from. Set before the first image is decoded or the first
/// model is loaded; later changes have no effect on libraries already loaded in this process.
/// </summary>
public static class NativeRuntimeOptions
{
    /// <summary>Environment variable naming an ONNX Runtime library to load instead of the bundled CPU build.</summary>
    public const string OrtPathVariable = "MLNETATTN_ORT_PATH";

    /// <summary>
    /// Full path of the ONNX Runtime shared library (for example a CUDA-enabled build).
    /// Takes precedence over <see cref="OrtPathVariable"/>. Default = null (the bundled library).
    /// </summary>
    public static string? OnnxRuntimePath { get; set; }

    /// <summary>Where the bindings log which library they loaded, and ONNX Runtime's own log. Default = no logging.</summary>
    public static ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;
}

/// <summary>A native library that was resolved and loaded, and where it came from.</summary>
/// <param name="Handle">The handle from <see cref="NativeLibrary.Load(string)"/>; kept for the process lifetime.</param>
/// <param name="Path">The file that was loaded, or the bare name the loader resolved.</param>
/// <param name="Source">Which rule chose it: "option", an environment variable name, "bundled" or "system".</param>
internal readonly record struct LoadedLibrary(IntPtr Handle, string Path, string Source)
{
    /// <summary>Looks up an export that must exist, naming the library when it does not.</summary>
    public IntPtr Export(string name)
        => NativeLibrary.TryGetExport(Handle, name, out var address)
            ? address
            : throw new EntryPointNotFoundException($"'{name}' is not exported by {Path}; this build of the library is too old or not the one MLNetAttn expects.");
}

/// <summary>
/// Resolves a native library in a fixed order and remembers every place it tried, so a failure
/// says exactly where it looked: explicit option, environment variable, the copy the build put
/// beside the application, then the system loader's search by name.
/// </summary>
internal static class NativeLibraryResolver
{
    public static LoadedLibrary Load(string what, string? optionPath, string variable, string bundledFileName, params string[] systemNames)
    {
        var tried = new List<string>();
        if (!string.IsNullOrEmpty(optionPath))
            return LoadExplicit(what, optionPath, "option");

        var fromEnvironment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(fromEnvironment))
            return LoadExplicit(what, fromEnvironment, variable);

        foreach (var folder in new[] { AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location) })
        {
            if (string.IsNullOrEmpty(folder))
                continue;
            var candidate = System.IO.Path.Combine(folder, bundledFileName);
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var bundled))
                return new LoadedLibrary(bundled, candidate, "bundled");
            tried.Add(candidate);
        }

        foreach (var name in systemNames)
        {
            if (NativeLibrary.TryLoad(name, out var system))
                return new LoadedLibrary(system, name, "system");
            tried.Add(name);
        }

        throw new DllNotFoundException(
            $"Could not load {what}. Tried: {string.Join(", ", tried)}. Build the project once with npm available " +
            $"(it fetches the pinned runtime beside the outputs), or set {variable} to the library's full path.");
    }

    private static LoadedLibrary LoadExplicit(string what, string path, string source)
    {
        if (!File.Exists(path))
            throw new DllNotFoundException($"{what} was set to '{path}' (by {source}), but no such file exists.");
        try
        {
            return new LoadedLibrary(NativeLibrary.Load(path), path, source);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new DllNotFoundException($"{what} at '{path}' (set by {source}) could not be loaded: {e.Message}", e);
        }
    }
}
