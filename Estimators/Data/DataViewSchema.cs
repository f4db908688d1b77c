namespace MLNetAttn.Estimators;

/// <summary>
/// The columns of a data view, in order (ML.NET's <c>DataViewSchema</c>). Immutable. A transform that writes a
/// column whose name already exists replaces it at the same index (in ML.NET the old one becomes hidden; here
/// it is gone, so every column of a schema is visible).
/// </summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] _columns;
    private readonly Dictionary<string, int> _byName;

    /// <summary>A schema over the given (name, type) pairs, which must have distinct names.</summary>
    /// <param name="columns">Names and types in column order.</param>
    /// <exception cref="ArgumentException">A name is empty or repeated.</exception>
    public DataViewSchema(IEnumerable<(string Name, DataViewType Type)> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.Select((c, i) => new Column(c.Name, i, c.Type)).ToArray();
        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in _columns)
        {
            if (string.IsNullOrEmpty(c.Name))
                throw new ArgumentException($"Column {c.Index} has no name; give every column a name.", nameof(columns));
            if (!_byName.TryAdd(c.Name, c.Index))
                throw new ArgumentException($"Column name '{c.Name}' appears twice; column names must be unique.", nameof(columns));
        }
    }

    /// <summary>One column: its name, position and type.</summary>
    /// <param name="Name">The column name.</param>
    /// <param name="Index">Its position in the schema.</param>
    /// <param name="Type">Its type.</param>
    public sealed record Column(string Name, int Index, DataViewType Type)
    {
        /// <inheritdoc />
        public override string ToString() => $"{Name}: {Type}";
    }

    /// <summary>The column at <paramref name="index"/>.</summary>
    public Column this[int index] => _columns[index];

    /// <summary>The column called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No column has that name.</exception>
    public Column this[string name] => GetColumnOrNull(name)
        ?? throw new ArgumentOutOfRangeException(nameof(name), $"Could not find column '{name}'. Columns: {this}.");

    /// <summary>The number of columns.</summary>
    public int Count => _columns.Length;

    /// <summary>The column called <paramref name="name"/>, or null.</summary>
    public Column? GetColumnOrNull(string name) => _byName.TryGetValue(name, out var i) ? _columns[i] : null;

    /// <summary>This schema with <paramref name="name"/> added at the end, or replaced in place when it exists.</summary>
    public DataViewSchema With(string name, DataViewType type)
    {
        var list = _columns.Select(c => (c.Name, c.Type)).ToList();
        var existing = GetColumnOrNull(name);
        if (existing is null)
            list.Add((name, type));
        else
            list[existing.Index] = (name, type);
        return new DataViewSchema(list);
    }

    /// <inheritdoc />
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", _columns.Select(c => c.ToString()));
}
