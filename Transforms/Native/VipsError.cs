using System.Runtime.InteropServices;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// The one place libvips errors become exceptions.
/// </summary>
/// <remarks>
/// libvips keeps a single, process-global error buffer: any thread's failure appends to it. We take it
/// with <c>vips_error_buffer_copy</c>, which copies and clears under libvips' own lock, right after the
/// call that failed, so no text is lost or duplicated. When several threads fail at the same moment, one
/// thread's exception may carry another's text as well (or find the buffer already taken); the exception
/// therefore names our input and operation itself and treats libvips' text only as detail. Successful calls
/// never read or clear the buffer.
/// </remarks>
internal static unsafe class VipsError
{
    /// <summary>Copies and clears libvips' error buffer; returns "" when it is empty.</summary>
    public static string TakeBuffer()
    {
        var text = VipsApi.ErrorBufferCopy();
        if (text == IntPtr.Zero)
            return "";
        try
        {
            return (Marshal.PtrToStringUTF8(text) ?? "").Trim();
        }
        finally
        {
            GObjectApi.Free(text);
        }
    }

    /// <summary>Builds the exception for a failed libvips call on <paramref name="input"/>, with libvips' error text appended.</summary>
    /// <param name="decode">True for decoding (throws <see cref="ImageDecodeException"/>), false for other steps (<see cref="VipsException"/>).</param>
    /// <param name="input">The user's input (path or name).</param>
    /// <param name="operation">The libvips operation that failed.</param>
    /// <param name="what">What went wrong, in words; the quoted input follows it in the message.</param>
    public static Exception Fail(bool decode, string input, string operation, string what)
    {
        var detail = TakeBuffer();
        var message = $"{what} '{input}' (libvips {operation})" + (detail.Length > 0 ? $": {detail}" : ".")
            + (decode ? " The data may be truncated, corrupt or in an unsupported variant; re-encode it or skip this input." : "");
        return decode ? new ImageDecodeException(input, operation, message) : new VipsException(input, operation, message);
    }
}
