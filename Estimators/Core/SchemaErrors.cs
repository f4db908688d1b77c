namespace MLNetAttn.Estimators;

/// <summary>Schema checks with ML.NET's wording, so messages read the same as there.</summary>
internal static class SchemaErrors
{
    /// <summary>"Could not find input column 'X'".</summary>
    public static ArgumentOutOfRangeException MissingColumn(string role, string name, DataViewSchema schema)
        => new(role, $"Could not find {role} column '{name}'. The input has: {Describe(schema)}.");

    /// <summary>"Schema mismatch for input column 'X': expected …, got …".</summary>
    public static ArgumentOutOfRangeException Mismatch(string role, string name, string expected, DataViewType actual)
        => new(role, $"Schema mismatch for {role} column '{name}': expected {expected}, got {actual}.");

    /// <summary>The named column, or the "Could not find" error.</summary>
    public static DataViewSchema.Column Require(DataViewSchema schema, string name, string role = "input")
        => schema.GetColumnOrNull(name) ?? throw MissingColumn(role, name, schema);

    private static string Describe(DataViewSchema schema) => schema.Count == 0 ? "no columns" : schema.ToString();
}
