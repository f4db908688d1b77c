using System.Collections.Concurrent;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// The decode stages run on the stream's own threads at the chosen priority; the model stage stays on the caller's
/// thread at its priority; rows keep their order; nothing deadlocks when batches wait on each other's loops.
/// </summary>
[TestClass]
public sealed class WorkerPriorityTests
{
    /// <summary>Records, per row, the thread name and nice value it ran on; a Worker or a Sequential stage.</summary>
    private sealed class ProbeMapper(DataViewSchema schema, MapperStage stage) : IBatchMapper
    {
        public ConcurrentDictionary<long, (string? Thread, int? Nice)> Seen { get; } = new();

        public DataViewSchema OutputSchema => schema;

        public MapperStage Stage => stage;

        public int? PreferredBatchSize => null;

        public void Map(DataBatch batch, MapContext context)
        {
            if (stage == MapperStage.Sequential)
            {
                Record(batch, 0, batch.RowCount);
                return;
            }
            Parallel.For(0, batch.RowCount, context.Parallel, row =>
            {
                Thread.SpinWait(20_000); // long enough that the loop spreads over the workers
                Record(batch, row, row + 1);
            });
        }

        private void Record(DataBatch batch, int from, int to)
        {
            for (var row = from; row < to; row++)
                Seen[batch.FirstRow + row] = (Thread.CurrentThread.Name, ThreadScheduling.CurrentNiceValue());
        }
    }

    private static (ProbeMapper Worker, ProbeMapper Model, List<long> Order) Stream(BatchingOptions options, int rows = 40)
    {
        var vision = new VisionContext();
        var source = vision.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new PathRow { ImagePath = $"row{i}" }).ToList());
        var worker = new ProbeMapper(source.Schema, MapperStage.Worker);
        var model = new ProbeMapper(source.Schema, MapperStage.Sequential);
        var view = TransformedDataView.Create(TransformedDataView.Create(source, worker), model);
        var order = new List<long>();
        foreach (var batch in view.GetBatches(options))
        {
            using (batch)
            {
                for (var r = 0; r < batch.RowCount; r++)
                    order.Add(batch.FirstRow + r);
            }
        }
        return (worker, model, order);
    }

    [TestMethod]
    [DataRow(ThreadPriority.BelowNormal, 10)]
    [DataRow(ThreadPriority.Lowest, 19)]
    [DataRow(ThreadPriority.Normal, 0)]
    public void DecodeStagesRunOnOwnThreadsAtThePriorityAndTheModelStageDoesNot(ThreadPriority priority, int nice)
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("nice values are read from /proc on Linux");
        var callerNice = ThreadScheduling.CurrentNiceValue();
        var (worker, model, order) = Stream(new BatchingOptions { BatchSize = 8, QueueDepth = 2, MaxDegreeOfParallelism = 2, WorkerPriority = priority });

        CollectionAssert.AreEqual(Enumerable.Range(0, 40).Select(i => (long)i).ToList(), order, "rows must keep their order");
        Assert.HasCount(40, worker.Seen);
        foreach (var (row, seen) in worker.Seen)
        {
            Assert.AreEqual("MLNetAttn decode", seen.Thread, $"row {row} was decoded on another thread");
            Assert.AreEqual(nice, seen.Nice, $"row {row}: nice value of its decode thread");
        }
        Assert.IsTrue(model.Seen.Values.All(s => s.Thread != "MLNetAttn decode" && s.Nice == callerNice), "the model stage must run on the caller's thread, at its priority");
    }

    [TestMethod]
    public void OneWorkerThreadAndDeepQueueDoNotDeadlock()
    {
        // Every batch's loop waits on replicas queued behind other batches on the single thread; inlining lets it go on.
        var (worker, _, order) = Stream(new BatchingOptions { BatchSize = 3, QueueDepth = 5, MaxDegreeOfParallelism = 1 }, rows: 31);
        Assert.HasCount(31, order);
        Assert.HasCount(31, worker.Seen);
    }

    [TestMethod]
    public void ALoopAfterTheModelDoesNotWaitForBlockedWorkers()
    {
        // One worker, blocked handing a finished batch to the caller while the caller runs a per-row stage placed
        // after the model: that stage must not queue its loop on the (busy) worker.
        var vision = new VisionContext();
        var source = vision.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(i => new PathRow { ImagePath = $"row{i}" }).ToList());
        var decode = new ProbeMapper(source.Schema, MapperStage.Worker);
        var model = new ProbeMapper(source.Schema, MapperStage.Sequential);
        var after = new ProbeMapper(source.Schema, MapperStage.Worker);
        var view = TransformedDataView.Create(TransformedDataView.Create(TransformedDataView.Create(source, decode), model), after);
        var rows = 0;
        var reading = Task.Run(() =>
        {
            foreach (var batch in view.GetBatches(new BatchingOptions { BatchSize = 3, QueueDepth = 1, MaxDegreeOfParallelism = 1 }))
            {
                using (batch)
                {
                    Thread.Sleep(20); // the worker fills the queue and blocks
                    rows += batch.RowCount;
                }
            }
        });
        Assert.IsTrue(reading.Wait(TimeSpan.FromSeconds(30)), "the stream deadlocked");
        Assert.AreEqual(30, rows);
        Assert.IsTrue(after.Seen.Values.All(s => s.Thread != "MLNetAttn decode"), "a stage after the model runs off the decode workers");
    }

    [TestMethod]
    [DataRow(ThreadPriority.AboveNormal)]
    [DataRow(ThreadPriority.Highest)]
    public void RaisingThePriorityIsRefusedBeforeAnythingRuns(ThreadPriority priority)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Stream(new BatchingOptions { WorkerPriority = priority }));
        Assert.AreEqual("WorkerPriority", e.ParamName);
        StringAssert.Contains(e.Message, "privileges");
    }
}
