namespace MLNetAttn.Estimators;

/// <summary>
/// Copies batch rows into objects of <typeparamref name="T"/> (CreateEnumerable, prediction engines): each
/// public settable member whose column exists receives the row's value; vector members receive arrays, reused
/// when the object already holds one of the right length.
/// </summary>
internal sealed class RowWriter<T> where T : class, new()
{
    private readonly (TypeColumns.Member Member, int Column)[] _bindings;

    public RowWriter(DataViewSchema schema, bool ignoreMissingColumns)
    {
        var columns = TypeColumns.For(typeof(T));
        var bindings = new List<(TypeColumns.Member, int)>();
        foreach (var m in columns.Members)
        {
            if (m.Set is null)
                continue;
            var column = schema.GetColumnOrNull(m.Column);
            if (column is null)
            {
                if (ignoreMissingColumns)
                    continue;
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Could not find column '{m.Column}' for member '{typeof(T).Name}' of that name. The data has: {schema}. " +
                    "Rename the member, add [ColumnName(\"...\")], or pass ignoreMissingColumns: true.");
            }
            if (!TypeColumns.CanHold(m.ClrType, column.Type))
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Schema mismatch for column '{m.Column}': member '{typeof(T).Name}' is {m.ClrType.Name}, which cannot hold {column.Type}.");
            bindings.Add((m, column.Index));
        }
        _bindings = bindings.ToArray();
    }

    public void Write(DataBatch batch, int row, T target)
    {
        foreach (var (member, index) in _bindings)
        {
            var column = batch[index];
            if (member.ClrType == typeof(float[]) && column is VectorColumn<float> floats && member.Get(target) is float[] existing)
            {
                var values = floats.GetRow(row);
                if (existing.Length == values.Length)
                {
                    values.CopyTo(existing);
                    continue;
                }
            }
            member.Set!(target, column.GetValue(row));
        }
    }
}
