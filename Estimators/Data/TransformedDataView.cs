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
        // Stages after the model run on the caller's thread; a loop there must not wait for the workers, which may all
        // be blocked handing a finished batch to this very thread.
        var sequential = inner with { Parallel = new ParallelOptions { MaxDegreeOfParallelism = context.Parallel.MaxDegreeOfParallelism, CancellationToken = stop.Token, TaskScheduler = TaskScheduler.Default } };
        // Batches are prepared one at a time, all workers on the same batch, and queued when done: the batch the
        // model needs next is ready as early as possible (batches prepared side by side would each finish late, and
        // the model would wait for the slowest). The producer is itself one of the workers, so the source (file
        // reads, hashes) runs at their priority too. The reader takes batches in order, so rows keep their order.
        var queue = Channel.CreateBounded<DataBatch>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var batch in _source.GetBatches(options with { QueueDepth = 0 }, stop.Token))
                {
                    var prepared = Run(batch, 0, workerStages, inner);
                    try
                    {
                        queue.Writer.WriteAsync(prepared, stop.Token).AsTask().GetAwaiter().GetResult();
                    }
                    catch
                    {
                        prepared.Dispose(); // never queued (the reader stopped): it still holds pooled buffers
                        throw;
                    }
                }
                queue.Writer.Complete();
            }
            catch (Exception e)
            {
                queue.Writer.Complete(e);
            }
        }, CancellationToken.None, TaskCreationOptions.DenyChildAttach, workers);

        try
        {
            while (true)
            {
                DataBatch next;
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
                yield return Run(next, workerStages, _mappers.Length, sequential);
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
                pending.Dispose();
        }
    }
}
