namespace MLNetAttn.Estimators.Tests;

/// <summary>Batch size, prefetching and the engine pool must not change a single output bit.</summary>
[TestClass]
public sealed class BatchingAndPoolTests
{
    public TestContext TestContext { get; set; } = null!;

    private static Prediction[] Run(VisionContext vision, ITransformer model, IDataView data, BatchingOptions options)
        => vision.Data.CreateEnumerable<Prediction>(model.Transform(data), options: options).ToArray();

    [TestMethod]
    public void Batch1And4And7GiveIdenticalOutputs()
    {
        var vision = new VisionContext();
        // 12 rows: the photos repeated, so batches of 4 and 7 end in partial batches.
        var rows = Enumerable.Range(0, 12).Select(i => new PathRow { ImagePath = Path.Combine(TestData.Images, TestData.Photos[i % TestData.Photos.Length]) }).ToArray();
        var data = vision.Data.LoadFromEnumerable(rows);
        var model = EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data);
        var one = Run(vision, model, data, new BatchingOptions { BatchSize = 1, QueueDepth = 0 });
        foreach (var options in new[] { new BatchingOptions { BatchSize = 4 }, new BatchingOptions { BatchSize = 7, QueueDepth = 3 }, new BatchingOptions { BatchSize = 7, QueueDepth = 0, MaxDegreeOfParallelism = 1 } })
        {
            var other = Run(vision, model, data, options);
            Assert.HasCount(one.Length, other);
            for (var i = 0; i < one.Length; i++)
            {
                Assert.AreEqual(rows[i].ImagePath, other[i].ImagePath, "row order");
                CollectionAssert.AreEqual(one[i].Logits, other[i].Logits, $"row {i}, batch {options.BatchSize}, depth {options.QueueDepth}");
                CollectionAssert.AreEqual(one[i].Score, other[i].Score);
            }
        }
    }

    [TestMethod]
    public void FixedBatchDimensionModelRunsInChunks()
    {
        var vision = new VisionContext();
        var data = EndToEndTests.Photos(vision);
        var dynamic = vision.Data.CreateEnumerable<Prediction>(EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data).Transform(data)).ToArray();
        var fixedOne = vision.Data.CreateEnumerable<Prediction>(EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel(fixedBatch: 2)).Fit(data).Transform(data)).ToArray();
        for (var i = 0; i < dynamic.Length; i++)
            CollectionAssert.AreEqual(dynamic[i].Logits, fixedOne[i].Logits, $"row {i}");
    }

    [TestMethod]
    public void PoolUnderSixteenCallersMatchesSingleEngine()
    {
        var vision = new VisionContext();
        var data = EndToEndTests.Photos(vision);
        var model = EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data);
        var engine = vision.Model.CreatePredictionEngine<PathRow, Prediction>(model);
        var inputs = TestData.Photos.Select(p => new PathRow { ImagePath = Path.Combine(TestData.Images, p) }).ToArray();
        var expected = inputs.Select(engine.Predict).ToArray();

        // ref overload: reuses the arrays of the previous result.
        var reused = new Prediction();
        engine.Predict(inputs[0], ref reused);
        var scores = reused.Score;
        engine.Predict(inputs[1], ref reused);
        Assert.AreSame(scores, reused.Score, "Predict(x, ref y) should reuse y's arrays");
        CollectionAssert.AreEqual(expected[1].Score, reused.Score);

        var pool = vision.Model.CreatePredictionEnginePool<PathRow, Prediction>(model);
        var failures = 0;
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, caller =>
        {
            for (var k = 0; k < 10; k++)
            {
                var i = (caller + k) % inputs.Length;
                var got = pool.Predict(inputs[i]);
                if (!got.Logits.SequenceEqual(expected[i].Logits) || got.PredictedLabel != expected[i].PredictedLabel)
                    Interlocked.Increment(ref failures);
            }
        });
        TestContext.WriteLine($"engines created by the pool: {pool.EnginesCreated}");
        Assert.AreEqual(0, failures, "predictions from concurrent callers differed from the single engine's");
    }

    [TestMethod]
    public void StoppingEarlyReleasesThePrefetchedBatches()
    {
        var vision = new VisionContext();
        var rows = Enumerable.Range(0, 60).Select(i => new PathRow { ImagePath = Path.Combine(TestData.Images, TestData.Photos[i % 5]) });
        var data = vision.Data.LoadFromEnumerable(rows);
        var model = EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data);
        var all = vision.Data.CreateEnumerable<Prediction>(model.Transform(data), options: new BatchingOptions { BatchSize = 4, QueueDepth = 4 }).ToArray();
        // Leaving after 3 rows must stop the producer and dispose what it prepared; a second read works as the first.
        var first = vision.Data.CreateEnumerable<Prediction>(model.Transform(data), options: new BatchingOptions { BatchSize = 4, QueueDepth = 4 }).Take(3).ToArray();
        Assert.HasCount(3, first);
        for (var i = 0; i < 3; i++)
            CollectionAssert.AreEqual(all[i].Logits, first[i].Logits);
        Assert.HasCount(60, all);
    }

    [TestMethod]
    public void CancellationStopsTheStream()
    {
        var vision = new VisionContext();
        var rows = Enumerable.Range(0, 40).Select(i => new PathRow { ImagePath = Path.Combine(TestData.Images, TestData.Photos[i % 5]) });
        var data = vision.Data.LoadFromEnumerable(rows);
        var model = EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data);
        using var cts = new CancellationTokenSource();
        var seen = 0;
        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (var _ in vision.Data.CreateEnumerable<Prediction>(model.Transform(data), options: new BatchingOptions { BatchSize = 4 }, cancellationToken: cts.Token))
            {
                if (++seen == 5)
                    cts.Cancel();
            }
        });
        Assert.IsLessThan(40, seen);
    }
}
