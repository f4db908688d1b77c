using MLNetAttn.Tests.Shared;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// Each error row names its own file and its own cause, while several decode workers fail at once on a folder of
/// broken files of every kind mixed with good photos (libvips has one error buffer per process).
/// </summary>
[TestClass]
public sealed class RowErrorIsolationTests
{
    [TestMethod]
    public void EveryRowOfAMixedFolderCarriesItsOwnError()
    {
        var folder = TestData.TempFolder();
        try
        {
            var files = BadImageFolder.Create(folder, TestData.Images, Path.Combine(TestData.Fixtures, "imaging", "huge_60000.png"), copies: 5);
            var byPath = files.ToDictionary(f => f.Path);
            var vision = new VisionContext();
            var data = vision.Data.LoadImagesFromDirectory(folder);
            var model = vision.Transforms.LoadImages("Image", null, "ImagePath", errorPolicy: RowErrorPolicy.Mark).Fit(data);
            var problems = new List<string>();
            for (var round = 0; round < 4; round++)
            {
                var seen = 0;
                // Four decode workers on batches of 16: every batch holds several kinds of failure at once.
                foreach (var batch in model.Transform(data).GetBatches(new BatchingOptions { BatchSize = 16, MaxDegreeOfParallelism = 4, QueueDepth = 2 }))
                {
                    using (batch)
                    {
                        var paths = ((ScalarColumn<string?>)batch["ImagePath"]).Values;
                        var errors = ((ScalarColumn<string?>)batch["Error"]).Values;
                        for (var r = 0; r < batch.RowCount; r++, seen++)
                        {
                            if (BadImageFolder.Problem(byPath[paths[r]!], errors[r], files) is { } problem)
                                problems.Add($"round {round}: {problem}");
                        }
                    }
                }
                Assert.AreEqual(files.Count, seen, "one row per file");
            }
            Assert.IsEmpty(problems, string.Join("\n", problems.Take(10)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
