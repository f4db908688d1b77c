using System.Threading.Channels;

namespace MLNetAttn.Estimators;

/// <summary>
/// A source view followed by transformers (what <see cref="ITransformer.Transform"/> returns). Streaming runs the
/// leading per-row stages (decode, resize, pixel extraction) for upcoming batches on worker threads while the
/// calling thread runs the model and heads on the current batch; a bounded queue of
/// <see cref="BatchingOptions.QueueDepth"/> batches keeps memory independent of the data size.
/// </summary>
internal sealed class TransformedDataView : IDataView
{
    private readonly IDataView _source;
    private readonly IBatchMapper[] _mappers;

    private TransformedDataView(IDataView source, IBatchMapper[] mappers)
    {
        _source = source;
        _mappers = mappers;
    }

    /// <summary>Applies <paramref name="mapper"/> after <paramref name="input"/>, flattening nested views into one pipeline.</summary>
    public static IDataView Create(IDataView input, IBatchMapper mapper)
        => input is TransformedDataView t ? new TransformedDataView(t._source, [.. t._mappers, mapper]) : new TransformedDataView(input, [mapper]);

    /// <inheritdoc />
    public DataViewSchema Schema => _mappers[^1].OutputSchema;

    /// <inheritdoc />
    public long? GetRowCount() => _source.GetRowCount();

    /// <summary>The batch size the pipeline prefers (the largest stated by its mappers).</summary>
    internal int PreferredBatchSize => _mappers.Max(m => m.PreferredBatchSize) ?? BatchingOptions.DefaultBatchSize;

    /// <inheritdoc />
    public IEnumerable<DataBatch> GetBatches(BatchingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= BatchingOptions.Default;
        options.Validate();
        var sourceOptions = options with { BatchSize = options.BatchSize ?? PreferredBatchSize };
        var context = new MapContext(new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
            cancellationToken);
        var workerStages = _mappers.TakeWhile(m => m.Stage == MapperStage.Worker).Count();
        return workerStages == 0 || options.QueueDepth == 0
            ? StreamInline(sourceOptions, context)
            : StreamOverlapped(sourceOptions, context, workerStages, options.QueueDepth, options.WorkerPriority);
    }

    /// <summary>Runs every stage on the calling thread (prediction engines, QueueDepth = 0).</summary>
    private IEnumerable<DataBatch> StreamInline(BatchingOptions options, MapContext context)
    {
        foreach (var batch in _source.GetBatches(options with { QueueDepth = 0 }, context.CancellationToken))
            yield return Run(batch, 0, _mappers.Length, context);
    }

    /// <summary>Maps <paramref name="batch"/> through mappers [from, to); disposes it if a mapper throws.</summary>
    internal DataBatch Run(DataBatch batch, int from, int to, MapContext context)
    {
        try
        {
            for (var i = from; i < to; i++)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                batch.Extend(_mappers[i].OutputSchema);
                _mappers[i].Map(batch, context);
            }
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    private IEnumerable<DataBatch> StreamOverlapped(BatchingOptions options, MapContext context, int workerStages, int depth, ThreadPriority priority)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        using var workers = new WorkerThreadScheduler(context.Parallel.MaxDegreeOfParallelism, priority, "MLNetAttn decode");
        var inner = context with
        {
            CancellationToken = stop.Token,
            Parallel = new ParallelOptions { MaxDegreeOfParallelism = context.Parallel.MaxDegreeOfParallelism, CancellationToken = stop.Token, TaskScheduler = workers },
        };
        // Each entry is a batch being prepared; the reader takes them in order, so rows keep their order.
        var queue = Channel.CreateBounded<Task<DataBatch>>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            Task<DataBatch>? unqueued = null;
            try
            {
                foreach (var batch in _source.GetBatches(options with { QueueDepth = 0 }, stop.Token))
                {
                    unqueued = Task.Factory.StartNew(() => Run(batch, 0, workerStages, inner), CancellationToken.None, TaskCreationOptions.DenyChildAttach, workers);
                    await queue.Writer.WriteAsync(unqueued, stop.Token).ConfigureAwait(false);
                    unqueued = null;
                }
                queue.Writer.Complete();
            }
            catch (Exception e)
            {
                queue.Writer.Complete(e);
                // A batch started but never queued (the reader stopped) still holds pooled buffers.
                _ = unqueued?.ContinueWith(t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, TaskScheduler.Default);
            }
        }, CancellationToken.None);

        try
        {
            while (true)
            {
                Task<DataBatch> next;
                try
                {
                    if (!queue.Reader.WaitToReadAsync(context.CancellationToken).AsTask().GetAwaiter().GetResult())
                        break;
                    next = queue.Reader.ReadAsync(context.CancellationToken).AsTask().GetAwaiter().GetResult();
                }
                catch (ChannelClosedException e) when (e.InnerException is not null)
                {
                    throw e.InnerException;
                }
                var batch = next.GetAwaiter().GetResult();
                yield return Run(batch, workerStages, _mappers.Length, inner);
            }
            // A source that failed after its last batch reports through the completion.
            queue.Reader.Completion.GetAwaiter().GetResult();
        }
        finally
        {
            // Stop the producer, then release every batch prepared but never read.
            stop.Cancel();
            try { producer.GetAwaiter().GetResult(); } catch (Exception) { /* its error was reported through the queue */ }
            while (queue.Reader.TryRead(out var pending))
            {
                try { pending.GetAwaiter().GetResult().Dispose(); } catch (Exception) { /* a failed batch disposed itself */ }
            }
        }
    }
}
