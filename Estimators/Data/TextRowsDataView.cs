namespace MLNetAttn.Estimators;

/// <summary>A view whose columns are all Text, read lazily from a row source (a folder listing, a CSV manifest).</summary>
internal sealed class TextRowsDataView(DataViewSchema schema, Func<CancellationToken, IEnumerable<string?[]>> rows) : IDataView
{
    public DataViewSchema Schema { get; } = schema;

    public long? GetRowCount() => null;

    public IEnumerable<DataBatch> GetBatches(BatchingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= BatchingOptions.Default;
        options.Validate();
        var size = options.BatchSize ?? BatchingOptions.DefaultBatchSize;
        var pending = new List<string?[]>(size);
        long first = 0;
        foreach (var row in rows(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            pending.Add(row);
            if (pending.Count == size)
            {
                yield return Build(pending, first);
                first += size;
                pending.Clear();
            }
        }
        if (pending.Count > 0)
            yield return Build(pending, first);
    }

    private DataBatch Build(List<string?[]> pending, long first)
    {
        var batch = new DataBatch(Schema, first, pending.Count);
        for (var c = 0; c < Schema.Count; c++)
        {
            var values = new string?[pending.Count];
            for (var r = 0; r < values.Length; r++)
                values[r] = pending[r][c];
            batch.SetColumn(c, new ScalarColumn<string?>(TextDataViewType.Instance, values));
        }
        return batch;
    }
}
