namespace MLNetAttn.Estimators;

/// <summary>How <c>ResizeImages</c> fits an image to the target size (ML.NET's <c>ResizingKind</c>).</summary>
public enum ResizingKind
{
    /// <summary>Stretch to exactly the target size, ignoring the aspect ratio.</summary>
    Fill,
    /// <summary>Keep the aspect ratio, scale to fit inside the target, pad the rest (letterbox).</summary>
    IsoPad,
    /// <summary>
    /// Keep the aspect ratio, scale so the image covers the target, crop the rest. With a resize size this is the
    /// timm/torchvision eval transform: shorter side to the resize size, then a centre crop.
    /// </summary>
    IsoCrop,
}

/// <summary>Where the image sits when cropped or padded (ML.NET's <c>Anchor</c>).</summary>
public enum Anchor
{
    /// <summary>Centred (torchvision's CenterCrop offsets when cropping).</summary>
    Center,
    /// <summary>Against the left edge, centred vertically.</summary>
    Left,
    /// <summary>Against the right edge, centred vertically.</summary>
    Right,
    /// <summary>Against the top edge, centred horizontally.</summary>
    Top,
    /// <summary>Against the bottom edge, centred horizontally.</summary>
    Bottom,
}

/// <summary>The size to resize to and where to cut or place the result: pure arithmetic, testable on its own.</summary>
/// <param name="ResizeWidth">Width after resizing.</param>
/// <param name="ResizeHeight">Height after resizing.</param>
/// <param name="X">IsoCrop: left edge of the crop in the resized image; IsoPad: left edge of the resized image on the canvas.</param>
/// <param name="Y">Same, vertically.</param>
public readonly record struct ResizePlan(int ResizeWidth, int ResizeHeight, int X, int Y)
{
    /// <summary>Plans a resize of a <paramref name="width"/> × <paramref name="height"/> image to the target.</summary>
    /// <param name="width">Source width.</param>
    /// <param name="height">Source height.</param>
    /// <param name="targetWidth">Output width.</param>
    /// <param name="targetHeight">Output height.</param>
    /// <param name="kind">The fitting rule.</param>
    /// <param name="anchor">Placement for crop and pad.</param>
    /// <param name="resizeSize">IsoCrop only: the shorter side before cropping (timm's resize_size); null = just cover the target.</param>
    public static ResizePlan Create(int width, int height, int targetWidth, int targetHeight, ResizingKind kind, Anchor anchor, int? resizeSize)
    {
        switch (kind)
        {
            case ResizingKind.Fill:
                return new ResizePlan(targetWidth, targetHeight, 0, 0);
            case ResizingKind.IsoPad:
            {
                var scale = Math.Min((double)targetWidth / width, (double)targetHeight / height);
                var rw = Math.Clamp((int)Math.Round(width * scale), 1, targetWidth);
                var rh = Math.Clamp((int)Math.Round(height * scale), 1, targetHeight);
                var (x, y) = Place(targetWidth - rw, targetHeight - rh, anchor, centreRound: false);
                return new ResizePlan(rw, rh, x, y);
            }
            default:
            {
                int rw, rh;
                if (resizeSize is { } size || targetWidth == targetHeight)
                {
                    (rw, rh) = ShorterSideTo(width, height, resizeSize ?? targetWidth);
                }
                else
                {
                    var scale = Math.Max((double)targetWidth / width, (double)targetHeight / height);
                    rw = Math.Max(targetWidth, (int)(width * scale));
                    rh = Math.Max(targetHeight, (int)(height * scale));
                }
                if (rw < targetWidth || rh < targetHeight)
                    throw new ArgumentOutOfRangeException(nameof(resizeSize),
                        $"Resizing {width}x{height} to shorter side {resizeSize} gives {rw}x{rh}, smaller than the {targetWidth}x{targetHeight} crop; use a resize size of at least {Math.Max(targetWidth, targetHeight)}.");
                var (x, y) = Place(rw - targetWidth, rh - targetHeight, anchor, centreRound: true);
                return new ResizePlan(rw, rh, x, y);
            }
        }
    }

    /// <summary>
    /// torchvision's <c>Resize(size)</c> with an int: the shorter side becomes <paramref name="size"/>, the longer
    /// <c>int(size * long / short)</c> (truncated, as Python's int() does).
    /// </summary>
    public static (int Width, int Height) ShorterSideTo(int width, int height, int size)
    {
        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        var newLong = (int)((long)size * longSide / (double)shortSide);
        return width <= height ? (size, newLong) : (newLong, size);
    }

    /// <summary>
    /// Offsets for a slack of (<paramref name="dx"/>, <paramref name="dy"/>) pixels. Centre cropping uses
    /// torchvision's <c>int(round(slack / 2.0))</c>; Python rounds halves to even, as <see cref="Math.Round(double)"/> does.
    /// </summary>
    private static (int X, int Y) Place(int dx, int dy, Anchor anchor, bool centreRound)
    {
        int Centre(int slack) => centreRound ? (int)Math.Round(slack / 2.0, MidpointRounding.ToEven) : slack / 2;
        return anchor switch
        {
            Anchor.Left => (0, Centre(dy)),
            Anchor.Right => (dx, Centre(dy)),
            Anchor.Top => (Centre(dx), 0),
            Anchor.Bottom => (Centre(dx), dy),
            _ => (Centre(dx), Centre(dy)),
        };
    }
}
