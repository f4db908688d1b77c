using System.Buffers;
using System.Text;

namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// Appends rows to one table, much faster than INSERT statements: give every column's value in table order
/// (<c>Append</c>/<see cref="AppendNull"/>), then <see cref="EndRow"/>. Rows are buffered and written by
/// <see cref="Flush"/> or <see cref="Close"/> (and by DuckDB itself whenever its buffer fills).
/// </summary>
/// <remarks>
/// Disposing without <see cref="Close"/> discards rows not yet flushed, so an exception between appends does not
/// write a partial batch; inside a transaction, rollback removes flushed rows too. After an error (a value that
/// does not convert, a constraint violation at flush) DuckDB invalidates the appender: dispose it and start over.
/// Not thread-safe.
/// </remarks>
public sealed unsafe class DuckDbAppender : IDisposable
{
    private const int StackUtf8Bytes = 512;

    private readonly AppenderHandle _handle;
    private bool _closed;

    internal DuckDbAppender(AppenderHandle handle, string table)
    {
        _handle = handle;
        Table = table;
    }

    /// <summary>The table rows go to.</summary>
    public string Table { get; }

    /// <summary>Appends SQL NULL to the current column.</summary>
    public DuckDbAppender AppendNull()
    {
        using var lease = Borrow();
        return Check(DuckDbNative.AppendNull(lease.Pointer), lease.Pointer, "appending NULL to");
    }

    /// <summary>Appends text (converted by DuckDB if the column is not VARCHAR); null appends SQL NULL.</summary>
    public DuckDbAppender Append(string? value)
    {
        if (value is null)
            return AppendNull();
        using var lease = Borrow();
        var length = Encoding.UTF8.GetByteCount(value);
        byte[]? rented = null;
        Span<byte> bytes = length <= StackUtf8Bytes ? stackalloc byte[StackUtf8Bytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            Encoding.UTF8.GetBytes(value, bytes);
            fixed (byte* p = bytes)
                return Check(DuckDbNative.AppendVarcharLength(lease.Pointer, p, (ulong)length), lease.Pointer, "appending a string to");
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Appends a 64-bit integer.</summary>
    public DuckDbAppender Append(long value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.AppendInt64(lease.Pointer, value), lease.Pointer, "appending a BIGINT to");
    }

    /// <summary>Appends a 32-bit integer.</summary>
    public DuckDbAppender Append(int value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.AppendInt32(lease.Pointer, value), lease.Pointer, "appending an INTEGER to");
    }

    /// <summary>Appends a double.</summary>
    public DuckDbAppender Append(double value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.AppendDouble(lease.Pointer, value), lease.Pointer, "appending a DOUBLE to");
    }

    /// <summary>Appends a float.</summary>
    public DuckDbAppender Append(float value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.AppendFloat(lease.Pointer, value), lease.Pointer, "appending a FLOAT to");
    }

    /// <summary>Appends a boolean.</summary>
    public DuckDbAppender Append(bool value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.AppendBool(lease.Pointer, value ? (byte)1 : (byte)0), lease.Pointer, "appending a BOOLEAN to");
    }

    /// <summary>Appends bytes as a BLOB (copied by DuckDB).</summary>
    public DuckDbAppender Append(ReadOnlySpan<byte> value)
    {
        using var lease = Borrow();
        fixed (byte* p = value)
            return Check(DuckDbNative.AppendBlob(lease.Pointer, p, (ulong)value.Length), lease.Pointer, "appending a BLOB to");
    }

    /// <summary>Appends bytes as a BLOB; null appends SQL NULL.</summary>
    public DuckDbAppender Append(byte[]? value) => value is null ? AppendNull() : Append((ReadOnlySpan<byte>)value);

    /// <summary>Appends a TIMESTAMP (microseconds; Local values are converted to UTC, others stored as given).</summary>
    public DuckDbAppender Append(DateTime value)
    {
        using var lease = Borrow();
        return Check(DuckDbNative.AppendTimestamp(lease.Pointer, DuckDbTime.ToTimestamp(value)), lease.Pointer, "appending a TIMESTAMP to");
    }

    /// <summary>Ends the current row; every column must have had a value.</summary>
    /// <exception cref="DuckDbException">The row has too few values.</exception>
    public void EndRow()
    {
        using var lease = Borrow();
        Check(DuckDbNative.AppenderEndRow(lease.Pointer), lease.Pointer, "ending a row of");
    }

    /// <summary>Writes the buffered rows to the table (in the connection's transaction, if one is open).</summary>
    /// <exception cref="DuckDbException">A constraint was violated; every buffered row is discarded and the appender is invalid.</exception>
    public void Flush()
    {
        using var lease = Borrow();
        Check(DuckDbNative.AppenderFlush(lease.Pointer), lease.Pointer, "flushing rows into");
    }

    /// <summary>Flushes and closes the appender; later appends throw. Safe to call more than once.</summary>
    /// <exception cref="DuckDbException">The final flush failed; no buffered row was written.</exception>
    public void Close()
    {
        if (_closed)
            return;
        try
        {
            using var lease = Borrow();
            Check(DuckDbNative.AppenderClose(lease.Pointer), lease.Pointer, "closing the appender of");
        }
        finally
        {
            _closed = true;
            _handle.Dispose();
        }
    }

    /// <summary>Destroys the appender, discarding rows not yet flushed (see remarks). Safe to call more than once.</summary>
    public void Dispose()
    {
        _closed = true;
        _handle.Dispose();
    }

    private DuckDbHandle.Lease Borrow()
    {
        ObjectDisposedException.ThrowIf(_closed || _handle.IsClosed, this);
        return _handle.Borrow();
    }

    private DuckDbAppender Check(DuckDbState state, IntPtr appender, string action)
        => state == DuckDbState.Success ? this : throw DuckDbErrors.FromAppender(appender, action, Table);
}
