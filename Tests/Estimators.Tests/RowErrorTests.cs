namespace MLNetAttn.Estimators.Tests;

/// <summary>Broken files become error rows (Mark), are dropped and counted (Skip), or stop the stream (Throw).</summary>
[TestClass]
public sealed class RowErrorTests
{
    private static string BrokenFolder()
    {
        var folder = TestData.TempFolder();
        File.Copy(Path.Combine(TestData.Images, "chelsea.png"), Path.Combine(folder, "a_chelsea.png"));
        File.Copy(Path.Combine(TestData.Images, "truncated.jpg"), Path.Combine(folder, "b_truncated.jpg"));
        File.WriteAllBytes(Path.Combine(folder, "c_empty.jpg"), []);
        File.WriteAllText(Path.Combine(folder, "d_text.jpg"), "this is not a JPEG");
        File.Copy(Path.Combine(TestData.Images, "rocket.jpg"), Path.Combine(folder, "e_rocket.jpg"));
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "ignored: not an image extension");
        return folder;
    }

    private static IEstimator<ITransformer> Pipeline(VisionContext vision, RowErrorPolicy policy)
        => vision.Transforms.LoadImages("Image", null, "ImagePath", errorPolicy: policy)
            .Append(vision.Transforms.ResizeImages("Image", 64, 64, interpolation: MLNetAttn.Transforms.Imaging.ResizeKernel.Bicubic, resizeSize: 73))
            .Append(vision.Transforms.ExtractPixels("input", "Image", TestData.ImageNetMean, TestData.ImageNetStd))
            .Append(vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = TestData.EndToEndModel() }))
            .Append(vision.Transforms.ApplyClassificationHead("logits", labels: TestData.TenLabels));

    [TestMethod]
    public void MarkKeepsBadRowsWithTheirErrorAndScoresTheRest()
    {
        var folder = BrokenFolder();
        try
        {
            var vision = new VisionContext();
            var data = vision.Data.LoadImagesFromDirectory(folder);
            var model = Pipeline(vision, RowErrorPolicy.Mark).Fit(data);
            // Batch 16 holds all five rows: the bad ones must not spoil the good ones.
            var rows = vision.Data.CreateEnumerable<Prediction>(model.Transform(data)).ToArray();
            Assert.HasCount(5, rows);
            CollectionAssert.AreEqual(new[] { "a_chelsea.png", "b_truncated.jpg", "c_empty.jpg", "d_text.jpg", "e_rocket.jpg" }, rows.Select(r => Path.GetFileName(r.ImagePath)).ToArray());
            Assert.IsNull(rows[0].Error);
            Assert.IsNull(rows[4].Error);
            StringAssert.Contains(rows[1].Error!, "b_truncated.jpg");
            StringAssert.Contains(rows[2].Error!, "empty");
            StringAssert.Contains(rows[3].Error!, "d_text.jpg");
            foreach (var bad in rows[1..4])
            {
                Assert.IsNull(bad.PredictedLabel);
                Assert.IsTrue(bad.Score.All(s => s == 0));
            }

            // Good rows score exactly as they do alone.
            var engine = vision.Model.CreatePredictionEngine<PathRow, Prediction>(model);
            CollectionAssert.AreEqual(engine.Predict(new PathRow { ImagePath = rows[0].ImagePath! }).Logits, rows[0].Logits);
            CollectionAssert.AreEqual(engine.Predict(new PathRow { ImagePath = rows[4].ImagePath! }).Logits, rows[4].Logits);
            var marked = engine.Predict(new PathRow { ImagePath = rows[2].ImagePath! });
            Assert.IsNotNull(marked.Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void SkipDropsAndCountsThrowStops()
    {
        var folder = BrokenFolder();
        try
        {
            var log = new CapturingLoggerFactory();
            var vision = new VisionContext(loggerFactory: log);
            var data = vision.Data.LoadImagesFromDirectory(folder);
            var skipping = Pipeline(vision, RowErrorPolicy.Skip).Fit(data).Transform(data);
            Assert.IsNull(skipping.Schema.GetColumnOrNull("Error"), "Skip adds no error column");
            var skipped = 0;
            var kept = new List<string>();
            foreach (var batch in skipping.GetBatches(new BatchingOptions { BatchSize = 2 }))
            {
                using (batch)
                {
                    skipped += batch.SkippedRows;
                    for (var r = 0; r < batch.RowCount; r++)
                        kept.Add(Path.GetFileName(((ScalarColumn<string?>)batch["ImagePath"]).Values[r])!);
                }
            }
            Assert.AreEqual(3, skipped);
            var warnings = log.Messages.Where(m => m.Level == Microsoft.Extensions.Logging.LogLevel.Warning).Select(m => m.Message).ToArray();
            Assert.HasCount(3, warnings);
            Assert.IsTrue(warnings.Any(w => w.Contains("Skipping row 1") && w.Contains("b_truncated.jpg")), string.Join("\n", warnings));
            CollectionAssert.AreEqual(new[] { "a_chelsea.png", "e_rocket.jpg" }, kept);

            var throwing = Pipeline(vision, RowErrorPolicy.Throw).Fit(data).Transform(data);
            var e = Assert.ThrowsExactly<RowProcessingException>(() => vision.Data.CreateEnumerable<Prediction>(throwing, ignoreMissingColumns: true).ToArray());
            Assert.AreEqual(1, e.Row);
            StringAssert.Contains(e.Message, "b_truncated.jpg");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
