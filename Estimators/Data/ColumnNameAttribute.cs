namespace MLNetAttn.Estimators;

/// <summary>Names the column a property or field maps to, when it differs from the member name (as in ML.NET).</summary>
/// <param name="name">The column name.</param>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ColumnNameAttribute(string name) : Attribute
{
    /// <summary>The column name.</summary>
    public string Name { get; } = name;
}

/// <summary>Leaves a property or field out of the schema.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NoColumnAttribute : Attribute
{
}
