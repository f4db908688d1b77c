using System.Runtime.InteropServices;

namespace MLNetAttn.Transforms.Native;

/// <summary>Memory libvips reads without copying (a pinned managed buffer or native memory); the caller keeps it alive.</summary>
internal readonly record struct VipsBlobRef(IntPtr Data, nuint Length);

/// <summary>
/// Ordered input arguments for one libvips operation. Values: <see cref="VipsImage"/>, int, double, bool,
/// string (set as an enum nick when the argument is an enum), double[] (VipsArrayDouble) and
/// <see cref="VipsBlobRef"/> (VipsBlob over borrowed memory). Null values are skipped, so optional
/// arguments can be added unconditionally.
/// </summary>
internal sealed class VipsArgs
{
    private readonly List<KeyValuePair<string, object>> items = new(6);

    public IReadOnlyList<KeyValuePair<string, object>> Items => items;

    public VipsArgs Add(string name, object? value)
    {
        if (value is not null)
            items.Add(new(name, value));
        return this;
    }
}

/// <summary>
/// The one generic entry point into libvips: create an operation by name, set each argument through
/// <c>g_object_set_property</c> with a GValue of the argument's own type, build it, read the outputs
/// and drop the operation. Typed sugar lives on <see cref="VipsImage"/>.
/// </summary>
internal static unsafe class VipsOperation
{
    private static ReadOnlySpan<byte> EnumDomain => "mlnetattn\0"u8;

    /// <summary>Runs an operation and returns the named outputs (images as owned <see cref="VipsImage"/>, blobs copied to byte[]).</summary>
    /// <param name="name">Operation nickname ("resize") or type name ("VipsForeignLoadJpegFile").</param>
    /// <param name="args">Inputs, required and optional.</param>
    /// <param name="outputs">Output argument names to read back.</param>
    /// <param name="input">The user's input, for error messages.</param>
    /// <param name="decode">True to report failures as decode errors.</param>
    /// <param name="cache">
    /// Use libvips' operation cache. Off for anything over borrowed memory or per-image chains: a cached
    /// operation keeps its inputs (and their buffers and files) alive after we are done with them.
    /// </param>
    public static object?[] Call(string name, VipsArgs args, ReadOnlySpan<string> outputs, string input, bool decode = false, bool cache = false)
    {
        VipsApi.EnsureInitialized();
        Span<byte> nameUtf8 = stackalloc byte[128];
        var op = VipsApi.OperationNew(GObjectApi.Utf8(name, nameUtf8));
        if (op == IntPtr.Zero)
            throw VipsError.Fail(decode, input, name, "libvips has no operation by this name, needed for");
        try
        {
            foreach (var (argName, value) in args.Items)
                Set(op, name, argName, value, input, decode);

            var status = cache ? VipsApi.CacheOperationBuildp(&op) : VipsApi.ObjectBuild(op);
            if (status != 0)
                throw VipsError.Fail(decode, input, name, decode ? "Could not decode image" : "Image operation failed on");

            var results = new object?[outputs.Length];
            for (var i = 0; i < outputs.Length; i++)
                results[i] = Get(op, outputs[i]);
            return results;
        }
        finally
        {
            // Drops the references the operation holds on its outputs (we took our own), then the operation.
            VipsApi.ObjectUnrefOutputs(op);
            GObjectApi.ObjectUnref(op);
        }
    }

    /// <summary>Runs an operation whose output is the image "out".</summary>
    public static VipsImage CallImage(string name, VipsArgs args, string input, bool decode = false, bool cache = false)
    {
        var image = (VipsImage?)Call(name, args, ["out"], input, decode, cache)[0]
            ?? throw VipsError.Fail(decode, input, name, "libvips returned no image for");
        image.Source = input;
        return image;
    }

