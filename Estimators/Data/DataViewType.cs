using System.Globalization;

namespace MLNetAttn.Estimators;

/// <summary>
/// The type of a column, as ML.NET's <c>DataViewType</c>: a scalar (<see cref="NumberDataViewType"/>,
/// <see cref="TextDataViewType"/>, <see cref="BooleanDataViewType"/>), an image (<see cref="ImageDataViewType"/>)
/// or a vector of scalars (<see cref="VectorDataViewType"/>). Types compare by value.
/// </summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    private protected DataViewType(Type rawType) => RawType = rawType;

    /// <summary>The .NET type of one value of the column (for vectors, of one element).</summary>
    public Type RawType { get; }

    /// <inheritdoc />
    public abstract bool Equals(DataViewType? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>The type as text, e.g. <c>Vector&lt;Single,3,224,224&gt;</c>; <see cref="Parse"/> reads it back.</summary>
    public abstract override string ToString();

    /// <summary>
    /// Parses the text that <see cref="object.ToString"/> writes (used by the saved pipeline format):
    /// <c>Single</c>, <c>Text</c>, <c>Image</c>, <c>Image&lt;224,224&gt;</c>, <c>Vector&lt;Single,3,224,224&gt;</c>, <c>Vector&lt;Text&gt;</c>.
    /// </summary>
    /// <exception cref="FormatException">The text names no type.</exception>
    public static DataViewType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("Vector<", StringComparison.Ordinal) && text.EndsWith('>'))
        {
            var parts = text[7..^1].Split(',');
            if (ParseScalar(parts[0]) is not PrimitiveDataViewType item)
                throw new FormatException($"'{text}' is not a column type: vectors hold Single, Double, Int32, Int64, Byte, Boolean or Text.");
            return new VectorDataViewType(item, parts[1..].Select(p => ParseDimension(p, text)).ToArray());
        }
        if (text == "Image")
            return new ImageDataViewType();
        if (text.StartsWith("Image<", StringComparison.Ordinal) && text.EndsWith('>'))
        {
            var parts = text[6..^1].Split(',');
            if (parts.Length != 2)
                throw new FormatException($"'{text}' is not a column type: write Image<width,height>.");
            return new ImageDataViewType(ParseDimension(parts[0], text), ParseDimension(parts[1], text));
        }
        return ParseScalar(text) ?? throw new FormatException($"'{text}' is not a column type.");
    }

    private static int ParseDimension(string text, string whole)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d > 0
            ? d : throw new FormatException($"'{whole}': dimension '{text}' is not a positive integer.");

    private static PrimitiveDataViewType? ParseScalar(string text) => text switch
    {
        "Single" => NumberDataViewType.Single,
        "Double" => NumberDataViewType.Double,
        "Int32" => NumberDataViewType.Int32,
        "Int64" => NumberDataViewType.Int64,
        "Byte" => NumberDataViewType.Byte,
        "Boolean" => BooleanDataViewType.Instance,
        "Text" => TextDataViewType.Instance,
        _ => null,
    };
}

/// <summary>A scalar type: a number, text or a boolean.</summary>
public abstract class PrimitiveDataViewType : DataViewType
{
    private readonly string _name;

    private protected PrimitiveDataViewType(Type rawType, string name) : base(rawType) => _name = name;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    /// <inheritdoc />
    public override int GetHashCode() => _name.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => _name;
}

/// <summary>Numeric scalar types.</summary>
public sealed class NumberDataViewType : PrimitiveDataViewType
{
    private NumberDataViewType(Type rawType, string name) : base(rawType, name) { }

    /// <summary>float.</summary>
    public static NumberDataViewType Single { get; } = new(typeof(float), "Single");

    /// <summary>double.</summary>
    public static NumberDataViewType Double { get; } = new(typeof(double), "Double");

    /// <summary>int.</summary>
    public static NumberDataViewType Int32 { get; } = new(typeof(int), "Int32");

    /// <summary>long.</summary>
    public static NumberDataViewType Int64 { get; } = new(typeof(long), "Int64");

