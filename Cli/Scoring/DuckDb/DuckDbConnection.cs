namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// One connection to a <see cref="DuckDbDatabase"/>: runs SQL, prepares statements, opens appenders and
/// transactions. Not thread-safe: use one connection per thread (they may run concurrently on one database).
/// </summary>
public sealed unsafe class DuckDbConnection : IDisposable
{
    private readonly ConnectionHandle _handle;

    internal DuckDbConnection(ConnectionHandle handle) => _handle = handle;

    internal ConnectionHandle Handle => _handle;

    /// <summary>Runs one or more statements (separated by ';') and returns the rows the last one changed.</summary>
    /// <exception cref="DuckDbException">DuckDB rejected the SQL; the message quotes it and DuckDB's reason.</exception>
    public long Execute(string sql)
    {
        using var result = Run(sql);
        return (long)DuckDbNative.RowsChanged(result.Result);
    }

    /// <summary>Runs a query and returns a reader over its (materialized) rows. Dispose the reader.</summary>
    /// <exception cref="DuckDbException">DuckDB rejected the SQL.</exception>
    public DuckDbDataReader Query(string sql) => new(Run(sql));

    /// <summary>Runs a query and returns the first column of the first row, or null when there is no row or it is NULL.</summary>
    public object? ExecuteScalar(string sql)
    {
        using var reader = Query(sql);
        return reader.Read() && reader.FieldCount > 0 ? reader.GetValue(0) : null;
    }

    /// <summary>Prepares a statement with <c>?</c> or <c>$1</c> parameters, to bind and run many times.</summary>
    /// <exception cref="DuckDbException">The SQL does not prepare (syntax, unknown table or column).</exception>
    public DuckDbStatement Prepare(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var statement = new PreparedStatementHandle();
        using var lease = _handle.Borrow();
        using var nativeSql = new Utf8Z(sql);
        IntPtr native;
        var state = DuckDbNative.Prepare(lease.Pointer, nativeSql.Pointer, &native);
        // duckdb.h: the statement must be destroyed even when preparing fails, and carries the reason until then.
        statement.Attach(native, _handle);
        if (state != DuckDbState.Success || native == IntPtr.Zero)
        {
            var error = DuckDbErrors.FromPrepare(native, sql);
            statement.Dispose();
            throw error;
        }
        return new DuckDbStatement(statement, sql);
    }

    /// <summary>
    /// Opens an appender, the fast path for inserting many rows into <paramref name="table"/>: values are given
    /// column by column in table order, each row ended with <see cref="DuckDbAppender.EndRow"/>.
    /// </summary>
    /// <param name="table">The table name (as written, not quoted).</param>
    /// <param name="schema">Its schema; null for the default ("main").</param>
    /// <exception cref="DuckDbException">The table does not exist.</exception>
    public DuckDbAppender CreateAppender(string table, string? schema = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        var appender = new AppenderHandle();
        using var lease = _handle.Borrow();
        using var nativeSchema = new Utf8Z(schema);
        using var nativeTable = new Utf8Z(table);
        IntPtr native;
        var state = DuckDbNative.AppenderCreateExt(lease.Pointer, null, nativeSchema.Pointer, nativeTable.Pointer, &native);
        // duckdb.h: the appender must be destroyed with duckdb_appender_destroy, whether or not creation succeeded.
        appender.Attach(native, _handle);
        if (state != DuckDbState.Success || native == IntPtr.Zero)
        {
            var error = DuckDbErrors.FromAppender(native, "opening an appender on", table);
            appender.Dispose();
            throw error;
        }
        return new DuckDbAppender(appender, schema is null ? table : $"{schema}.{table}");
    }

    /// <summary>Starts a transaction (<c>BEGIN TRANSACTION</c>); dispose without <see cref="DuckDbTransaction.Commit"/> rolls it back.</summary>
    public DuckDbTransaction BeginTransaction()
    {
        Execute("BEGIN TRANSACTION");
        return new DuckDbTransaction(this);
    }

    /// <summary>Runs <paramref name="work"/> in a transaction: committed when it returns, rolled back when it throws.</summary>
    public T InTransaction<T>(Func<DuckDbConnection, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var transaction = BeginTransaction();
        var value = work(this);
        transaction.Commit();
        return value;
    }

    /// <summary>Runs <paramref name="work"/> in a transaction: committed when it returns, rolled back when it throws.</summary>
    public void InTransaction(Action<DuckDbConnection> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        InTransaction(connection => { work(connection); return 0; });
    }

    /// <summary>Closes the connection (native objects opened from it close after it once they are disposed). Safe to call more than once.</summary>
    public void Dispose() => _handle.Dispose();

    private ResultHandle Run(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var result = ResultHandle.Allocate(_handle);
        try
        {
            using var lease = _handle.Borrow();
            using var nativeSql = new Utf8Z(sql);
            // duckdb.h: the result must be destroyed even when the query fails; it holds the error until then.
            if (DuckDbNative.Query(lease.Pointer, nativeSql.Pointer, result.Result) != DuckDbState.Success)
                throw DuckDbErrors.FromResult(result.Result, "executing", sql);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
