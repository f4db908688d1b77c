namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// DuckDB refused a call. The message names what was being done (the SQL, or the table an appender writes to)
/// and quotes DuckDB's own explanation.
/// </summary>
public sealed class DuckDbException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> is the full text shown to the user.</summary>
    public DuckDbException(string message, string? nativeMessage = null, DuckDbErrorKind errorKind = DuckDbErrorKind.Invalid,
        string? sql = null, string? table = null)
        : base(message)
    {
        NativeMessage = nativeMessage;
        ErrorKind = errorKind;
        Sql = sql;
        Table = table;
    }

    /// <summary>DuckDB's message as it gave it, or null when the failure was found before DuckDB was called.</summary>
    public string? NativeMessage { get; }

    /// <summary>DuckDB's error class (<c>duckdb_error_type</c>), for example <see cref="DuckDbErrorKind.Constraint"/>.</summary>
    public DuckDbErrorKind ErrorKind { get; }

    /// <summary>The statement that failed, when the failure came from SQL.</summary>
    public string? Sql { get; }

    /// <summary>The table an appender was writing to, when the failure came from an appender.</summary>
    public string? Table { get; }
}

/// <summary>DuckDB's error classes (the values of <c>duckdb_error_type</c> in duckdb.h) that callers act on.</summary>
public enum DuckDbErrorKind
{
    /// <summary>No class given.</summary>
    Invalid = 0,
    /// <summary>A value did not fit its target type (out of range).</summary>
    OutOfRange = 1,
    /// <summary>A value could not be converted (for example text to INTEGER).</summary>
    Conversion = 2,
    /// <summary>Types did not match.</summary>
    MismatchType = 5,
    /// <summary>Two transactions wrote the same rows.</summary>
    Transaction = 10,
    /// <summary>A table, view or function does not exist.</summary>
    Catalog = 13,
    /// <summary>The SQL could not be parsed.</summary>
    Parser = 14,
    /// <summary>A constraint (PRIMARY KEY, UNIQUE, NOT NULL, CHECK) was violated.</summary>
    Constraint = 18,
    /// <summary>The statement is not valid SQL for its inputs (for example an unknown column).</summary>
    Binder = 24,
    /// <summary>A file could not be read or written.</summary>
    IO = 28,
    /// <summary>The query was interrupted.</summary>
    Interrupt = 29,
    /// <summary>The database hit a fatal error and must be reopened.</summary>
    Fatal = 30,
    /// <summary>The input was invalid (for example a malformed CSV line).</summary>
    InvalidInput = 32,
    /// <summary>DuckDB ran out of memory.</summary>
    OutOfMemory = 33,
    /// <summary>A configuration option was unknown or its value invalid.</summary>
    InvalidConfiguration = 42,
}
