namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>Conversions between <see cref="DateTime"/> and DuckDB's epoch-based time values.</summary>
internal static class DuckDbTime
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    public static DuckDbTimestampStruct ToTimestamp(DateTime value)
    {
        if (value.Kind == DateTimeKind.Local)
            value = value.ToUniversalTime();
        // Integer division truncates toward zero; dates before 1970 would round up, so floor explicitly.
        var ticks = value.Ticks - DateTime.UnixEpoch.Ticks;
        return new DuckDbTimestampStruct { Micros = Math.DivRem(ticks, TicksPerMicrosecond) is var (q, r) && r < 0 ? q - 1 : q };
    }

    public static DateTime FromMicros(long micros, DateTimeKind kind)
        => new(DateTime.UnixEpoch.Ticks + micros * TicksPerMicrosecond, kind);

    public static DateTime FromDays(int days) => DateTime.UnixEpoch.AddDays(days);
}
