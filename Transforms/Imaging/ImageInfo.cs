namespace MLNetAttn.Transforms.Imaging;

/// <summary>What an image file's header says, read without decoding pixels (<see cref="ImageDecoder.ReadInfo"/>).</summary>
/// <param name="Width">Stored width in pixels (before EXIF rotation).</param>
/// <param name="Height">Stored height in pixels (before EXIF rotation).</param>
/// <param name="Bands">Stored bands: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA or CMYK, ...</param>
/// <param name="Format">The format libvips detected from the content, e.g. "jpeg", "png", "webp", "tiff", "gif".</param>
/// <param name="Orientation">EXIF orientation 1..8 (1 when absent).</param>
/// <param name="HasAlpha">True when the image has an alpha channel.</param>
/// <param name="HasIccProfile">True when an ICC profile is embedded.</param>
public readonly record struct ImageInfo(int Width, int Height, int Bands, string Format, int Orientation, bool HasAlpha, bool HasIccProfile)
{
    /// <summary>Width after EXIF auto-rotation (orientations 5 to 8 swap width and height).</summary>
    public int UprightWidth => Orientation >= 5 ? Height : Width;

    /// <summary>Height after EXIF auto-rotation.</summary>
    public int UprightHeight => Orientation >= 5 ? Width : Height;
}
