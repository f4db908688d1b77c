using System.Buffers;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// An 8-bit sRGB image in a pooled buffer: rows top to bottom, pixels left to right, bytes R, G, B
/// (HWC, 3 channels, no row padding). The pixels live in an <see cref="ArrayPool{T}"/> rental that
/// <see cref="Dispose"/> returns; spans obtained from the image are valid only until then.
/// </summary>
/// <remarks>Not thread-safe for writing; any number of threads may read it concurrently.</remarks>
public sealed class RgbImage : IDisposable
{
    private byte[]? buffer;

    /// <summary>Bytes per pixel: always 3 (R, G, B).</summary>
    public const int Channels = 3;

    private RgbImage(int width, int height, byte[] rented)
    {
        Width = width;
        Height = height;
        buffer = rented;
    }

    /// <summary>Rents a buffer for an image of the given size. Contents are unspecified (not cleared).</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or the image exceeds 2 GiB.</exception>
    public static RgbImage Allocate(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var length = (long)width * height * Channels;
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width}x{height} RGB image needs {length} bytes, more than one buffer can hold.");
        return new RgbImage(width, height, ArrayPool<byte>.Shared.Rent((int)length));
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes from one row to the next: Width × 3.</summary>
    public int Stride => Width * Channels;

    /// <summary>Total pixel bytes: Stride × Height.</summary>
    public int Length => Stride * Height;

    /// <summary>All pixel bytes (HWC). Valid until <see cref="Dispose"/>.</summary>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public Span<byte> Pixels => Buffer.AsSpan(0, Length);

    /// <summary>All pixel bytes as memory (HWC), e.g. to pin or to hand to another thread. Valid until <see cref="Dispose"/>.</summary>
    public Memory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>One row's bytes (Width × 3).</summary>
    /// <param name="y">Row index, 0 at the top.</param>
    public Span<byte> GetRow(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return Buffer.AsSpan(y * Stride, Stride);
    }

    /// <summary>The pixel at (x, y).</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(x);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
            var row = GetRow(y);
            return (row[x * 3], row[x * 3 + 1], row[x * 3 + 2]);
        }
    }

    /// <summary>The backing array (longer than <see cref="Length"/>); for pinning by the library.</summary>
    internal byte[] Buffer => buffer ?? throw new ObjectDisposedException(nameof(RgbImage));

    /// <summary>Returns the buffer to the pool. Safe to call more than once.</summary>
    public void Dispose()
    {
        var rented = Interlocked.Exchange(ref buffer, null);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }
}
