using System.Data;
using DuckDB.NET.Data;

namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// One-call statements on a DuckDB.NET connection: the SQL with positional <c>?</c> parameters, a command per call.
/// A null argument is bound as SQL NULL.
/// </summary>
internal static class DuckDbCommands
{
    /// <summary>Runs <paramref name="sql"/> (one or more statements) and returns the rows changed.</summary>
    public static int Execute(this DuckDBConnection connection, string sql, params object?[] parameters)
    {
        using var command = Create(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row, or null when there is no row or the value is NULL.</summary>
    public static object? ExecuteScalar(this DuckDBConnection connection, string sql, params object?[] parameters)
    {
        using var command = Create(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>The rows of a query, read one at a time (the record is valid until the next one).</summary>
    public static IEnumerable<IDataRecord> Query(this DuckDBConnection connection, string sql, params object?[] parameters)
    {
        using var command = Create(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return reader;
    }

    /// <summary>A text column that may be NULL.</summary>
    public static string? GetNullableString(this IDataRecord record, int ordinal) => record.IsDBNull(ordinal) ? null : record.GetString(ordinal);

    private static DuckDBCommand Create(DuckDBConnection connection, string sql, object?[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var value in parameters)
            command.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
        return command;
    }
}
