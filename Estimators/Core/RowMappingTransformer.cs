namespace MLNetAttn.Estimators;

/// <summary>
/// Base of the library's transformers: each maps rows one to one by binding a mapper to the input schema;
/// <see cref="Transform"/> is lazy. Every transformer can be saved (see <see cref="PipelineFormat"/>).
/// </summary>
public abstract class RowMappingTransformer : ITransformer, IBatchTransformer
{
    private protected RowMappingTransformer(VisionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
    }

    private protected VisionContext Context { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return CreateMapper(inputSchema).OutputSchema;
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TransformedDataView.Create(input, CreateMapper(input.Schema));
    }

    IBatchMapper IBatchTransformer.CreateMapper(DataViewSchema inputSchema) => CreateMapper(inputSchema);

    private protected abstract IBatchMapper CreateMapper(DataViewSchema inputSchema);

    /// <summary>The name of this kind of step in a saved pipeline.</summary>
    internal abstract string Kind { get; }

    /// <summary>Writes the parameters (and any model bytes) of this step.</summary>
    internal abstract void Save(PipelineWriter writer);
}

/// <summary>
/// An estimator that learns nothing (ML.NET's <c>TrivialEstimator</c>): <see cref="Fit"/> checks the schema and
/// returns the transformer it was built with.
/// </summary>
/// <typeparam name="TTransformer">The transformer.</typeparam>
public class TrivialEstimator<TTransformer> : IEstimator<TTransformer> where TTransformer : class, ITransformer
{
    private protected TrivialEstimator(TTransformer transformer) => Transformer = transformer;

    /// <summary>The transformer <see cref="Fit"/> returns.</summary>
    protected TTransformer Transformer { get; }

    /// <inheritdoc />
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Transformer.GetOutputSchema(input.Schema); // fails early, naming the column, before any data is read
        return Transformer;
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Transformer.GetOutputSchema(inputSchema);
}
