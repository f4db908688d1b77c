namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// A column's physical type as DuckDB reports it (the values of <c>DUCKDB_TYPE</c> in duckdb.h), so a reader
/// can choose the matching getter.
/// </summary>
public enum DuckDbType
{
    /// <summary>Not a valid type (for example a column index out of range).</summary>
    Invalid = 0,
    /// <summary>BOOLEAN.</summary>
    Boolean = 1,
    /// <summary>TINYINT (8-bit signed).</summary>
    TinyInt = 2,
    /// <summary>SMALLINT (16-bit signed).</summary>
    SmallInt = 3,
    /// <summary>INTEGER (32-bit signed).</summary>
    Integer = 4,
    /// <summary>BIGINT (64-bit signed).</summary>
    BigInt = 5,
    /// <summary>UTINYINT.</summary>
    UTinyInt = 6,
    /// <summary>USMALLINT.</summary>
    USmallInt = 7,
    /// <summary>UINTEGER.</summary>
    UInteger = 8,
    /// <summary>UBIGINT.</summary>
    UBigInt = 9,
    /// <summary>FLOAT (32-bit).</summary>
    Float = 10,
    /// <summary>DOUBLE (64-bit).</summary>
    Double = 11,
    /// <summary>TIMESTAMP (microseconds, no time zone).</summary>
    Timestamp = 12,
    /// <summary>DATE (days since 1970-01-01).</summary>
    Date = 13,
    /// <summary>TIME.</summary>
    Time = 14,
    /// <summary>INTERVAL.</summary>
    Interval = 15,
    /// <summary>HUGEINT (128-bit signed; what SUM of integers returns).</summary>
    HugeInt = 16,
    /// <summary>VARCHAR (UTF-8 text).</summary>
    Varchar = 17,
    /// <summary>BLOB (bytes).</summary>
    Blob = 18,
    /// <summary>DECIMAL.</summary>
    Decimal = 19,
    /// <summary>TIMESTAMP_S (seconds).</summary>
    TimestampSeconds = 20,
    /// <summary>TIMESTAMP_MS (milliseconds).</summary>
    TimestampMilliseconds = 21,
    /// <summary>TIMESTAMP_NS (nanoseconds).</summary>
    TimestampNanoseconds = 22,
    /// <summary>ENUM.</summary>
    Enum = 23,
    /// <summary>LIST (variable-length list of one child type).</summary>
    List = 24,
    /// <summary>STRUCT.</summary>
    Struct = 25,
    /// <summary>MAP.</summary>
    Map = 26,
    /// <summary>UUID.</summary>
    Uuid = 27,
    /// <summary>UNION.</summary>
    Union = 28,
    /// <summary>BIT.</summary>
    Bit = 29,
    /// <summary>TIME WITH TIME ZONE.</summary>
    TimeTz = 30,
    /// <summary>TIMESTAMP WITH TIME ZONE (microseconds, UTC).</summary>
    TimestampTz = 31,
    /// <summary>UHUGEINT (128-bit unsigned).</summary>
    UHugeInt = 32,
    /// <summary>ARRAY (fixed-length).</summary>
    Array = 33,
    /// <summary>ANY.</summary>
    Any = 34,
    /// <summary>BIGNUM.</summary>
    BigNum = 35,
    /// <summary>The type of a literal NULL.</summary>
    SqlNull = 36,
}
