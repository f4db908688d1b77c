using System.Buffers;
using System.Text;

namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// A prepared statement: bind values to its parameters (1-based, in order of <c>?</c> or by <c>$n</c>), then
/// <see cref="Execute"/> or <see cref="Query"/>; bindings stay until rebound or <see cref="ClearBindings"/>.
/// Not thread-safe (it belongs to its connection).
/// </summary>
public sealed unsafe class DuckDbStatement : IDisposable
{
    // Short strings are encoded on the stack; longer ones borrow a pooled array.
    private const int StackUtf8Bytes = 512;

    private readonly PreparedStatementHandle _handle;

    internal DuckDbStatement(PreparedStatementHandle handle, string sql)
    {
        _handle = handle;
        Sql = sql;
    }

    /// <summary>The statement's SQL text.</summary>
    public string Sql { get; }

    /// <summary>How many parameters the statement takes.</summary>
    public int ParameterCount
    {
        get
        {
            using var lease = Borrow();
            return (int)DuckDbNative.NParams(lease.Pointer);
        }
    }

    /// <summary>Binds SQL NULL to parameter <paramref name="index"/> (1-based).</summary>
    public DuckDbStatement BindNull(int index)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.BindNull(lease.Pointer, Slot(index)), index, "NULL");
    }

    /// <summary>Binds text (UTF-8; may contain any character, NUL included); null binds SQL NULL.</summary>
    public DuckDbStatement Bind(int index, string? value)
    {
        if (value is null)
            return BindNull(index);
        using var lease = Borrow();
        var length = Encoding.UTF8.GetByteCount(value);
        byte[]? rented = null;
        Span<byte> bytes = length <= StackUtf8Bytes ? stackalloc byte[StackUtf8Bytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            Encoding.UTF8.GetBytes(value, bytes);
            fixed (byte* p = bytes)
                return Check(DuckDbNative.BindVarcharLength(lease.Pointer, Slot(index), p, (ulong)length), index, "a string");
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Binds a 64-bit integer.</summary>
    public DuckDbStatement Bind(int index, long value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.BindInt64(lease.Pointer, Slot(index), value), index, "a BIGINT");
    }

    /// <summary>Binds a 32-bit integer.</summary>
    public DuckDbStatement Bind(int index, int value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.BindInt32(lease.Pointer, Slot(index), value), index, "an INTEGER");
    }

    /// <summary>Binds a double.</summary>
    public DuckDbStatement Bind(int index, double value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.BindDouble(lease.Pointer, Slot(index), value), index, "a DOUBLE");
    }

    /// <summary>Binds a float.</summary>
    public DuckDbStatement Bind(int index, float value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.BindFloat(lease.Pointer, Slot(index), value), index, "a FLOAT");
    }

    /// <summary>Binds a boolean.</summary>
    public DuckDbStatement Bind(int index, bool value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.BindBoolean(lease.Pointer, Slot(index), value ? (byte)1 : (byte)0), index, "a BOOLEAN");
    }

    /// <summary>Binds bytes as a BLOB (copied by DuckDB).</summary>
    public DuckDbStatement Bind(int index, ReadOnlySpan<byte> value)
    {
        using var lease = Borrow();
        fixed (byte* p = value)
            return Check(DuckDbNative.BindBlob(lease.Pointer, Slot(index), p, (ulong)value.Length), index, "a BLOB");
    }

    /// <summary>Binds bytes as a BLOB; null binds SQL NULL.</summary>
    public DuckDbStatement Bind(int index, byte[]? value)
        => value is null ? BindNull(index) : Bind(index, (ReadOnlySpan<byte>)value);

    /// <summary>
    /// Binds a TIMESTAMP (microseconds; sub-microsecond ticks are truncated). A <see cref="DateTimeKind.Local"/>
    /// value is converted to UTC first; Utc and Unspecified values are stored as given.
    /// </summary>
    public DuckDbStatement Bind(int index, DateTime value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.BindTimestamp(lease.Pointer, Slot(index), DuckDbTime.ToTimestamp(value)), index, "a TIMESTAMP");
    }

    /// <summary>Drops every binding, so a forgotten parameter fails instead of reusing the previous row's value.</summary>
    public void ClearBindings()
    {
        using var lease = Borrow();
        if (DuckDbNative.ClearBindings(lease.Pointer) != DuckDbState.Success)
            throw new DuckDbException($"DuckDB could not clear the bindings of: {Sql}", sql: Sql);
    }

    /// <summary>Runs the statement with the current bindings and returns the rows it changed.</summary>
    /// <exception cref="DuckDbException">Execution failed (constraint violation, conversion, missing binding).</exception>
    public long Execute()
    {
        using var result = Run();
        return (long)DuckDbNative.RowsChanged(result.Result);
    }

    /// <summary>Runs the statement with the current bindings and returns a reader over its rows.</summary>
    public DuckDbDataReader Query() => new(Run());

    /// <summary>Destroys the statement. Safe to call more than once.</summary>
    public void Dispose() => _handle.Dispose();

    private ResultHandle Run()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var result = ResultHandle.Allocate(_handle);
        try
        {
            using var lease = Borrow();
            if (DuckDbNative.ExecutePrepared(lease.Pointer, result.Result) != DuckDbState.Success)
                throw DuckDbErrors.FromResult(result.Result, "executing prepared", Sql);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private DuckDbHandle.Lease Borrow()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return _handle.Borrow();
    }

    private ulong Slot(int index)
    {
        if (index < 1)
            throw new ArgumentOutOfRangeException(nameof(index), index, "Parameters are numbered from 1, as in SQL's $1.");
        return (ulong)index;
    }

    private DuckDbStatement Check(DuckDbState state, int index, string what)
    {
        if (state != DuckDbState.Success)
        {
            using var lease = _handle.Borrow();
            var reason = DuckDbNative.ReadUtf8(DuckDbNative.PrepareError(lease.Pointer));
            var count = DuckDbNative.NParams(lease.Pointer);
            var message = reason ?? $"parameter {index} is out of range (the statement takes {count})";
            throw DuckDbErrors.ForSql($"binding {what} to parameter {index} for", Sql, message, DuckDbErrorKind.Invalid);
        }
        return this;
    }
}
