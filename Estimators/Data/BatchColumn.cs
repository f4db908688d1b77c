using System.Buffers;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Estimators;

/// <summary>
/// The values of one column for the rows of one <see cref="DataBatch"/>. Columns own their storage (pooled
/// where it is large) and release it on <see cref="Dispose"/>.
/// </summary>
public abstract class BatchColumn : IDisposable
{
    private protected BatchColumn(DataViewType type, int rowCount)
    {
        Type = type;
        RowCount = rowCount;
    }

    /// <summary>The column type.</summary>
    public DataViewType Type { get; }

    /// <summary>The number of rows.</summary>
    public int RowCount { get; private protected set; }

    /// <summary>A copy of the value at <paramref name="row"/> that outlives the batch (arrays for vectors), or null.</summary>
    public abstract object? GetValue(int row);

    /// <summary>Keeps only the rows listed (ascending), moving them to the front; releases the others.</summary>
    internal abstract void Keep(ReadOnlySpan<int> rows);

    /// <summary>Releases the storage. Safe to call more than once.</summary>
    public virtual void Dispose() { }
}

/// <summary>One scalar per row (numbers, text, booleans).</summary>
/// <typeparam name="T">float, double, int, long, byte, bool or string.</typeparam>
public sealed class ScalarColumn<T> : BatchColumn
{
    private readonly T[] _values;

    /// <summary>A column over <paramref name="values"/> (not copied).</summary>
    public ScalarColumn(DataViewType type, T[] values) : base(type, values.Length) => _values = values;

    /// <summary>The values; index by row.</summary>
    public Span<T> Values => _values.AsSpan(0, RowCount);

    /// <inheritdoc />
    public override object? GetValue(int row) => Values[row];

    internal override void Keep(ReadOnlySpan<int> rows)
    {
        for (var i = 0; i < rows.Length; i++)
            _values[i] = _values[rows[i]];
        RowCount = rows.Length;
    }
}

/// <summary>Decoded images, one per row (null where the row failed). The column owns and disposes them.</summary>
public sealed class ImageColumn : BatchColumn
{
    private readonly RgbImage?[] _images;

    /// <summary>An empty column of <paramref name="rowCount"/> rows.</summary>
    public ImageColumn(ImageDataViewType type, int rowCount) : base(type, rowCount) => _images = new RgbImage?[rowCount];

    /// <summary>The image of a row, or null; valid while the batch lives.</summary>
    public RgbImage? this[int row]
    {
        get => _images[row];
        set
        {
            _images[row]?.Dispose();
            _images[row] = value;
        }
    }

    /// <summary>Images cannot outlive their batch: this returns the (borrowed) image; copy its pixels to keep them.</summary>
    public override object? GetValue(int row) => _images[row];

    internal override void Keep(ReadOnlySpan<int> rows)
    {
        var kept = new HashSet<int>(rows.ToArray());
        for (var i = 0; i < RowCount; i++)
            if (!kept.Contains(i))
                _images[i]?.Dispose();
        for (var i = 0; i < rows.Length; i++)
            _images[i] = _images[rows[i]];
        for (var i = rows.Length; i < RowCount; i++)
            _images[i] = null;
        RowCount = rows.Length;
    }

    /// <summary>Disposes every image.</summary>
    public override void Dispose()
    {
        for (var i = 0; i < _images.Length; i++)
        {
            _images[i]?.Dispose();
            _images[i] = null;
        }
    }
}

/// <summary>A vector per row; rows of a fixed-size column lie back to back in one buffer (a batch tensor).</summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class VectorColumn<T> : BatchColumn
{
    private protected VectorColumn(VectorDataViewType type, int rowCount) : base(type, rowCount) { }

    /// <summary>The elements of one row; valid while the batch lives.</summary>
    public abstract ReadOnlySpan<T> GetRow(int row);

    /// <inheritdoc />
    public override object? GetValue(int row) => GetRow(row).ToArray();
}

/// <summary>
/// A fixed-length vector per row, all rows in one contiguous buffer (pooled for unmanaged types), so the batch
/// can be handed to ONNX Runtime as one tensor without a copy.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class DenseVectorColumn<T> : VectorColumn<T>
{
    private T[]? _buffer;
    private readonly bool _pooled;

    /// <summary>A column of <paramref name="rowCount"/> rows of <paramref name="rowLength"/> elements, cleared.</summary>
    public DenseVectorColumn(VectorDataViewType type, int rowCount, int rowLength) : base(type, rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, 1);
        RowLength = rowLength;
        var length = checked(rowCount * rowLength);
        _pooled = !System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>();
        _buffer = _pooled ? ArrayPool<T>.Shared.Rent(Math.Max(length, 1)) : new T[length];
        _buffer.AsSpan(0, length).Clear();
    }

    /// <summary>Elements per row.</summary>
    public int RowLength { get; }

    /// <summary>All rows, back to back (row-major: the batch tensor).</summary>
    public Memory<T> Memory => Buffer.AsMemory(0, RowCount * RowLength);

    /// <summary>All rows as a span.</summary>
    public Span<T> Span => Buffer.AsSpan(0, RowCount * RowLength);

    /// <summary>One row, writable.</summary>
    public Span<T> GetWritableRow(int row) => Buffer.AsSpan(row * RowLength, RowLength);

    /// <inheritdoc />
    public override ReadOnlySpan<T> GetRow(int row) => GetWritableRow(row);

    private T[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(DenseVectorColumn<T>));

    internal override void Keep(ReadOnlySpan<int> rows)
    {
        for (var i = 0; i < rows.Length; i++)
            if (rows[i] != i)
                GetWritableRow(rows[i]).CopyTo(GetWritableRow(i));
        RowCount = rows.Length;
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public override void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null && _pooled)
            ArrayPool<T>.Shared.Return(buffer);
    }
}

/// <summary>A vector of any length per row (null = missing), e.g. encoded image bytes.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class JaggedVectorColumn<T> : VectorColumn<T>
{
    private readonly T[]?[] _rows;

    /// <summary>A column over <paramref name="rows"/> (not copied).</summary>
    public JaggedVectorColumn(VectorDataViewType type, T[]?[] rows) : base(type, rows.Length) => _rows = rows;

    /// <inheritdoc />
    public override ReadOnlySpan<T> GetRow(int row) => _rows[row];

    /// <summary>The array of a row (borrowed), or null.</summary>
    public T[]? GetArray(int row) => _rows[row];

    /// <inheritdoc />
    public override object? GetValue(int row) => _rows[row]?.ToArray();

    internal override void Keep(ReadOnlySpan<int> rows)
    {
        for (var i = 0; i < rows.Length; i++)
            _rows[i] = _rows[rows[i]];
        RowCount = rows.Length;
    }
}
