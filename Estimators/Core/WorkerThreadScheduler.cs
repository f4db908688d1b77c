using System.Collections.Concurrent;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Estimators;

/// <summary>
/// A task scheduler over a fixed set of threads of its own, running at a chosen (lower) priority: the decode,
/// resize and pixel stages of a stream run here, while the model runs on the caller's thread and ONNX Runtime's
/// at normal priority. Thread-pool threads cannot be used for this: a lowered thread cannot be raised again, and
/// the pool's threads serve everyone.
/// </summary>
/// <remarks>
/// Tasks waited on from one of these threads may run inline there (Parallel.For waits on its replicas that way,
/// so a batch whose loop runs on a worker never waits for a thread that is busy with another batch). Tasks are
/// never inlined on other threads, so the model's thread does not end up decoding.
/// </remarks>
internal sealed class WorkerThreadScheduler : TaskScheduler, IDisposable
{
    [ThreadStatic]
    private static WorkerThreadScheduler? _current;

    private readonly BlockingCollection<Task> _tasks = [];
    private readonly Thread[] _threads;

    /// <summary>Starts <paramref name="threads"/> background threads named <paramref name="name"/>.</summary>
    public WorkerThreadScheduler(int threads, ThreadPriority priority, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _ = ThreadScheduling.NiceValue(priority); // validates before any thread starts
        Priority = priority;
        _threads = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = name };
            _threads[i].Start();
        }
    }

    /// <summary>The priority the threads run at.</summary>
    public ThreadPriority Priority { get; }

    /// <inheritdoc />
    public override int MaximumConcurrencyLevel => _threads.Length;

    private void Work()
    {
        _current = this;
        ThreadScheduling.LowerCurrentThread(Priority);
        foreach (var task in _tasks.GetConsumingEnumerable())
            TryExecuteTask(task);
    }

    /// <inheritdoc />
    protected override void QueueTask(Task task)
    {
        if (!_tasks.TryAdd(task))
            throw new ObjectDisposedException(nameof(WorkerThreadScheduler), "The stream that owns these worker threads has ended.");
    }

    /// <inheritdoc />
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued)
        => _current == this && TryExecuteTask(task);

    /// <inheritdoc />
    protected override IEnumerable<Task> GetScheduledTasks() => _tasks.ToArray();

    /// <summary>Lets the threads finish what is queued and end; does not wait for them.</summary>
    public void Dispose() => _tasks.CompleteAdding();
}
