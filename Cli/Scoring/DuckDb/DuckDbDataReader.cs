using System.Runtime.CompilerServices;
using System.Text;

namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// Reads a query's rows, one data chunk (up to 2,048 rows of column vectors) at a time: <see cref="Read"/> moves to
/// the next row, typed getters read a column of it straight from DuckDB's vectors. Dispose it to free the result.
/// </summary>
/// <remarks>
/// NULL: <see cref="GetString"/>, <see cref="GetBlob"/> and the list getters return null; value getters
/// (<see cref="GetInt64"/>, <see cref="GetDouble"/>, …) throw, so check <see cref="IsDBNull"/> first.
/// Numeric getters widen (an INTEGER reads as long or double) but never narrow silently (a BIGINT too large for
/// <see cref="GetInt32"/> throws). Not thread-safe.
/// </remarks>
public sealed unsafe class DuckDbDataReader : IDisposable
{
    private readonly ResultHandle _result;
    private readonly string[] _names;
    private readonly DuckDbType[] _types;
    private readonly DuckDbType[] _childTypes;
    private readonly IntPtr[] _vectors;
    private readonly IntPtr[] _data;
    private readonly IntPtr[] _validity;
    private DataChunkHandle? _chunk;
    private int _chunkRows;
    private int _row;
    private bool _done;

    internal DuckDbDataReader(ResultHandle result)
    {
        _result = result;
        var count = (int)DuckDbNative.ColumnCount(result.Result);
        _names = new string[count];
        _types = new DuckDbType[count];
        _childTypes = new DuckDbType[count];
        _vectors = new IntPtr[count];
        _data = new IntPtr[count];
        _validity = new IntPtr[count];
        for (var i = 0; i < count; i++)
        {
            _names[i] = DuckDbNative.ReadUtf8(DuckDbNative.ColumnName(result.Result, (ulong)i)) ?? $"column{i}";
            _types[i] = DuckDbNative.ColumnType(result.Result, (ulong)i);
            if (_types[i] == DuckDbType.List)
                _childTypes[i] = ListChildType(result.Result, i);
        }
    }

    /// <summary>How many columns the result has.</summary>
    public int FieldCount => _names.Length;

    /// <summary>The name of column <paramref name="ordinal"/> (0-based).</summary>
    public string GetName(int ordinal) => _names[ordinal];

    /// <summary>The DuckDB type of column <paramref name="ordinal"/>.</summary>
    public DuckDbType GetColumnType(int ordinal) => _types[ordinal];

    /// <summary>The element type of a LIST column (<see cref="DuckDbType.Invalid"/> for other columns).</summary>
    public DuckDbType GetListElementType(int ordinal) => _childTypes[ordinal];

    /// <summary>The 0-based position of the column named <paramref name="name"/> (case-insensitive, as in SQL).</summary>
    /// <exception cref="ArgumentException">No column has that name.</exception>
    public int GetOrdinal(string name)
    {
        for (var i = 0; i < _names.Length; i++)
            if (string.Equals(_names[i], name, StringComparison.OrdinalIgnoreCase))
                return i;
        throw new ArgumentException($"The result has no column '{name}'; its columns are: {string.Join(", ", _names)}.", nameof(name));
    }

    /// <summary>Moves to the next row; false once the rows are exhausted.</summary>
    public bool Read()
    {
        ObjectDisposedException.ThrowIf(_result.IsClosed, this);
        if (_done)
            return false;
        if (_chunk is not null && ++_row < _chunkRows)
            return true;
        return NextChunk();
    }

    /// <summary>Whether column <paramref name="ordinal"/> of the current row is NULL.</summary>
    public bool IsDBNull(int ordinal)
    {
        EnsureRow();
        var validity = (ulong*)_validity[ordinal];
        return validity != null && (validity[_row >> 6] & (1UL << (_row & 63))) == 0;
    }

    /// <summary>A VARCHAR column's text; null when NULL.</summary>
    public string? GetString(int ordinal)
    {
        if (IsDBNull(ordinal))
            return null;
        Expect(ordinal, "a string", DuckDbType.Varchar);
        return ReadString((byte*)_data[ordinal], _row);
    }

