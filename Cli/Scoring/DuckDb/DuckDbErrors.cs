namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// The one place DuckDB failures become <see cref="DuckDbException"/>s: every C call that returns
/// <c>DuckDBError</c> comes here with what it was doing, and the message DuckDB attached to the result,
/// the prepared statement or the appender is read (never freed: DuckDB owns it until the object is destroyed).
/// </summary>
internal static unsafe class DuckDbErrors
{
    // Statements can be long (a COPY with a large SELECT); the message keeps enough to recognise it.
    private const int SqlShownChars = 400;

    public static DuckDbException FromResult(DuckDbResultStruct* result, string action, string sql)
    {
        var message = DuckDbNative.ReadUtf8(DuckDbNative.ResultError(result)) ?? "no message from DuckDB";
        var kind = (DuckDbErrorKind)DuckDbNative.ResultErrorType(result);
        return ForSql(action, sql, message, kind);
    }

    public static DuckDbException FromPrepare(IntPtr statement, string sql)
    {
        var message = statement == IntPtr.Zero
            ? "no prepared statement was created"
            : DuckDbNative.ReadUtf8(DuckDbNative.PrepareError(statement)) ?? "no message from DuckDB";
        return ForSql("preparing", sql, message, DuckDbErrorKind.Invalid);
    }

    public static DuckDbException FromAppender(IntPtr appender, string action, string table)
    {
        var message = "no message from DuckDB";
        var kind = DuckDbErrorKind.Invalid;
        if (appender != IntPtr.Zero)
        {
            var error = DuckDbNative.AppenderErrorData(appender);
            if (error != IntPtr.Zero)
            {
                try
                {
                    if (DuckDbNative.ErrorDataHasError(error) != 0)
                    {
                        message = DuckDbNative.ReadUtf8(DuckDbNative.ErrorDataMessage(error)) ?? message;
                        kind = (DuckDbErrorKind)DuckDbNative.ErrorDataErrorType(error);
                    }
                }
                finally
                {
                    DuckDbNative.DestroyErrorData(&error);
                }
            }
        }
        return new DuckDbException($"DuckDB failed {action} table '{table}': {message}", message, kind, table: table);
    }

    public static DuckDbException ForSql(string action, string sql, string message, DuckDbErrorKind kind)
        => new($"DuckDB failed {action} SQL: {message}{Environment.NewLine}SQL: {Shorten(sql)}", message, kind, sql: sql);

    private static string Shorten(string sql)
        => sql.Length <= SqlShownChars ? sql : string.Concat(sql.AsSpan(0, SqlShownChars), " …");
}
