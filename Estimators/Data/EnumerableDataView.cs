namespace MLNetAttn.Estimators;

/// <summary>A view over an <see cref="IEnumerable{T}"/>, read lazily each time the view is streamed (LoadFromEnumerable).</summary>
internal sealed class EnumerableDataView<T> : IDataView where T : class
{
    private readonly IEnumerable<T> _items;
    private readonly TypeColumns _columns;

    public EnumerableDataView(IEnumerable<T> items, TypeColumns columns)
    {
        _items = items;
        _columns = columns;
        Schema = columns.Schema;
    }

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _items.TryGetNonEnumeratedCount(out var n) ? n : null;

    public IEnumerable<DataBatch> GetBatches(BatchingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= BatchingOptions.Default;
        options.Validate();
        var size = options.BatchSize ?? BatchingOptions.DefaultBatchSize;
        var pending = new List<object>(size);
        long first = 0;
        foreach (var item in _items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pending.Add(item ?? throw new InvalidOperationException($"Row {first + pending.Count} of the enumerable is null; give every row a value."));
            if (pending.Count == size)
            {
                yield return Build(pending, first);
                first += pending.Count;
                pending.Clear();
            }
        }
        if (pending.Count > 0)
            yield return Build(pending, first);
    }

    internal DataBatch Build(IReadOnlyList<object> rows, long first)
    {
        var batch = new DataBatch(Schema, first, rows.Count);
        for (var c = 0; c < _columns.Members.Length; c++)
            batch.SetColumn(c, _columns.BuildColumn(c, rows));
        return batch;
    }
}