    /// <summary>A BLOB (or VARCHAR) column's bytes, copied; null when NULL.</summary>
    public byte[]? GetBlob(int ordinal)
    {
        if (IsDBNull(ordinal))
            return null;
        Expect(ordinal, "bytes", DuckDbType.Blob, DuckDbType.Varchar);
        return StringBytes((byte*)_data[ordinal], _row).ToArray();
    }

    /// <summary>An integer column's value (any signed or unsigned width, HUGEINT within range).</summary>
    public long GetInt64(int ordinal)
    {
        NotNull(ordinal);
        var data = _data[ordinal];
        return _types[ordinal] switch
        {
            DuckDbType.TinyInt => ((sbyte*)data)[_row],
            DuckDbType.SmallInt => ((short*)data)[_row],
            DuckDbType.Integer => ((int*)data)[_row],
            DuckDbType.BigInt => ((long*)data)[_row],
            DuckDbType.UTinyInt => ((byte*)data)[_row],
            DuckDbType.USmallInt => ((ushort*)data)[_row],
            DuckDbType.UInteger => ((uint*)data)[_row],
            DuckDbType.UBigInt => Narrow(ordinal, (Int128)((ulong*)data)[_row]),
            DuckDbType.HugeInt => Narrow(ordinal, ReadHugeInt(data, _row)),
            _ => throw WrongType(ordinal, "an integer"),
        };
    }

    /// <summary>An integer column's value; throws when it does not fit in 32 bits.</summary>
    public int GetInt32(int ordinal)
    {
        var value = GetInt64(ordinal);
        return value is >= int.MinValue and <= int.MaxValue
            ? (int)value
            : throw new OverflowException($"Column '{_names[ordinal]}' holds {value}, which does not fit in an int; read it with GetInt64.");
    }

    /// <summary>A DOUBLE, FLOAT or integer column's value as double.</summary>
    public double GetDouble(int ordinal)
    {
        NotNull(ordinal);
        return _types[ordinal] switch
        {
            DuckDbType.Double => ((double*)_data[ordinal])[_row],
            DuckDbType.Float => ((float*)_data[ordinal])[_row],
            DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer or DuckDbType.BigInt
                or DuckDbType.UTinyInt or DuckDbType.USmallInt or DuckDbType.UInteger => GetInt64(ordinal),
            _ => throw WrongType(ordinal, "a double"),
        };
    }

    /// <summary>A FLOAT column's value (a DOUBLE is rounded to float).</summary>
    public float GetFloat(int ordinal)
    {
        NotNull(ordinal);
        return _types[ordinal] == DuckDbType.Float ? ((float*)_data[ordinal])[_row] : (float)GetDouble(ordinal);
    }

    /// <summary>A BOOLEAN column's value.</summary>
    public bool GetBoolean(int ordinal)
    {
        NotNull(ordinal);
        Expect(ordinal, "a boolean", DuckDbType.Boolean);
        return ((byte*)_data[ordinal])[_row] != 0;
    }

    /// <summary>
    /// A TIMESTAMP (Kind Unspecified), TIMESTAMP WITH TIME ZONE (Kind Utc), DATE, TIMESTAMP_S/_MS/_NS column's value;
    /// nanoseconds are truncated to DateTime's 100 ns ticks.
    /// </summary>
    public DateTime GetDateTime(int ordinal)
    {
        NotNull(ordinal);
        var data = _data[ordinal];
        return _types[ordinal] switch
        {
            DuckDbType.Timestamp => DuckDbTime.FromMicros(((long*)data)[_row], DateTimeKind.Unspecified),
            DuckDbType.TimestampTz => DuckDbTime.FromMicros(((long*)data)[_row], DateTimeKind.Utc),
            DuckDbType.TimestampSeconds => DuckDbTime.FromMicros(((long*)data)[_row] * 1_000_000, DateTimeKind.Unspecified),
            DuckDbType.TimestampMilliseconds => DuckDbTime.FromMicros(((long*)data)[_row] * 1_000, DateTimeKind.Unspecified),
            DuckDbType.TimestampNanoseconds => new DateTime(DateTime.UnixEpoch.Ticks + ((long*)data)[_row] / 100, DateTimeKind.Unspecified),
            DuckDbType.Date => DuckDbTime.FromDays(((int*)data)[_row]),
            _ => throw WrongType(ordinal, "a DateTime"),
        };
    }

