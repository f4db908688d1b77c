using System.Collections.Concurrent;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// Consecutive row mappers (decode, resize, pixels) run fused: each row passes through all of them on one thread
/// before that thread takes the next row, and every mapping that began is finished even when a row fails.
/// </summary>
[TestClass]
public sealed class RowFusionTests
{
    private static long s_clock;

    /// <summary>Records when, on which thread and for which row each call ran; can fail one row.</summary>
    private sealed class ProbeRowMapper(DataViewSchema schema, string name, ConcurrentQueue<(long When, string Stage, long Row, int Thread)> log, long failAt = -1)
        : IRowMapper
    {
        public int Begun;
        public int Finished;

        public DataViewSchema OutputSchema => schema;

        public MapperStage Stage => MapperStage.Worker;

        public int? PreferredBatchSize => null;

        public void Map(DataBatch batch, MapContext context) => RowMappers.Map(batch, [this], context);

        public RowMapping Begin(DataBatch batch)
        {
            Interlocked.Increment(ref Begun);
            return new Mapping(this, batch);
        }

        private void MapRow(long row)
        {
            Thread.SpinWait(5_000); // long enough that the rows spread over the threads
            log.Enqueue((Interlocked.Increment(ref s_clock), name, row, Environment.CurrentManagedThreadId));
            if (row == failAt)
                throw new InvalidOperationException($"{name} failed on row {row}");
        }

        private sealed class Mapping(ProbeRowMapper mapper, DataBatch batch) : RowMapping
        {
            public override void MapRow(int row) => mapper.MapRow(batch.FirstRow + row);

            public override void Finish() => Interlocked.Increment(ref mapper.Finished);
        }
    }

    private static (IDataView View, ProbeRowMapper First, ProbeRowMapper Second, ConcurrentQueue<(long When, string Stage, long Row, int Thread)> Log) Pipeline(int rows, long failAt = -1)
    {
        var vision = new VisionContext();
        var source = vision.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new PathRow { ImagePath = $"row{i}" }).ToList());
        var log = new ConcurrentQueue<(long When, string Stage, long Row, int Thread)>();
        var first = new ProbeRowMapper(source.Schema, "decode", log, failAt);
        var second = new ProbeRowMapper(source.Schema, "resize", log);
        return (TransformedDataView.Create(TransformedDataView.Create(source, first), second), first, second, log);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(2)]
    public void EachRowPassesThroughEveryStageOnOneThreadBeforeItsThreadTakesTheNextRow(int queueDepth)
    {
        var (view, first, second, log) = Pipeline(rows: 48);
        var seen = new List<long>();
        foreach (var batch in view.GetBatches(new BatchingOptions { BatchSize = 16, QueueDepth = queueDepth, MaxDegreeOfParallelism = 2 }))
        {
            using (batch)
            {
                for (var r = 0; r < batch.RowCount; r++)
                    seen.Add(batch.FirstRow + r);
            }
        }

        CollectionAssert.AreEqual(Enumerable.Range(0, 48).Select(i => (long)i).ToList(), seen, "rows must keep their order");
        Assert.AreEqual(3, first.Begun);
        Assert.AreEqual(3, first.Finished);
        Assert.AreEqual(3, second.Finished);
        foreach (var thread in log.GroupBy(e => e.Thread))
        {
            // Unfused, a thread would decode several rows before resizing any: decode r, decode r', resize r, ...
            var events = thread.OrderBy(e => e.When).ToArray();
            Assert.AreEqual(0, events.Length % 2, $"thread {thread.Key} left a row half done");
            for (var i = 0; i < events.Length; i += 2)
            {
                Assert.AreEqual("decode", events[i].Stage, $"thread {thread.Key}, event {i}");
                Assert.AreEqual("resize", events[i + 1].Stage, $"thread {thread.Key}, event {i + 1}: row {events[i].Row} must be resized before the next decode");
                Assert.AreEqual(events[i].Row, events[i + 1].Row);
            }
        }
        Assert.AreEqual(48, log.Count(e => e.Stage == "resize"));
    }

    [TestMethod]
    public void EveryBegunStageIsFinishedWhenARowFailsAndTheFailureReachesTheReader()
    {
        var (view, first, second, _) = Pipeline(rows: 20, failAt: 13);
        var read = 0;
        var e = Assert.Throws<Exception>(() =>
        {
            foreach (var batch in view.GetBatches(new BatchingOptions { BatchSize = 8, QueueDepth = 0, MaxDegreeOfParallelism = 2 }))
            {
                using (batch)
                    read += batch.RowCount;
            }
        });

        var failure = e is AggregateException a ? a.Flatten().InnerExceptions.Single() : e;
        Assert.IsInstanceOfType<InvalidOperationException>(failure);
        StringAssert.Contains(failure.Message, "row 13");
        Assert.AreEqual(8, read, "the batch before the failing one is delivered");
        Assert.AreEqual(2, first.Begun);
        Assert.AreEqual(2, first.Finished, "the failing batch's mapping must be finished too (it releases what Begin took)");
        Assert.AreEqual(2, second.Finished);
    }
}
