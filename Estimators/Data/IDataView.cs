namespace MLNetAttn.Estimators;

/// <summary>
/// A lazy, columnar table (ML.NET's <c>IDataView</c>): nothing is read or computed until batches are asked
/// for, and then only as many rows at a time as a batch holds. Views are immutable and can be read any number of
/// times, also concurrently.
/// </summary>
public interface IDataView
{
    /// <summary>The columns every batch holds.</summary>
    DataViewSchema Schema { get; }

    /// <summary>The number of rows when known without reading the data (after skipping errors it may be fewer), else null.</summary>
    long? GetRowCount();

    /// <summary>
    /// Streams the rows in batches. The caller owns each batch and must dispose it (that returns its pooled
    /// buffers); memory held at once is bounded by the batch size times <see cref="BatchingOptions.QueueDepth"/>,
    /// never by the size of the data.
    /// </summary>
    /// <param name="options">Batch size, prefetch depth and parallelism; null = defaults.</param>
    /// <param name="cancellationToken">Stops the stream (an <see cref="OperationCanceledException"/> on the next batch).</param>
    IEnumerable<DataBatch> GetBatches(BatchingOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>How a data view is streamed.</summary>
public sealed record BatchingOptions
{
    /// <summary>Shared defaults.</summary>
    public static BatchingOptions Default { get; } = new();

    /// <summary>
    /// Rows per batch. Default = null: the pipeline's preference (the batch size given to <c>ApplyOnnxModel</c>,
    /// else <see cref="DefaultBatchSize"/>).
    /// </summary>
    public int? BatchSize { get; init; }

    /// <summary>The batch size used when neither the caller nor the pipeline names one: 16.</summary>
    public const int DefaultBatchSize = 16;

    /// <summary>
    /// Batches prepared ahead (decoded, resized, normalized on worker threads) while the model runs the current
    /// one; 0 = none, everything on the calling thread, one batch after the other. Default = null, chosen per
    /// pipeline: when a model in it keeps every core busy (on the CPU with an intra-op thread per core,
    /// <c>IntraOpNumThreads</c> = 0 or at least the processor count), the workers prepare the next batch only once the
    /// model is done with the current one, while the caller takes that one (writing results overlaps the next
    /// decode); otherwise <see cref="DefaultQueueDepth"/> ahead. On a CPU machine decoding and inference share the
    /// cores: taking turns, each has all of them and its caches to itself, where decoders running beside inference
    /// slow both (Benchmarks/README.md has the figures). A GPU model, or one that leaves cores free, runs while the
    /// next batches are prepared.
    /// </summary>
    public int? QueueDepth { get; init; }

    /// <summary>The queue depth when rows are prepared ahead and the caller names none: 2.</summary>
    public const int DefaultQueueDepth = 2;

    /// <summary>Threads that decode and resize the rows of one batch at once. Default = the processor count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The priority of the threads that decode, resize and normalize ahead of the model (threads of the stream's
    /// own, started per <see cref="IDataView.GetBatches"/> call). Default = <see cref="ThreadPriority.Lowest"/>
    /// (Linux nice 19): on a CPU machine the decoders and the model share the cores, and a model thread preempted by
    /// a decoder holds up the model's other threads at every parallel section; below the model, the decoders use
    /// the cycles it leaves idle instead. On 2 cores (batch 32, queue depth 2, 300 photos, 3 interleaved rounds) Lowest
    /// gave the highest median images/s for all three benchmark models, BelowNormal (nice 10) and Normal less; see
    /// Benchmarks/README.md. Use <see cref="ThreadPriority.Normal"/> when other busy processes share the machine
    /// outside a container: there a lowered decoder gets a small share of the cores against them. Normal,
    /// BelowNormal and Lowest are accepted.
    /// </summary>
    public ThreadPriority WorkerPriority { get; init; } = ThreadPriority.Lowest;

    internal void Validate()
    {
        if (BatchSize is < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "A batch holds at least one row.");
        if (QueueDepth is < 0)
            throw new ArgumentOutOfRangeException(nameof(QueueDepth), QueueDepth, "A queue depth is 0 (no batches ahead) or more; null picks one for the pipeline.");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDegreeOfParallelism, 1, nameof(MaxDegreeOfParallelism));
        if (WorkerPriority is not (ThreadPriority.Normal or ThreadPriority.BelowNormal or ThreadPriority.Lowest))
            throw new ArgumentOutOfRangeException(nameof(WorkerPriority), WorkerPriority,
                "Worker threads run at Normal, BelowNormal or Lowest priority; raising a priority needs privileges a scoring job should not have.");
    }
}
