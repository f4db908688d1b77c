using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// Models with several named outputs (what segmentation and detection heads consume) map each output to its own
/// column, shaped as the output without its batch dimension; the data view needs nothing special for them.
/// </summary>
[TestClass]
public sealed class MultiOutputTests
{
    /// <summary>input [N,3,8,8] → "pooled" [N,3] (channel means) and "map" [N,2,8,8] (1x1 conv: 2·R and G − B).</summary>
    private static byte[] TwoOutputModel()
    {
        var g = new GraphBuilder("two_outputs");
        var x = g.Input("input", TensorElementType.Float, ["batch", 3, 8, 8]);
        var pooled = g.Flatten(g.GlobalAveragePool(x));
        var map = g.Conv(x, g.Initializer("w", [2f, 0f, 0f, 0f, 1f, -1f], [2, 3, 1, 1]));
        g.Output(pooled, TensorElementType.Float, ["batch", 3], "pooled");
        g.Output(map, TensorElementType.Float, ["batch", 2, 8, 8], "map");
        return g.ToArray();
    }

    public sealed class Row
    {
        public float[] input { get; set; } = [];

        public float[] pooled { get; set; } = [];

        public float[] map { get; set; } = [];
    }

    [TestMethod]
    public void EachOutputBecomesAColumn()
    {
        var folder = TestData.TempFolder();
        try
        {
            var path = Path.Combine(folder, "two.onnx");
            File.WriteAllBytes(path, TwoOutputModel());
            var vision = new VisionContext();
            var data = EndToEndTests.Photos(vision);
            var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath")
                .Append(vision.Transforms.ResizeImages("Image", 8, 8, resizing: ResizingKind.Fill))
                .Append(vision.Transforms.ExtractPixels("input", "Image"))
                .Append(vision.Transforms.ApplyOnnxModel(["pooled", "map"], ["input"], path));
            var schema = pipeline.GetOutputSchema(data.Schema);
            Assert.AreEqual("Vector<Single,3>", schema["pooled"].Type.ToString());
            Assert.AreEqual("Vector<Single,2,8,8>", schema["map"].Type.ToString());

            foreach (var row in vision.Data.CreateEnumerable<Row>(pipeline.Fit(data).Transform(data), ignoreMissingColumns: true))
            {
                for (var c = 0; c < 3; c++)
                {
                    var mean = row.input.Skip(c * 64).Take(64).Select(v => (double)v).Average();
                    Assert.AreEqual(mean, row.pooled[c], 1e-6, $"channel {c} mean");
                }
                for (var p = 0; p < 64; p++)
                {
                    Assert.AreEqual(2 * row.input[p], row.map[p], 1e-6);
                    Assert.AreEqual(row.input[64 + p] - row.input[128 + p], row.map[64 + p], 1e-6);
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void SourceFailureMidStreamReachesTheReader()
    {
        // A manifest whose third row escapes its folder: rows before it are delivered, then the error surfaces
        // through the prefetch queue with its original type and message.
        var folder = TestData.TempFolder();
        try
        {
            File.Copy(Path.Combine(TestData.Images, "chelsea.png"), Path.Combine(folder, "a.png"));
            var manifest = Path.Combine(folder, "m.csv");
            File.WriteAllText(manifest, "ImagePath\na.png\na.png\n../b.png\na.png\n");
            var vision = new VisionContext();
            var data = vision.Data.LoadFromTextFile(manifest);
            var model = vision.Transforms.LoadImages("Image", null, "ImagePath").Append(vision.Transforms.ResizeImages("Image", 16, 16)).Fit(data);
            var delivered = 0;
            var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            {
                foreach (var batch in model.Transform(data).GetBatches(new BatchingOptions { BatchSize = 1, QueueDepth = 2 }))
                {
                    delivered += batch.RowCount;
                    batch.Dispose();
                }
            });
            StringAssert.Contains(e.Message, "line 4");
            Assert.AreEqual(2, delivered);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ThroughputReport()
    {
        // Not a benchmark (those live in Benchmarks/): a figure for the log, over the five photos repeated.
        var vision = new VisionContext();
        var rows = Enumerable.Range(0, 50).Select(i => new PathRow { ImagePath = Path.Combine(TestData.Images, TestData.Photos[i % 5]) }).ToArray();
        var data = vision.Data.LoadFromEnumerable(rows);
        var model = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ResizeImages("Image", 224, 224, interpolation: MLNetAttn.Transforms.Imaging.ResizeKernel.Bicubic, resizeSize: 256))
            .Append(vision.Transforms.ExtractPixels("Pixels", "Image", TestData.ImageNetMean, TestData.ImageNetStd))
            .Fit(data);
        foreach (var depth in new[] { 0, 2 })
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var count = 0;
            foreach (var batch in model.Transform(data).GetBatches(new BatchingOptions { BatchSize = 16, QueueDepth = depth }))
            {
                count += batch.RowCount;
                batch.Dispose();
            }
            clock.Stop();
            Console.WriteLine($"decode + bicubic 256 + crop 224 + normalize, queue depth {depth}: {count / clock.Elapsed.TotalSeconds:F1} images/s on {Environment.ProcessorCount} cores");
            Assert.AreEqual(rows.Length, count);
        }
    }
}
