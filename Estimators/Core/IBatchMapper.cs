namespace MLNetAttn.Estimators;

/// <summary>Where a mapper's work runs when a pipeline streams.</summary>
internal enum MapperStage
{
    /// <summary>Per-row CPU work (decode, resize, normalize): on worker threads, ahead of the model.</summary>
    Worker,
    /// <summary>Batch work that should run one batch at a time in order (the model and what follows it).</summary>
    Sequential,
}

/// <summary>What a mapper may use while mapping a batch.</summary>
internal sealed record MapContext(ParallelOptions Parallel, CancellationToken CancellationToken);

/// <summary>
/// A transformer bound to one input schema: adds or replaces columns of a batch in place. Created by
/// <see cref="IBatchTransformer.CreateMapper"/>, which validates the schema first.
/// </summary>
internal interface IBatchMapper
{
    /// <summary>The schema after this mapper.</summary>
    DataViewSchema OutputSchema { get; }

    /// <summary>Where the work runs.</summary>
    MapperStage Stage { get; }

    /// <summary>The batch size this mapper works best with, or null for no preference.</summary>
    int? PreferredBatchSize { get; }

    /// <summary>
    /// True when this mapper's work keeps every core busy (a model on the CPU with an intra-op thread per core): rows
    /// prepared ahead of it on worker threads would compete with it for the cores (see <see cref="BatchingOptions.QueueDepth"/>).
    /// </summary>
    bool UsesEveryCore => false;

    /// <summary>Fills this mapper's output columns (the batch already has <see cref="OutputSchema"/>).</summary>
    void Map(DataBatch batch, MapContext context);
}

/// <summary>A transformer that maps batches; every transformer of the library is one.</summary>
internal interface IBatchTransformer : ITransformer
{
    /// <summary>Validates <paramref name="inputSchema"/> and binds to it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    IBatchMapper CreateMapper(DataViewSchema inputSchema);
}