    /// <summary>A LIST of VARCHAR column's elements (NULL elements stay null); null when the list itself is NULL.</summary>
    public string?[]? GetStringList(int ordinal)
    {
        if (IsDBNull(ordinal))
            return null;
        ExpectList(ordinal, "a list of strings", DuckDbType.Varchar);
        var entry = ListEntry(ordinal, out var childData, out var childValidity);
        var items = new string?[entry.Length];
        for (var k = 0; k < items.Length; k++)
        {
            var index = (int)entry.Offset + k;
            items[k] = IsValid(childValidity, index) ? ReadString(childData, index) : null;
        }
        return items;
    }

    /// <summary>A LIST of DOUBLE or FLOAT column's elements (NULL elements read as NaN); null when the list itself is NULL.</summary>
    public double[]? GetDoubleList(int ordinal)
    {
        if (IsDBNull(ordinal))
            return null;
        ExpectList(ordinal, "a list of doubles", DuckDbType.Double, DuckDbType.Float);
        var entry = ListEntry(ordinal, out var childData, out var childValidity);
        var items = new double[entry.Length];
        var isFloat = _childTypes[ordinal] == DuckDbType.Float;
        for (var k = 0; k < items.Length; k++)
        {
            var index = (int)entry.Offset + k;
            items[k] = !IsValid(childValidity, index) ? double.NaN
                : isFloat ? ((float*)childData)[index] : ((double*)childData)[index];
        }
        return items;
    }

    /// <summary>The value as a .NET object (long, double, float, bool, string, byte[], DateTime, string?[] or double[]); null when NULL.</summary>
    public object? GetValue(int ordinal)
    {
        if (IsDBNull(ordinal))
            return null;
        return _types[ordinal] switch
        {
            DuckDbType.Boolean => GetBoolean(ordinal),
            DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer or DuckDbType.BigInt or DuckDbType.UTinyInt
                or DuckDbType.USmallInt or DuckDbType.UInteger or DuckDbType.UBigInt or DuckDbType.HugeInt => GetInt64(ordinal),
            DuckDbType.Float => GetFloat(ordinal),
            DuckDbType.Double => GetDouble(ordinal),
            DuckDbType.Varchar => GetString(ordinal),
            DuckDbType.Blob => GetBlob(ordinal),
            DuckDbType.Timestamp or DuckDbType.TimestampTz or DuckDbType.TimestampSeconds or DuckDbType.TimestampMilliseconds
                or DuckDbType.TimestampNanoseconds or DuckDbType.Date => GetDateTime(ordinal),
            DuckDbType.List when _childTypes[ordinal] == DuckDbType.Varchar => GetStringList(ordinal),
            DuckDbType.List when _childTypes[ordinal] is DuckDbType.Double or DuckDbType.Float => GetDoubleList(ordinal),
            _ => throw WrongType(ordinal, "a supported .NET value"),
        };
    }

    /// <summary>Frees the current chunk and the result. Safe to call more than once.</summary>
    public void Dispose()
    {
        _chunk?.Dispose();
        _chunk = null;
        _done = true;
        _result.Dispose();
    }

