namespace MLNetAttn.Estimators;

/// <summary>
/// A slice of consecutive rows of a data view, stored by column (one <see cref="BatchColumn"/> per schema
/// column). Batches flow through a pipeline's transformers, each adding or replacing columns; disposing a batch
/// returns its pooled buffers.
/// </summary>
/// <remarks>
/// Rows that failed (an unreadable image, say) carry their error text in the error column (see
/// <see cref="RowErrorPolicy"/>); later transformers leave such rows alone and give them default outputs.
/// </remarks>
public sealed class DataBatch : IDisposable
{
    private BatchColumn?[] _columns;
    private int _disposed;

    // Batches alive in the process and the most seen at once: the bound on memory is a bound on these (tests read them).
    private static int s_live;
    private static int s_peak;

    internal static int Live => Volatile.Read(ref s_live);

    internal static int Peak => Volatile.Read(ref s_peak);

    internal static void ResetPeak() => Volatile.Write(ref s_peak, Live);

    /// <summary>A batch of <paramref name="rowCount"/> rows starting at row <paramref name="firstRow"/> of its view.</summary>
    public DataBatch(DataViewSchema schema, long firstRow, int rowCount)
    {
        var live = Interlocked.Increment(ref s_live);
        for (var peak = s_peak; live > peak; peak = s_peak)
            Interlocked.CompareExchange(ref s_peak, live, peak);
        Schema = schema;
        FirstRow = firstRow;
        RowCount = rowCount;
        _columns = new BatchColumn?[schema.Count];
    }

    /// <summary>The columns this batch holds.</summary>
    public DataViewSchema Schema { get; private set; }

    /// <summary>Index of the batch's first row in the source view (before any rows were skipped).</summary>
    public long FirstRow { get; }

    /// <summary>The number of rows.</summary>
    public int RowCount { get; private set; }

    /// <summary>Rows dropped from this batch by <see cref="RowErrorPolicy.Skip"/>.</summary>
    public int SkippedRows { get; internal set; }

    /// <summary>The index of the error column, or -1 when no transformer in the pipeline reports row errors.</summary>
    public int ErrorColumnIndex { get; internal set; } = -1;

    /// <summary>The column at <paramref name="index"/>.</summary>
    /// <exception cref="InvalidOperationException">The column has not been filled.</exception>
    public BatchColumn this[int index] => _columns[index]
        ?? throw new InvalidOperationException($"Column '{Schema[index].Name}' has no values in this batch.");

    /// <summary>True when column <paramref name="index"/> has values in this batch.</summary>
    public bool HasValues(int index) => index < _columns.Length && _columns[index] is not null;

    /// <summary>The column called <paramref name="name"/>.</summary>
    public BatchColumn this[string name] => this[Schema[name].Index];

    /// <summary>The column at <paramref name="index"/>, typed.</summary>
    public TColumn GetColumn<TColumn>(int index) where TColumn : BatchColumn
        => this[index] as TColumn ?? throw new InvalidOperationException(
            $"Column '{Schema[index].Name}' is stored as {this[index].GetType().Name}, not {typeof(TColumn).Name}.");

    /// <summary>The error text of a row, or null when the row is fine.</summary>
    public string? GetError(int row)
        => ErrorColumnIndex < 0 ? null : GetColumn<ScalarColumn<string?>>(ErrorColumnIndex).Values[row];

    /// <summary>True when the row has an error.</summary>
    public bool IsFaulted(int row) => GetError(row) is not null;

    /// <summary>Sets (or replaces, disposing the old one) the values of column <paramref name="index"/>.</summary>
    public void SetColumn(int index, BatchColumn column) => ExchangeColumn(index, column)?.Dispose();

    /// <summary>
    /// Sets the values of column <paramref name="index"/> and hands back the column they replace without disposing it
    /// (null when there was none): a mapper that replaces its input in place still reads it while filling the output.
    /// </summary>
    internal BatchColumn? ExchangeColumn(int index, BatchColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (column.RowCount != RowCount)
            throw new ArgumentException($"Column '{Schema[index].Name}' has {column.RowCount} rows; the batch has {RowCount}.", nameof(column));
        var old = _columns[index];
        _columns[index] = column;
        return ReferenceEquals(old, column) ? null : old;
    }

    /// <summary>Moves the batch to a wider schema (the output of a transformer); existing columns keep their index.</summary>
    internal void Extend(DataViewSchema schema)
    {
        if (schema.Count < Schema.Count)
            throw new InvalidOperationException("A schema can only grow along a pipeline.");
        if (schema.Count > _columns.Length)
            Array.Resize(ref _columns, schema.Count);
        Schema = schema;
    }

    /// <summary>Keeps only the listed rows (ascending) in every column.</summary>
    internal void Keep(ReadOnlySpan<int> rows)
    {
        foreach (var column in _columns)
            column?.Keep(rows);
        SkippedRows += RowCount - rows.Length;
        RowCount = rows.Length;
    }

    /// <summary>Disposes every column. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Interlocked.Decrement(ref s_live);
        foreach (var column in _columns)
            column?.Dispose();
    }
}
