using System.Globalization;
using DuckDB.NET.Data;

namespace MLNetAttn.Cli.Scoring;

/// <summary>One CSV line DuckDB could not read, from its <c>reject_errors</c> table.</summary>
/// <param name="File">The CSV file.</param>
/// <param name="Line">The 1-based line as DuckDB counts it: CSV records, the header being line 1 (a quoted field spanning
/// several physical lines counts once).</param>
/// <param name="Column">The column at fault, when DuckDB knows it.</param>
/// <param name="Kind">DuckDB's class of error, for example CAST, MISSING COLUMNS, TOO MANY COLUMNS, UNQUOTED VALUE.</param>
/// <param name="Text">The offending line as read.</param>
/// <param name="Message">DuckDB's explanation.</param>
internal sealed record CsvReject(string File, long Line, string? Column, string Kind, string? Text, string Message)
{
    /// <summary>"file: line N: message (column c)", the form the CLI prints.</summary>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{File}: line {Line}: {Message}{(Column is null ? "" : $" (column '{Column}')")}");
}

/// <summary>
/// How manifests are read so that every bad line is reported as "line N: …".
/// </summary>
/// <remarks>
/// Measured with DuckDB 1.5.6 (see CsvRejectsTests): <c>read_csv_auto</c> must not be used to validate a manifest,
/// because on a malformed file its dialect sniffer may silently choose another delimiter or quote and return wrong
/// columns without an error. Give the dialect and the columns and switch the sniffer off
/// (<see cref="ReadCsvOptions"/>): then the first bad line fails the query with "CSV Error on Line: N" and DuckDB's reason;
/// adding <c>store_rejects=true</c> instead skips bad lines and records each one in the connection's temporary
/// <c>reject_errors</c>/<c>reject_scans</c> tables, which <see cref="Read"/> turns into messages (<see cref="Clear"/> them
/// before each scan). Only the columns a query reads are converted, so validate with <c>SELECT *</c>. An unterminated quote
/// makes DuckDB read the rest of the file as that one field, so a job should treat any reject as fatal.
/// </remarks>
internal static class CsvRejects
{
    /// <summary>
    /// The read_csv options for a comma-separated file with a header, double-quote quoting and the given columns,
    /// sniffing off: <c>read_csv('f.csv', {ReadCsvOptions(...)}, store_rejects=true)</c>.
    /// </summary>
    /// <param name="columns">Column names and DuckDB types in file order, for example ("path", "VARCHAR").</param>
    public static string ReadCsvOptions(params ReadOnlySpan<(string Name, string Type)> columns)
    {
        var list = new List<string>(columns.Length);
        foreach (var (name, type) in columns)
            list.Add($"{Quote(name)}: {Quote(type)}");
        return "header=true, delim=',', quote='\"', escape='\"', auto_detect=false, columns={" + string.Join(", ", list) + "}";
    }

    /// <summary>
    /// Drops the connection's reject tables, so the next <c>store_rejects</c> scan starts from empty ones (DuckDB keeps
    /// adding to them for the life of the connection, and a scan without errors adds no scan row).
    /// </summary>
    public static void Clear(DuckDBConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.Execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans;");
    }

    /// <summary>
    /// Reads every reject recorded on this connection since the last <see cref="Clear"/>, in file and line order;
    /// empty when no <c>store_rejects</c> scan has run.
    /// </summary>
    public static IReadOnlyList<CsvReject> Read(DuckDBConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var rejects = new List<CsvReject>();
        if (connection.ExecuteScalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'reject_errors' AND temporary") is 0L)
            return rejects;
        // The error type is an ENUM; read as text.
        foreach (var row in connection.Query(
            "SELECT s.file_path, e.line, e.column_name, CAST(e.error_type AS VARCHAR), e.csv_line, e.error_message " +
            "FROM reject_errors e JOIN reject_scans s ON e.scan_id = s.scan_id AND e.file_id = s.file_id " +
            "ORDER BY s.file_path, e.line"))
            rejects.Add(new CsvReject(row.GetNullableString(0) ?? "", row.GetInt64(1), row.GetNullableString(2),
                row.GetNullableString(3) ?? "", row.GetNullableString(4)?.TrimEnd('\r', '\n'), row.GetNullableString(5) ?? ""));
        return rejects;
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
