using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Estimators.Tests;

/// <summary>Streaming holds a bounded number of batches: memory must not grow with the number of rows.</summary>
[TestClass]
[DoNotParallelize] // measures the process heap
public sealed class MemoryTests
{
    public TestContext TestContext { get; set; } = null!;

    public sealed class GeneratedRow
    {
        public byte[] Bytes { get; set; } = [];
    }

    /// <summary>2,000 distinct 48x40 PNGs, generated lazily while the pipeline reads them.</summary>
    private static IEnumerable<GeneratedRow> Generate(int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var image = RgbImage.Allocate(48, 40);
            var pixels = image.Pixels;
            for (var k = 0; k < pixels.Length; k++)
                pixels[k] = (byte)(k * 7 + i * 13);
            yield return new GeneratedRow { Bytes = ImageEncoder.Encode(image, ImageFormat.Png) };
        }
    }

    [TestMethod]
    public void StreamingTwoThousandRowsKeepsHeapFlat()
    {
        const int rows = 2000;
        var vision = new VisionContext();
        var data = vision.Data.LoadFromEnumerable(Generate(rows));
        var model = vision.Transforms.LoadImages("Image", null, "Bytes")
            .Append(vision.Transforms.ResizeImages("Image", 64, 64, interpolation: ResizeKernel.Bicubic, resizeSize: 73))
            .Append(vision.Transforms.ExtractPixels("input", "Image", TestData.ImageNetMean, TestData.ImageNetStd))
            .Append(vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel(), BatchSize = 32 }))
            .Append(vision.Transforms.ApplyClassificationHead("logits", labels: TestData.TenLabels))
            .Fit(data);

        long atStart = 0, peak = 0, seen = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var row in vision.Data.CreateEnumerable<Prediction>(model.Transform(data), reuseRowObject: true, ignoreMissingColumns: true))
        {
            Assert.IsNull(row.Error);
            seen++;
            // The baseline waits until the thread pool and the array pool's per-thread caches have warmed up (their
            // retention is bounded but arrives over the first few hundred rows); per-row retention would keep growing.
            if (seen == 600)
                atStart = GC.GetTotalMemory(forceFullCollection: true);
            else if (seen > 600 && seen % 200 == 0)
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
        }
        clock.Stop();
        var growth = peak - atStart;
        TestContext.WriteLine($"{seen} rows in {clock.Elapsed.TotalSeconds:F2} s ({seen / clock.Elapsed.TotalSeconds:F0} rows/s incl. PNG generation); " +
            $"heap after 600 rows {atStart / 1024} KiB, peak later {peak / 1024} KiB, growth {growth / 1024} KiB");
        Assert.AreEqual(rows, seen);
        // Keeping the 3x64x64 floats of the last 1,400 rows would add 69 MB. Observed growth is 1-8 MB: the shared array
        // pool's per-thread and per-core caches (2 MB batch tensors) fill unevenly; 16 MB leaves room for that noise.
        Assert.IsLessThan(16L << 20, growth, $"managed heap grew by {growth} bytes while streaming");
    }
}

/// <summary>Every batch is disposed, whatever way a stream ends, and no more are alive than the queue allows.</summary>
[TestClass]
[DoNotParallelize] // reads process-wide batch counters
public sealed class BatchLifetimeTests
{
    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(3)]
    public void BatchesInFlightStayWithinQueueDepthAndAreAllReleased(int depth)
    {
        var vision = new VisionContext();
        var rows = Enumerable.Range(0, 40).Select(i => new PathRow { ImagePath = Path.Combine(TestData.Images, TestData.Photos[i % 5]) }).ToArray();
        var data = vision.Data.LoadFromEnumerable(rows);
        var model = EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data);
        var options = new BatchingOptions { BatchSize = 2, QueueDepth = depth };
        var before = DataBatch.Live;
        DataBatch.ResetPeak();

        Assert.HasCount(40, vision.Data.CreateEnumerable<Prediction>(model.Transform(data), options: options).ToArray());
        // Bound: one being read from the source, one prepared but not yet queued, `depth` queued, one with the reader.
        Assert.IsLessThanOrEqualTo(before + depth + 3, DataBatch.Peak, $"peak batches alive with queue depth {depth}");
        Assert.AreEqual(before, DataBatch.Live, "a full read leaked batches");

        _ = vision.Data.CreateEnumerable<Prediction>(model.Transform(data), options: options).Take(3).ToArray();
        SpinWait.SpinUntil(() => DataBatch.Live == before, 5000);
        Assert.AreEqual(before, DataBatch.Live, "stopping early leaked batches");

        var broken = vision.Data.LoadFromEnumerable(rows.Select((r, i) => i == 25 ? new PathRow { ImagePath = Path.Combine(TestData.Images, "truncated.jpg") } : r).ToArray());
        var throwing = vision.Transforms.LoadImages("Image", null, "ImagePath", errorPolicy: RowErrorPolicy.Throw)
            .Append(vision.Transforms.ResizeImages("Image", 16, 16)).Fit(broken);
        Assert.ThrowsExactly<RowProcessingException>(() => vision.Data.CreateEnumerable<PathRow>(throwing.Transform(broken), options: options).ToArray());
        SpinWait.SpinUntil(() => DataBatch.Live == before, 5000);
        Assert.AreEqual(before, DataBatch.Live, "a failing stream leaked batches");
    }
}
