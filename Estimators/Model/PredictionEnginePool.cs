using System.Collections.Concurrent;

namespace MLNetAttn.Estimators;

/// <summary>
/// A thread-safe way to predict with one fitted pipeline from many threads (the idea of ML.NET's
/// <c>PredictionEnginePool</c>): engines are rented per call and returned, so each is used by one thread at a
/// time, while the expensive parts (ONNX sessions, label tables) are shared by all of them.
/// </summary>
/// <typeparam name="TSrc">The input type.</typeparam>
/// <typeparam name="TDst">The output type.</typeparam>
public sealed class PredictionEnginePool<TSrc, TDst> where TSrc : class where TDst : class, new()
{
    private readonly ITransformer _transformer;
    private readonly bool _ignoreMissingColumns;
    private readonly ConcurrentBag<PredictionEngine<TSrc, TDst>> _idle = new();
    private int _created;

    internal PredictionEnginePool(ITransformer transformer, bool ignoreMissingColumns, int maximumRetained)
    {
        _transformer = transformer;
        _ignoreMissingColumns = ignoreMissingColumns;
        MaximumRetained = maximumRetained;
        _idle.Add(new PredictionEngine<TSrc, TDst>(transformer, ignoreMissingColumns)); // fails now if the types do not fit
        _created = 1;
    }

    /// <summary>Idle engines kept for reuse; more may exist briefly under load.</summary>
    public int MaximumRetained { get; }

    /// <summary>Engines created so far.</summary>
    public int EnginesCreated => Volatile.Read(ref _created);

    /// <summary>Predicts on any thread.</summary>
    public TDst Predict(TSrc example)
    {
        var engine = Rent();
        try
        {
            return engine.Predict(example);
        }
        finally
        {
            Return(engine);
        }
    }

    private PredictionEngine<TSrc, TDst> Rent()
    {
        if (_idle.TryTake(out var engine))
            return engine;
        Interlocked.Increment(ref _created);
        return new PredictionEngine<TSrc, TDst>(_transformer, _ignoreMissingColumns);
    }

    private void Return(PredictionEngine<TSrc, TDst> engine)
    {
        if (_idle.Count < MaximumRetained)
            _idle.Add(engine);
    }
}
