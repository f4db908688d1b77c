using System.Runtime.InteropServices;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// GLib's <c>GValue</c>: a GType followed by a two-slot 8-byte union (24 bytes on 64-bit).
/// Must be zeroed before <c>g_value_init</c> and released with <c>g_value_unset</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GValue
{
    public nuint GType;
    public ulong Data0;
    public ulong Data1;
}

/// <summary>
/// The GLib/GObject exports libvips needs, bound from the libvips library (the bundled build links glib
/// and gobject statically and exports them). Bound by <see cref="VipsApi"/> during initialization; do not
/// call before <see cref="VipsApi.EnsureInitialized"/>.
/// </summary>
internal static unsafe class GObjectApi
{
    #region GValue
    public static delegate* unmanaged<GValue* /*value*/, nuint /*GType*/, GValue*> ValueInit;
    public static delegate* unmanaged<GValue*, void> ValueUnset;
    public static delegate* unmanaged<GValue*, int, void> ValueSetInt;
    public static delegate* unmanaged<GValue*, double, void> ValueSetDouble;
    public static delegate* unmanaged<GValue*, int /*gboolean*/, void> ValueSetBoolean;
    public static delegate* unmanaged<GValue*, byte* /*const gchar* (copied)*/, void> ValueSetString;
    public static delegate* unmanaged<GValue*, int, void> ValueSetEnum;
    public static delegate* unmanaged<GValue*, IntPtr /*gpointer GObject*/, void> ValueSetObject;
    public static delegate* unmanaged<GValue*, int> ValueGetInt;
    public static delegate* unmanaged<GValue*, double> ValueGetDouble;
    public static delegate* unmanaged<GValue*, int> ValueGetBoolean;
    public static delegate* unmanaged<GValue*, IntPtr /*new ref*/> ValueDupObject;
    public static delegate* unmanaged<GValue*, IntPtr /*borrowed*/> ValueGetBoxed;
    #endregion

    #region GObject
    public static delegate* unmanaged<IntPtr /*GObject*/, byte* /*name*/, GValue*, void> ObjectSetProperty;
    public static delegate* unmanaged<IntPtr /*GObject*/, byte* /*name*/, GValue*, void> ObjectGetProperty;
    public static delegate* unmanaged<IntPtr /*GObjectClass*/, byte* /*name*/, IntPtr /*GParamSpec*/> ObjectClassFindProperty;
    public static delegate* unmanaged<IntPtr, IntPtr> ObjectRef;
    public static delegate* unmanaged<IntPtr, void> ObjectUnref;
    #endregion

    #region GType and memory
    public static delegate* unmanaged<byte* /*name*/, nuint /*GType, 0 if unknown*/> TypeFromName;
    public static delegate* unmanaged<nuint, nuint> TypeFundamental;
    public static delegate* unmanaged<nuint, nuint, int /*gboolean*/> TypeIsA;
    public static delegate* unmanaged<IntPtr, void> Free;
    #endregion

    /// <summary>Fundamental GTypes are fixed numbers (index &lt;&lt; 2) in every GLib build.</summary>
    public const nuint TypeBoolean = 5 << 2, TypeInt = 6 << 2, TypeEnum = 12 << 2, TypeFlags = 13 << 2,
        TypeDouble = 15 << 2, TypeString = 16 << 2, TypeBoxed = 18 << 2, TypeObject = 20 << 2;

    /// <summary>
    /// Offset of <c>value_type</c> in <c>GParamSpec</c>: after the instance's class pointer, the name
    /// pointer and the 4-byte flags padded to 8 (stable GObject ABI on 64-bit).
    /// </summary>
    private const int ParamSpecValueTypeOffset = 24;

    public static void Bind(LoadedLibrary lib)
    {
        ValueInit = (delegate* unmanaged<GValue*, nuint, GValue*>)lib.Export("g_value_init");
        ValueUnset = (delegate* unmanaged<GValue*, void>)lib.Export("g_value_unset");
        ValueSetInt = (delegate* unmanaged<GValue*, int, void>)lib.Export("g_value_set_int");
        ValueSetDouble = (delegate* unmanaged<GValue*, double, void>)lib.Export("g_value_set_double");
        ValueSetBoolean = (delegate* unmanaged<GValue*, int, void>)lib.Export("g_value_set_boolean");
        ValueSetString = (delegate* unmanaged<GValue*, byte*, void>)lib.Export("g_value_set_string");
        ValueSetEnum = (delegate* unmanaged<GValue*, int, void>)lib.Export("g_value_set_enum");
        ValueSetObject = (delegate* unmanaged<GValue*, IntPtr, void>)lib.Export("g_value_set_object");
        ValueGetInt = (delegate* unmanaged<GValue*, int>)lib.Export("g_value_get_int");
        ValueGetDouble = (delegate* unmanaged<GValue*, double>)lib.Export("g_value_get_double");
        ValueGetBoolean = (delegate* unmanaged<GValue*, int>)lib.Export("g_value_get_boolean");
        ValueDupObject = (delegate* unmanaged<GValue*, IntPtr>)lib.Export("g_value_dup_object");
        ValueGetBoxed = (delegate* unmanaged<GValue*, IntPtr>)lib.Export("g_value_get_boxed");
        ObjectSetProperty = (delegate* unmanaged<IntPtr, byte*, GValue*, void>)lib.Export("g_object_set_property");
        ObjectGetProperty = (delegate* unmanaged<IntPtr, byte*, GValue*, void>)lib.Export("g_object_get_property");
        ObjectClassFindProperty = (delegate* unmanaged<IntPtr, byte*, IntPtr>)lib.Export("g_object_class_find_property");
        ObjectRef = (delegate* unmanaged<IntPtr, IntPtr>)lib.Export("g_object_ref");
        ObjectUnref = (delegate* unmanaged<IntPtr, void>)lib.Export("g_object_unref");
        TypeFromName = (delegate* unmanaged<byte*, nuint>)lib.Export("g_type_from_name");
        TypeFundamental = (delegate* unmanaged<nuint, nuint>)lib.Export("g_type_fundamental");
        TypeIsA = (delegate* unmanaged<nuint, nuint, int>)lib.Export("g_type_is_a");
        Free = (delegate* unmanaged<IntPtr, void>)lib.Export("g_free");
    }

    /// <summary>The GType of a named type, or 0 when the type system does not know it.</summary>
    public static nuint TypeOf(string name)
    {
        Span<byte> utf8 = stackalloc byte[256];
        return TypeFromName(Utf8(name, utf8));
    }

    /// <summary>
    /// The value type of an object's property, or 0 when it has no such property. The class pointer is
    /// the first field of every GObject instance.
    /// </summary>
    public static nuint PropertyType(IntPtr gobject, byte* name)
    {
        var klass = *(IntPtr*)gobject;
        var pspec = ObjectClassFindProperty(klass, name);
        return pspec == IntPtr.Zero ? 0 : *(nuint*)((byte*)pspec + ParamSpecValueTypeOffset);
    }

    /// <summary>Writes a NUL-terminated UTF-8 copy of <paramref name="text"/> into <paramref name="buffer"/> and returns its address.</summary>
    /// <remarks>The buffer must be fixed (stack memory); names here are short ASCII identifiers.</remarks>
    public static byte* Utf8(string text, Span<byte> buffer)
    {
        var n = System.Text.Encoding.UTF8.GetBytes(text, buffer[..^1]);
        buffer[n] = 0;
        return (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]);
    }
}
