using System.Runtime.InteropServices;
using System.Text;

namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// A string as NUL-terminated UTF-8 in unmanaged memory, for the C calls that take <c>const char*</c> (SQL,
/// table names, options). Native memory needs no pinning; it is freed on <see cref="Dispose"/>.
/// Values bound or appended go through the <c>_length</c> calls instead, so they may hold NUL characters.
/// </summary>
internal unsafe ref struct Utf8Z
{
    private byte* _pointer;

    public Utf8Z(string? text)
    {
        if (text is null)
            return;
        var length = Encoding.UTF8.GetByteCount(text);
        _pointer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(text, new Span<byte>(_pointer, length));
        _pointer[length] = 0;
    }

    /// <summary>The text, or null when the string was null (C's "use the default").</summary>
    public readonly byte* Pointer => _pointer;

    public void Dispose()
    {
        if (_pointer != null)
            NativeMemory.Free(_pointer);
        _pointer = null;
    }
}