    /// <summary>byte (vectors of bytes hold encoded images).</summary>
    public static NumberDataViewType Byte { get; } = new(typeof(byte), "Byte");
}

/// <summary>Text (string; null = missing).</summary>
public sealed class TextDataViewType : PrimitiveDataViewType
{
    private TextDataViewType() : base(typeof(string), "Text") { }

    /// <summary>The only instance.</summary>
    public static TextDataViewType Instance { get; } = new();
}

/// <summary>bool.</summary>
public sealed class BooleanDataViewType : PrimitiveDataViewType
{
    private BooleanDataViewType() : base(typeof(bool), "Boolean") { }

    /// <summary>The only instance.</summary>
    public static BooleanDataViewType Instance { get; } = new();
}

/// <summary>
/// A decoded 8-bit RGB image (<see cref="MLNetAttn.Transforms.Imaging.RgbImage"/>), of a known size after
/// <c>ResizeImages</c>, of any size (width and height 0) after <c>LoadImages</c>.
/// </summary>
public sealed class ImageDataViewType : DataViewType
{
    /// <summary>An image type; 0 for both dimensions means "any size".</summary>
    /// <param name="width">Width in pixels, or 0.</param>
    /// <param name="height">Height in pixels, or 0.</param>
    public ImageDataViewType(int width = 0, int height = 0) : base(typeof(MLNetAttn.Transforms.Imaging.RgbImage))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if ((width == 0) != (height == 0))
            throw new ArgumentException($"Give both image dimensions or neither; got {width}x{height}.");
        Width = width;
        Height = height;
    }

    /// <summary>Width in pixels; 0 when the size varies.</summary>
    public int Width { get; }

    /// <summary>Height in pixels; 0 when the size varies.</summary>
    public int Height { get; }

    /// <summary>True when every image in the column has the same known size.</summary>
    public bool HasKnownSize => Width > 0;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is ImageDataViewType i && i.Width == Width && i.Height == Height;

    /// <inheritdoc />
    public override string ToString() => HasKnownSize ? $"Image<{Width},{Height}>" : "Image";
}

/// <summary>
/// A vector of scalars per row. With dimensions, every row has exactly their product of elements (a
/// tensor row, e.g. <c>Vector&lt;Single,3,224,224&gt;</c>); without, rows vary in length.
/// </summary>
public sealed class VectorDataViewType : DataViewType
{
    private readonly int[] _dimensions;

    /// <summary>A vector type.</summary>
    /// <param name="itemType">The element type.</param>
    /// <param name="dimensions">The shape of one row; none = variable length.</param>
    public VectorDataViewType(PrimitiveDataViewType itemType, params int[] dimensions) : base(itemType?.RawType ?? typeof(object))
    {
        ArgumentNullException.ThrowIfNull(itemType);
        ArgumentNullException.ThrowIfNull(dimensions);
        foreach (var d in dimensions)
            ArgumentOutOfRangeException.ThrowIfLessThan(d, 1, nameof(dimensions));
        ItemType = itemType;
        _dimensions = dimensions.ToArray();
        Size = dimensions.Length == 0 ? 0 : checked(dimensions.Aggregate(1, (a, b) => a * b));
    }

    /// <summary>The element type.</summary>
    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The shape of one row; empty when rows vary in length.</summary>
    public IReadOnlyList<int> Dimensions => _dimensions;

    /// <summary>Elements per row, or 0 when rows vary in length.</summary>
    public int Size { get; }

    /// <summary>True when every row has <see cref="Size"/> elements.</summary>
    public bool IsKnownSize => Size > 0;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other)
        => other is VectorDataViewType v && v.ItemType.Equals(ItemType) && v._dimensions.AsSpan().SequenceEqual(_dimensions);

    /// <inheritdoc />
    public override string ToString()
        => _dimensions.Length == 0 ? $"Vector<{ItemType}>" : $"Vector<{ItemType},{string.Join(",", _dimensions)}>";
}
