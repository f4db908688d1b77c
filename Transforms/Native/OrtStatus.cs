using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// The one place an <c>OrtStatus*</c> is turned into an exception: read its code and message, release it,
/// and throw <see cref="OnnxRuntimeException"/> saying what we were doing. Call sites stay one line.
/// </summary>
internal static unsafe class OrtStatus
{
    /// <summary>Returns when <paramref name="status"/> is null (success); otherwise throws and releases the status.</summary>
    /// <param name="status">What an ORT call returned.</param>
    /// <param name="doing">What the call was for, e.g. "loading model 'x.onnx'"; becomes part of the message.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfError(IntPtr status, string doing)
    {
        if (status != IntPtr.Zero)
            Throw(status, doing);
    }

    /// <summary>Reads and releases a failed status without throwing; returns its code and message.</summary>
    public static (OnnxErrorCode Code, string Message) Consume(IntPtr status)
    {
        try
        {
            var code = (OnnxErrorCode)OrtApi.GetErrorCode(status);
            var message = (Marshal.PtrToStringUTF8(OrtApi.GetErrorMessage(status)) ?? "").Trim();
            return (code, message.Length == 0 ? "(no message)" : message);
        }
        finally
        {
            OrtApi.ReleaseStatus(status);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(IntPtr status, string doing)
    {
        var (code, message) = Consume(status);
        throw new OnnxRuntimeException(code, message, doing);
    }
}
