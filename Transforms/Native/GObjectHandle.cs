using System.Runtime.InteropServices;

namespace MLNetAttn.Transforms.Native;

/// <summary>
/// One owned reference to a GObject (a libvips image or operation). Releasing the handle drops that
/// reference with <c>g_object_unref</c>; no finalizer besides SafeHandle's is needed.
/// </summary>
internal class GObjectHandle : SafeHandle
{
    /// <summary>Takes ownership of one reference the caller already holds.</summary>
    public GObjectHandle(IntPtr owned)
        : base(IntPtr.Zero, ownsHandle: true)
        => SetHandle(owned);

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    #region SafeHandle
    /// <inheritdoc/>
    protected override unsafe bool ReleaseHandle()
    {
        GObjectApi.ObjectUnref(handle);
        return true;
    }
    #endregion
}
