namespace MLNetAttn.Transforms.Imaging;

/// <summary>An 8-bit sRGB colour, e.g. a background for flattening alpha or for padding.</summary>
/// <param name="R">Red, 0..255.</param>
/// <param name="G">Green, 0..255.</param>
/// <param name="B">Blue, 0..255.</param>
public readonly record struct RgbColor(byte R, byte G, byte B)
{
    /// <summary>(255, 255, 255).</summary>
    public static RgbColor White => new(255, 255, 255);

    /// <summary>(0, 0, 0).</summary>
    public static RgbColor Black => new(0, 0, 0);

    internal double[] ToArray(double scale = 1) => [R * scale, G * scale, B * scale];
}
