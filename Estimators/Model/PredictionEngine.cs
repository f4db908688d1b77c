namespace MLNetAttn.Estimators;

/// <summary>
/// Runs a fitted pipeline on one object at a time (ML.NET's <c>PredictionEngine&lt;TSrc, TDst&gt;</c>): every stage
/// runs on the calling thread, nothing is queued. Not thread-safe: use one per thread, or a
/// <see cref="PredictionEnginePool{TSrc, TDst}"/>.
/// </summary>
/// <typeparam name="TSrc">The input type; its members are the pipeline's input columns.</typeparam>
/// <typeparam name="TDst">The output type; members are filled from the columns of the same name.</typeparam>
public sealed class PredictionEngine<TSrc, TDst> where TSrc : class where TDst : class, new()
{
    private readonly TypeColumns _source;
    private readonly IBatchMapper[] _mappers;
    private readonly RowWriter<TDst> _writer;
    private readonly MapContext _context = new(new ParallelOptions { MaxDegreeOfParallelism = 1 }, CancellationToken.None);
    private readonly DataViewSchema _sourceSchema;

    internal PredictionEngine(ITransformer transformer, bool ignoreMissingColumns)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        _source = TypeColumns.For(typeof(TSrc));
        _sourceSchema = _source.Schema;
        var schema = _sourceSchema;
        var mappers = new List<IBatchMapper>();
        foreach (IBatchTransformer step in PipelineFormat.Flatten(transformer))
        {
            var mapper = step.CreateMapper(schema);
            mappers.Add(mapper);
            schema = mapper.OutputSchema;
        }
        _mappers = mappers.ToArray();
        OutputSchema = schema;
        _writer = new RowWriter<TDst>(schema, ignoreMissingColumns);
    }

    /// <summary>The columns the pipeline produces from <typeparamref name="TSrc"/>.</summary>
    public DataViewSchema OutputSchema { get; }

    /// <summary>Runs the pipeline on <paramref name="example"/> and returns a new result.</summary>
    /// <exception cref="RowProcessingException">The row failed under <see cref="RowErrorPolicy.Throw"/>, or was dropped under Skip.</exception>
    public TDst Predict(TSrc example)
    {
        var result = new TDst();
        Predict(example, ref result);
        return result;
    }

    /// <summary>
    /// Runs the pipeline on <paramref name="example"/>, writing into <paramref name="prediction"/> (reusing its arrays
    /// when their length fits, so a loop allocates little).
    /// </summary>
    public void Predict(TSrc example, ref TDst prediction)
    {
        ArgumentNullException.ThrowIfNull(example);
        prediction ??= new TDst();
        var batch = new DataBatch(_sourceSchema, 0, 1);
        try
        {
            object[] rows = [example];
            for (var c = 0; c < _source.Members.Length; c++)
                batch.SetColumn(c, _source.BuildColumn(c, rows));
            foreach (var mapper in _mappers)
            {
                batch.Extend(mapper.OutputSchema);
                mapper.Map(batch, _context);
            }
            if (batch.RowCount == 0)
                throw new RowProcessingException(0, "the row was dropped by RowErrorPolicy.Skip (the reason is logged); use Mark to get the error text back.");
            _writer.Write(batch, 0, prediction);
        }
        finally
        {
            batch.Dispose();
        }
    }
}
