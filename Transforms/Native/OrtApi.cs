using System.Runtime.InteropServices;
using MLNetAttn.Transforms.Onnx;
using Microsoft.Extensions.Logging;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// The loaded ONNX Runtime: its library, version string and <c>OrtApi</c> function table. Loaded once per
/// process, on first use, from the place <see cref="NativeLibraryResolver"/> picks.
/// </summary>
/// <remarks>
/// Calls read a slot (<see cref="OrtSlot"/>) from the table and invoke it as a <c>delegate* unmanaged</c>;
/// the typed wrappers live in OrtApi.Calls.cs, one per slot, each with the C signature beside it.
/// </remarks>
internal static unsafe partial class OrtApi
{
    /// <summary>The logging category for everything ONNX Runtime related.</summary>
    public const string LogCategory = "OnnxRuntime";

    private static readonly Lazy<Loaded> State = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What was loaded; the table pointer stays valid for the process lifetime.</summary>
    private sealed class Loaded(LoadedLibrary library, string version, IntPtr* table)
    {
        public LoadedLibrary Library { get; } = library;
        public string Version { get; } = version;
        public IntPtr* Table { get; } = table;
    }

    /// <summary>The library file (or bare name) that was loaded.</summary>
    public static string LibraryPath => State.Value.Library.Path;

    /// <summary>Which rule chose the library: "option", an environment variable, "bundled" or "system".</summary>
    public static string LibrarySource => State.Value.Library.Source;

    /// <summary>The runtime's own version string, for example "1.30.0".</summary>
    public static string Version => State.Value.Version;

    /// <summary>Loads the library if needed and returns the slot's function pointer.</summary>
    private static IntPtr Slot(int index) => State.Value.Table[index];

    /// <summary>The raw function pointer in <paramref name="index"/> (for checks that the table is what we expect).</summary>
    internal static IntPtr SlotAddress(int index) => Slot(index);

    /// <summary>Makes sure the runtime is loaded (and fails here, with the full story, if it cannot be).</summary>
    public static void EnsureLoaded() => _ = State.Value;

    private static Loaded Load()
    {
        var library = NativeLibraryResolver.Load(
            "ONNX Runtime",
            NativeRuntimeOptions.OnnxRuntimePath,
            NativeRuntimeOptions.OrtPathVariable,
            "libonnxruntime.so.1",
            "libonnxruntime.so.1", "libonnxruntime.so", "onnxruntime");

        var table = OpenTable(library, OrtSlot.RequiredApiVersion, out var version);
        NativeRuntimeOptions.LoggerFactory.CreateLogger(LogCategory).LogInformation(
            "Loaded ONNX Runtime {Version} from {Path} (source: {Source}, API version {ApiVersion} requested)",
            version, library.Path, library.Source, OrtSlot.RequiredApiVersion);
        return new Loaded(library, version, table);
    }

    /// <summary>The loaded library (for checks that reopen its table).</summary>
    internal static LoadedLibrary Library => State.Value.Library;

    /// <summary>
    /// Asks <paramref name="library"/> for the <c>OrtApi</c> table of <paramref name="apiVersion"/>; throws naming the
    /// library, its version and the requested version when the runtime does not provide it.
    /// </summary>
    internal static IntPtr* OpenTable(LoadedLibrary library, uint apiVersion, out string version)
    {
        // const OrtApiBase* OrtGetApiBase(void); OrtApiBase = { GetApi(uint32_t), GetVersionString(void) }.
        var getApiBase = (delegate* unmanaged<IntPtr>)library.Export("OrtGetApiBase");
        var apiBase = (IntPtr*)getApiBase();
        if (apiBase == null)
            throw new OnnxRuntimeException(OnnxErrorCode.Fail, $"OrtGetApiBase in {library.Path} returned null; the library is not a usable ONNX Runtime build.");

        var getVersionString = (delegate* unmanaged<byte*>)apiBase[1];
        version = Marshal.PtrToStringUTF8((IntPtr)getVersionString()) ?? "unknown";

        var getApi = (delegate* unmanaged<uint, IntPtr*>)apiBase[0];
        var table = getApi(apiVersion);
        if (table == null)
            throw new OnnxRuntimeException(OnnxErrorCode.Fail,
                $"The ONNX Runtime at '{library.Path}' (source: {library.Source}) reports version {version} and does not provide " +
                $"API version {apiVersion}; MLNetAttn needs API version {OrtSlot.RequiredApiVersion} or newer (ONNX Runtime 1.{OrtSlot.RequiredApiVersion}+). " +
                $"Point {NativeRuntimeOptions.OrtPathVariable} or NativeRuntimeOptions.OnnxRuntimePath at a newer build.");
        return table;
    }
}