    private static void Set(IntPtr op, string opName, string argName, object value, string input, bool decode)
    {
        Span<byte> argUtf8 = stackalloc byte[64];
        var arg = GObjectApi.Utf8(argName, argUtf8);
        var type = GObjectApi.PropertyType(op, arg);
        if (type == 0)
            throw new ArgumentException($"libvips operation {opName} has no argument '{argName}'.", nameof(value));
        var fundamental = GObjectApi.TypeFundamental(type);

        GValue v = default;
        GObjectApi.ValueInit(&v, type);
        try
        {
            switch (value)
            {
                case VipsImage image:
                    GObjectApi.ValueSetObject(&v, image.DangerousGetHandle());
                    GC.KeepAlive(image);
                    break;
                case string text when fundamental == GObjectApi.TypeEnum:
                    GObjectApi.ValueSetEnum(&v, EnumValue(type, opName, argName, text, input, decode));
                    break;
                case string text when fundamental == GObjectApi.TypeString:
                    var utf8 = Marshal.StringToCoTaskMemUTF8(text);
                    try { GObjectApi.ValueSetString(&v, (byte*)utf8); }
                    finally { Marshal.FreeCoTaskMem(utf8); }
                    break;
                case bool flag when fundamental == GObjectApi.TypeBoolean:
                    GObjectApi.ValueSetBoolean(&v, flag ? 1 : 0);
                    break;
                case int number when fundamental == GObjectApi.TypeInt:
                    GObjectApi.ValueSetInt(&v, number);
                    break;
                case int number when fundamental == GObjectApi.TypeDouble:
                    GObjectApi.ValueSetDouble(&v, number);
                    break;
                case int number when fundamental == GObjectApi.TypeEnum:
                    GObjectApi.ValueSetEnum(&v, number);
                    break;
                case double number when fundamental == GObjectApi.TypeDouble:
                    GObjectApi.ValueSetDouble(&v, number);
                    break;
                case double[] array when type == VipsApi.ArrayDoubleType:
                    fixed (double* p = array)
                        VipsApi.ValueSetArrayDouble(&v, p, array.Length);
                    break;
                case VipsBlobRef blob when type == VipsApi.BlobType:
                    // No free function: the blob borrows memory the caller keeps pinned until the operation is gone.
                    VipsApi.ValueSetBlob(&v, IntPtr.Zero, (void*)blob.Data, blob.Length);
                    break;
                default:
                    throw new ArgumentException(
                        $"Argument '{argName}' of libvips operation {opName} cannot take a {value.GetType().Name}.", nameof(value));
            }
            GObjectApi.ObjectSetProperty(op, arg, &v);
        }
        finally
        {
            GObjectApi.ValueUnset(&v);
        }
    }

    private static int EnumValue(nuint type, string opName, string argName, string nick, string input, bool decode)
    {
        Span<byte> nickUtf8 = stackalloc byte[64];
        fixed (byte* domain = EnumDomain)
        {
            var result = VipsApi.EnumFromNick(domain, type, GObjectApi.Utf8(nick, nickUtf8));
            if (result < 0)
                throw VipsError.Fail(decode, input, opName, $"'{nick}' is not a valid value for argument '{argName}', used for");
            return result;
        }
    }

    private static object? Get(IntPtr op, string argName)
    {
        Span<byte> argUtf8 = stackalloc byte[64];
        var arg = GObjectApi.Utf8(argName, argUtf8);
        var type = GObjectApi.PropertyType(op, arg);
        if (type == 0)
            throw new ArgumentException($"libvips operation has no output '{argName}'.", nameof(argName));
        var fundamental = GObjectApi.TypeFundamental(type);

        GValue v = default;
        GObjectApi.ValueInit(&v, type);
        try
        {
            GObjectApi.ObjectGetProperty(op, arg, &v);
            if (GObjectApi.TypeIsA(type, VipsApi.ImageType) != 0)
            {
                var image = GObjectApi.ValueDupObject(&v);
                return image == IntPtr.Zero ? null : new VipsImage(image);
            }
            if (type == VipsApi.BlobType)
            {
                var blob = GObjectApi.ValueGetBoxed(&v);
                if (blob == IntPtr.Zero)
                    return null;
                nuint length;
                var data = VipsApi.BlobGet(blob, &length);
                return new ReadOnlySpan<byte>(data, checked((int)length)).ToArray();
            }
            if (fundamental == GObjectApi.TypeInt)
                return GObjectApi.ValueGetInt(&v);
            if (fundamental == GObjectApi.TypeDouble)
                return GObjectApi.ValueGetDouble(&v);
            if (fundamental == GObjectApi.TypeBoolean)
                return GObjectApi.ValueGetBoolean(&v) != 0;
            throw new NotSupportedException($"Reading libvips output '{argName}' of this type is not supported.");
        }
        finally
        {
            GObjectApi.ValueUnset(&v);
        }
    }
}
