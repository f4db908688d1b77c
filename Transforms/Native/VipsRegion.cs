using System.Runtime.InteropServices;

namespace MLNetAttn.Transforms.Native;

/// <summary>libvips' <c>VipsRect</c>: an area of an image in pixels.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct VipsRect(int Left, int Top, int Width, int Height);

/// <summary>
/// One owned <c>VipsRegion</c>: a window onto an image through which pixels are computed on the calling
/// thread (no libvips thread pool).
/// </summary>
/// <remarks>
/// libvips ties a region to the thread that created it: create, use and dispose it on one thread. A region
/// holds a reference to its image, so the image outlives it.
/// </remarks>
internal sealed unsafe class VipsRegion : GObjectHandle
{
    private VipsRegion(IntPtr owned) : base(owned) { }

    /// <summary>A new, empty region on <paramref name="image"/>.</summary>
    public static VipsRegion On(VipsImage image, bool decode)
    {
        var region = VipsApi.RegionNew(image.DangerousGetHandle());
        if (region == IntPtr.Zero)
            throw VipsError.Fail(decode, image.Source, "region_new", "Could not open a region on image");
        return new VipsRegion(region);
    }

    /// <summary>
    /// Points this region straight at its image's own memory over <paramref name="area"/>; the image must be a
    /// memory image (e.g. from <see cref="VipsImage.FromMemory"/>). Pixels prepared into this region then land
    /// in that memory.
    /// </summary>
    /// <returns>False when libvips refused (its error buffer says why).</returns>
    public bool TryAttachToImage(VipsRect area) => VipsApi.RegionImage(handle, &area) == 0;

    /// <summary>
    /// Computes <paramref name="area"/> of this region's image and writes it into <paramref name="destination"/>
    /// with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>). Where the pipeline allows,
    /// libvips generates straight into the destination's memory without an intermediate buffer.
    /// </summary>
    /// <returns>False when computing failed (a read error in a loader, for example; libvips' error buffer says why).</returns>
    public bool TryPrepareTo(VipsRegion destination, VipsRect area, int x, int y)
        => VipsApi.RegionPrepareTo(handle, destination.handle, &area, x, y) == 0;
}
