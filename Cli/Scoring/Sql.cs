namespace MLNetAttn.Cli.Scoring;

/// <summary>Quoting for the few places the job writes a name or a path into SQL text (paths in COPY, ATTACH, read_csv).</summary>
internal static class Sql
{
    /// <summary>A string literal: 'text' with quotes doubled.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A quoted identifier: "name" with quotes doubled.</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
