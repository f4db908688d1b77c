namespace MLNetAttn.Estimators;

/// <summary>
/// Estimators applied one after another (ML.NET's <c>EstimatorChain&lt;TLastTransformer&gt;</c>). Fit checks
/// each step's input schema against what the steps before it produce, so a wrong column name or type fails
/// at Fit, before any image is read.
/// </summary>
/// <typeparam name="TLastTransformer">The transformer of the last step.</typeparam>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>> where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;

    /// <summary>An empty chain; <see cref="Append{TNew}"/> estimators to it.</summary>
    public EstimatorChain() => _estimators = [];

    private EstimatorChain(IEstimator<ITransformer>[] estimators) => _estimators = estimators;

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<IEstimator<ITransformer>> Estimators => _estimators;

    /// <summary>A new chain with <paramref name="estimator"/> added at the end.</summary>
    public EstimatorChain<TNew> Append<TNew>(IEstimator<TNew> estimator) where TNew : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNew>([.. _estimators, estimator]);
    }

    /// <inheritdoc />
    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var view = input;
        var fitted = new ITransformer[_estimators.Length];
        for (var i = 0; i < _estimators.Length; i++)
        {
            fitted[i] = _estimators[i].Fit(view);
            view = fitted[i].Transform(view); // lazy: only the schema moves forward
        }
        return new TransformerChain<TLastTransformer>(fitted);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return _estimators.Aggregate(inputSchema, (schema, e) => e.GetOutputSchema(schema));
    }
}

/// <summary>Fitted transformers applied one after another (ML.NET's <c>TransformerChain&lt;TLastTransformer&gt;</c>).</summary>
/// <typeparam name="TLastTransformer">The last transformer's type.</typeparam>
public sealed class TransformerChain<TLastTransformer> : ITransformer, IEnumerable<ITransformer> where TLastTransformer : class, ITransformer
{
    private readonly ITransformer[] _transformers;

    /// <summary>A chain of the given transformers.</summary>
    public TransformerChain(params ITransformer[] transformers)
    {
        ArgumentNullException.ThrowIfNull(transformers);
        if (transformers.Length > 0 && transformers[^1] is not TLastTransformer)
            throw new ArgumentException($"The last transformer is {transformers[^1].GetType().Name}, not {typeof(TLastTransformer).Name}.", nameof(transformers));
        _transformers = transformers.ToArray();
    }

    /// <summary>The last transformer (e.g. to read the ONNX model's metadata), or null for an empty chain.</summary>
    public TLastTransformer? LastTransformer => _transformers.Length == 0 ? null : (TLastTransformer)_transformers[^1];

    /// <inheritdoc />
    public bool IsRowToRowMapper => _transformers.All(t => t.IsRowToRowMapper);

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
        => _transformers.Aggregate(inputSchema, (schema, t) => t.GetOutputSchema(schema));

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => _transformers.Aggregate(input, (view, t) => t.Transform(view));

    /// <inheritdoc />
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>ML.NET's <c>Append</c> on a single estimator, starting a chain.</summary>
public static class EstimatorChainExtensions
{
    /// <summary>A chain of <paramref name="start"/> followed by <paramref name="next"/>.</summary>
    public static EstimatorChain<TNew> Append<TNew>(this IEstimator<ITransformer> start, IEstimator<TNew> next) where TNew : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        return new EstimatorChain<ITransformer>().Append(start).Append(next);
    }
}
