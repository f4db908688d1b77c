using System.Threading.Channels;

namespace MLNetAttn.Estimators;

/// <summary>
/// A source view followed by transformers (what <see cref="ITransformer.Transform"/> returns). Streaming runs the
/// leading per-row stages (decode, resize, pixel extraction) on worker threads and the model and heads on the
/// calling thread: ahead of the model, or in turns with a model that keeps every core busy (<see cref="Plan"/>); a
/// bounded queue of <see cref="BatchingOptions.QueueDepth"/> batches keeps memory independent of the data size.
/// </summary>
internal sealed class TransformedDataView : IDataView
{
    private readonly IDataView _source;
    private readonly IBatchMapper[] _mappers;

    // Per mapper: the run of consecutive row mappers that starts there (null inside a run and for batch mappers). A
    // run maps each row through all of its mappers before the next row (IRowMapper).
    private readonly IRowMapper[]?[] _rowRuns;

    private TransformedDataView(IDataView source, IBatchMapper[] mappers)
    {
        _source = source;
        _mappers = mappers;
        _rowRuns = new IRowMapper[]?[mappers.Length];
        for (var i = 0; i < mappers.Length;)
        {
            var end = i;
            while (end < mappers.Length && mappers[end] is IRowMapper)
                end++;
            if (end > i)
                _rowRuns[i] = mappers[i..end].Cast<IRowMapper>().ToArray();
            i = Math.Max(end, i + 1);
        }
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
        var (schedule, depth) = workerStages == 0 ? (StreamSchedule.Inline, 0) : Plan(options);
        return schedule == StreamSchedule.Inline
            ? StreamInline(sourceOptions, context)
            : StreamOverlapped(sourceOptions, context, workerStages, depth, options.WorkerPriority, schedule == StreamSchedule.Turns);
    }

    /// <summary>How batches are prepared (see <see cref="BatchingOptions.QueueDepth"/>): the depth given, else in turns with a stage that keeps every core busy, else ahead.</summary>
    internal (StreamSchedule Schedule, int QueueDepth) Plan(BatchingOptions options) => options.QueueDepth switch
    {
        0 => (StreamSchedule.Inline, 0),
        { } depth => (StreamSchedule.Ahead, depth),
        null when _mappers.Any(m => m.UsesEveryCore) => (StreamSchedule.Turns, 1),
        null => (StreamSchedule.Ahead, BatchingOptions.DefaultQueueDepth),
    };

    /// <summary>Runs every stage on the calling thread, one batch after the other (QueueDepth = 0: prediction engines).</summary>
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
            for (var i = from; i < to;)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                if (_rowRuns[i] is { } run)
                {
                    // A run never crosses the worker/sequential boundary: row mappers are all worker stages.
                    var length = Math.Min(run.Length, to - i);
                    RowMappers.Map(batch, run.AsSpan(0, length), context);
                    i += length;
                    continue;
                }
                batch.Extend(_mappers[i].OutputSchema);
                _mappers[i].Map(batch, context);
                i++;
            }
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Prepares batches on worker threads and runs the rest on the caller's. Ahead: up to <paramref name="depth"/>
    /// batches while the model runs. In turns: the next batch only once the model is done with the current one, so the
    /// two never share the cores, while the caller's own work on a batch (writing results) still overlaps the next.
    /// </summary>
    private IEnumerable<DataBatch> StreamOverlapped(BatchingOptions options, MapContext context, int workerStages, int depth, ThreadPriority priority, bool turns)
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
        using var turn = turns ? new SemaphoreSlim(1) : null;
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var batch in _source.GetBatches(options with { QueueDepth = 0 }, stop.Token))
                {
                    if (turns)
                    {
                        try
                        {
                            turn!.Wait(stop.Token); // until the model is done with the batch before
                        }
                        catch
                        {
                            batch.Dispose();
                            throw;
                        }
                    }
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
                var done = Run(next, workerStages, _mappers.Length, sequential);
                turn?.Release(); // the model is done: the workers may prepare the next batch while the caller takes this one
                yield return done;
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

/// <summary>How a stream prepares batches (<see cref="TransformedDataView.Plan"/>).</summary>
internal enum StreamSchedule
{
    /// <summary>Everything on the calling thread, one batch after the other.</summary>
    Inline,
    /// <summary>Worker threads prepare batches while the model runs.</summary>
    Ahead,
    /// <summary>Worker threads prepare the next batch only when the model is done with the current one.</summary>
    Turns,
}