    private bool NextChunk()
    {
        _chunk?.Dispose();
        _chunk = null;
        while (true)
        {
            IntPtr native;
            using (var lease = _result.Borrow())
                native = DuckDbNative.FetchChunk(*(DuckDbResultStruct*)lease.Pointer);
            if (native == IntPtr.Zero)
            {
                _done = true;
                return false;
            }
            var chunk = new DataChunkHandle();
            chunk.Attach(native, _result);
            var rows = (int)DuckDbNative.DataChunkGetSize(native);
            if (rows == 0)
            {
                chunk.Dispose();
                continue;
            }
            _chunk = chunk;
            _chunkRows = rows;
            _row = 0;
            for (var i = 0; i < _vectors.Length; i++)
            {
                var vector = DuckDbNative.DataChunkGetVector(native, (ulong)i);
                _vectors[i] = vector;
                _data[i] = (IntPtr)DuckDbNative.VectorGetData(vector);
                _validity[i] = (IntPtr)DuckDbNative.VectorGetValidity(vector);
            }
            return true;
        }
    }

    private DuckDbListEntry ListEntry(int ordinal, out byte* childData, out ulong* childValidity)
    {
        var child = DuckDbNative.ListVectorGetChild(_vectors[ordinal]);
        childData = (byte*)DuckDbNative.VectorGetData(child);
        childValidity = DuckDbNative.VectorGetValidity(child);
        return ((DuckDbListEntry*)_data[ordinal])[_row];
    }

    private static DuckDbType ListChildType(DuckDbResultStruct* result, int column)
    {
        var logical = DuckDbNative.ColumnLogicalType(result, (ulong)column);
        var child = DuckDbNative.ListTypeChildType(logical);
        try
        {
            return DuckDbNative.GetTypeId(child);
        }
        finally
        {
            DuckDbNative.DestroyLogicalType(&child);
            DuckDbNative.DestroyLogicalType(&logical);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsValid(ulong* validity, int index)
        => validity == null || (validity[index >> 6] & (1UL << (index & 63))) != 0;

    // duckdb_string_t (duckdb.h): 4-byte length, then either the bytes inline (up to 12) or a 4-byte prefix and a pointer.
    private static ReadOnlySpan<byte> StringBytes(byte* vectorData, int index)
    {
        var entry = vectorData + 16 * index;
        var length = *(uint*)entry;
        return length <= 12
            ? new ReadOnlySpan<byte>(entry + 4, (int)length)
            : new ReadOnlySpan<byte>(*(byte**)(entry + 8), (int)length);
    }

    private static string ReadString(byte* vectorData, int index) => Encoding.UTF8.GetString(StringBytes(vectorData, index));

    // duckdb_hugeint: lower 64 bits unsigned, then upper 64 bits signed.
    private static Int128 ReadHugeInt(IntPtr data, int row)
    {
        var p = (ulong*)data + 2 * row;
        return new Int128(p[1], p[0]);
    }

    private long Narrow(int ordinal, Int128 value)
        => value >= long.MinValue && value <= long.MaxValue
            ? (long)value
            : throw new OverflowException($"Column '{_names[ordinal]}' holds {value}, which does not fit in a long.");

    private void EnsureRow()
    {
        ObjectDisposedException.ThrowIf(_result.IsClosed, this);
        if (_chunk is null)
            throw new InvalidOperationException("No current row: call Read() first and check that it returned true.");
    }

    private void NotNull(int ordinal)
    {
        if (IsDBNull(ordinal))
            throw new InvalidOperationException($"Column '{_names[ordinal]}' is NULL in this row; check IsDBNull before reading it as a value.");
    }

    private void Expect(int ordinal, string what, params ReadOnlySpan<DuckDbType> accepted)
    {
        if (!accepted.Contains(_types[ordinal]))
            throw WrongType(ordinal, what);
    }

    private void ExpectList(int ordinal, string what, params ReadOnlySpan<DuckDbType> elements)
    {
        if (_types[ordinal] != DuckDbType.List || !elements.Contains(_childTypes[ordinal]))
            throw WrongType(ordinal, what);
    }

    private InvalidCastException WrongType(int ordinal, string what)
    {
        var type = _types[ordinal] == DuckDbType.List ? $"LIST of {_childTypes[ordinal]}" : _types[ordinal].ToString();
        return new InvalidCastException($"Column '{_names[ordinal]}' is {type} and cannot be read as {what}; CAST it in the SQL or use the matching getter.");
    }
}
