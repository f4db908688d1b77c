using System.Collections.Concurrent;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// The default queue depth: when a model keeps every core busy, preparing a batch and running the model take turns
/// (the caller's own work on a batch still overlaps the next preparation); otherwise batches are prepared ahead on the
/// stream's worker threads. A depth the caller names wins.
/// </summary>
[TestClass]
public sealed class QueueDepthTests
{
    private sealed class Probe(DataViewSchema schema, MapperStage stage, bool usesEveryCore, ConcurrentQueue<string> log) : IBatchMapper
    {
        public ConcurrentBag<string?> Threads { get; } = [];

        public DataViewSchema OutputSchema => schema;

        public MapperStage Stage => stage;

        public int? PreferredBatchSize => null;

        public bool UsesEveryCore => usesEveryCore;

        public void Map(DataBatch batch, MapContext context)
        {
            var what = stage == MapperStage.Worker ? "prepare" : "model";
            log.Enqueue($"{what} {batch.FirstRow} start");
            Threads.Add(Thread.CurrentThread.Name);
            Thread.Sleep(15); // long enough for a worker to get ahead when it is allowed to
            log.Enqueue($"{what} {batch.FirstRow} end");
        }
    }

    private static (Probe Prepare, Probe Model, string[] Log) Stream(bool modelUsesEveryCore, int? queueDepth, int callerMs = 0)
    {
        var vision = new VisionContext();
        var source = vision.Data.LoadFromEnumerable(Enumerable.Range(0, 24).Select(i => new PathRow { ImagePath = $"row{i}" }).ToList());
        var log = new ConcurrentQueue<string>();
        var prepare = new Probe(source.Schema, MapperStage.Worker, false, log);
        var model = new Probe(source.Schema, MapperStage.Sequential, modelUsesEveryCore, log);
        var view = TransformedDataView.Create(TransformedDataView.Create(source, prepare), model);
        var rows = 0;
        foreach (var batch in view.GetBatches(new BatchingOptions { BatchSize = 6, QueueDepth = queueDepth }))
        {
            using (batch)
            {
                Thread.Sleep(callerMs); // the caller's own work on the batch (writing results)
                log.Enqueue($"caller {batch.FirstRow} done");
                rows += batch.RowCount;
            }
        }
        Assert.AreEqual(24, rows);
        return (prepare, model, log.ToArray());
    }

    [TestMethod]
    public void AModelThatKeepsEveryCoreBusyTakesTurnsWithPreparation()
    {
        var (prepare, _, log) = Stream(modelUsesEveryCore: true, queueDepth: null, callerMs: 40);

        // Never at the same time: each batch is prepared after the model is done with the one before, and run after it is prepared.
        var turns = log.Where(e => !e.StartsWith("caller", StringComparison.Ordinal)).ToArray();
        var expected = Enumerable.Range(0, 4).SelectMany(b => new[] { "prepare", "model" }.SelectMany(w => new[] { $"{w} {6 * b} start", $"{w} {6 * b} end" }));
        CollectionAssert.AreEqual(expected.ToArray(), turns, string.Join(", ", log));
        // The caller's 40 ms on batch 0 overlap the preparation of batch 6, which starts as soon as the model is done.
        Assert.IsLessThan(Array.IndexOf(log, "caller 0 done"), Array.IndexOf(log, "prepare 6 start"), string.Join(", ", log));
        Assert.IsTrue(prepare.Threads.All(t => t == "MLNetAttn decode"), "batches are prepared on the stream's worker threads");
    }

    [TestMethod]
    public void QueueDepthZeroRunsEverythingOnTheCallingThread()
    {
        var (prepare, _, log) = Stream(modelUsesEveryCore: false, queueDepth: 0, callerMs: 5);

        Assert.IsFalse(prepare.Threads.Contains("MLNetAttn decode"), "no worker threads");
        Assert.IsLessThan(Array.IndexOf(log, "prepare 6 start"), Array.IndexOf(log, "caller 0 done"), "the next batch waits for the caller");
    }

    [TestMethod]
    public void OtherwiseBatchesArePreparedAheadOnWorkerThreads()
    {
        var (prepare, _, log) = Stream(modelUsesEveryCore: false, queueDepth: null);

        Assert.IsTrue(prepare.Threads.All(t => t == "MLNetAttn decode"), "batches are prepared on the stream's worker threads");
        Assert.IsLessThan(Array.IndexOf(log, "model 0 end"), Array.IndexOf(log, "prepare 6 start"), "the next batch is prepared while the model runs");
    }

    [TestMethod]
    public void AQueueDepthTheCallerNamesWins()
    {
        var (prepare, _, log) = Stream(modelUsesEveryCore: true, queueDepth: 2);

        Assert.IsTrue(prepare.Threads.All(t => t == "MLNetAttn decode"));
        Assert.IsLessThan(Array.IndexOf(log, "model 0 end"), Array.IndexOf(log, "prepare 6 start"));
    }

    [TestMethod]
    public void AnOnnxModelOnTheCpuKeepsEveryCoreBusyUnlessItsThreadsLeaveCoresFree()
    {
        var vision = new VisionContext();
        var data = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(TestData.Images, "chelsea.png") } });
        StreamSchedule Schedule(int intraOpThreads)
        {
            var model = vision.Transforms.LoadImages("Image", null, "ImagePath")
                .Append(vision.Transforms.ResizeImages("Image", 64, 64))
                .Append(vision.Transforms.ExtractPixels("input", "Image"))
                .Append(vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel(), IntraOpNumThreads = intraOpThreads }))
                .Fit(data);
            return ((TransformedDataView)model.Transform(data)).Plan(BatchingOptions.Default).Schedule;
        }

        Assert.AreEqual(StreamSchedule.Turns, Schedule(0), "the runtime's default is a thread per physical core");
        Assert.AreEqual(StreamSchedule.Turns, Schedule(Environment.ProcessorCount));
        Assert.AreEqual(Environment.ProcessorCount > 1 ? StreamSchedule.Ahead : StreamSchedule.Turns, Schedule(1));
        var decodeOnly = vision.Transforms.LoadImages("Image", null, "ImagePath").Fit(data);
        Assert.AreEqual((StreamSchedule.Ahead, BatchingOptions.DefaultQueueDepth), ((TransformedDataView)decodeOnly.Transform(data)).Plan(BatchingOptions.Default), "no model: prepared ahead");
    }
}
