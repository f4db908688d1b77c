using System.Buffers;
using System.Runtime.InteropServices;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// Base for ONNX Runtime objects we own: zero is invalid, and <see cref="SafeHandle.ReleaseHandle"/> makes the
/// one native release call. No finalizer logic beyond SafeHandle's own.
/// </summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>
    /// Keeps the handle from being released until the returned lease is disposed, and returns the raw pointer;
    /// throws <see cref="ObjectDisposedException"/> when it is already closed.
    /// </summary>
    public Lease Acquire()
    {
        var added = false;
        DangerousAddRef(ref added);
        return new Lease(this, added);
    }

    /// <summary>A reference held on an <see cref="OrtHandle"/> for the length of one native call sequence.</summary>
    public readonly struct Lease(OrtHandle owner, bool added) : IDisposable
    {
        /// <summary>The raw pointer, valid until <see cref="Dispose"/>.</summary>
        public IntPtr Pointer => owner.DangerousGetHandle();

        /// <summary>Drops the reference.</summary>
        public void Dispose()
        {
            if (added)
                owner.DangerousRelease();
        }
    }
}

/// <summary>An <c>OrtEnv*</c>; released with <c>ReleaseEnv</c>.</summary>
internal sealed class OrtEnvHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseEnv(handle);
        return true;
    }
}

/// <summary>An <c>OrtSessionOptions*</c>; released with <c>ReleaseSessionOptions</c>.</summary>
internal sealed class OrtSessionOptionsHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSessionOptions(handle);
        return true;
    }
}

/// <summary>An <c>OrtSession*</c>; released with <c>ReleaseSession</c>.</summary>
internal sealed class OrtSessionHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSession(handle);
        return true;
    }
}

/// <summary>
/// An <c>OrtValue*</c>; released with <c>ReleaseValue</c>. A value over caller memory also owns that memory's
/// pin, dropped right after the release, so the memory stays pinned as long as any run still holds the value.
/// </summary>
internal sealed class OrtValueHandle(IntPtr handle, MemoryHandle pin = default) : OrtHandle(handle)
{
    private MemoryHandle _pin = pin;

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseValue(handle);
        _pin.Dispose();
        return true;
    }
}

/// <summary>An <c>OrtMemoryInfo*</c>; released with <c>ReleaseMemoryInfo</c>.</summary>
internal sealed class OrtMemoryInfoHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseMemoryInfo(handle);
        return true;
    }
}

/// <summary>An <c>OrtIoBinding*</c>; released with <c>ReleaseIoBinding</c>.</summary>
internal sealed class OrtIoBindingHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseIoBinding(handle);
        return true;
    }
}

/// <summary>An <c>OrtCUDAProviderOptionsV2*</c>; released with <c>ReleaseCUDAProviderOptions</c>.</summary>
internal sealed class OrtCudaProviderOptionsHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseCudaProviderOptions(handle);
        return true;
    }
}
