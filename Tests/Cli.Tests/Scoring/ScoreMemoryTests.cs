using System.Globalization;
using static MLNetAttn.Cli.Tests.Scoring.ScoreHarness;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary>Memory stays bounded by batch size and queue depth: peak RSS of a 10,000-image job is within 10% of a 1,000-image job.</summary>
[TestClass]
public sealed class ScoreMemoryTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void PeakMemoryDoesNotGrowWithTheNumberOfImages()
    {
        var work = NewFolder("score-memory");
        try
        {
            var images = Path.Combine(work, "images");
            WriteImages(images, 10_000);
            var small = Path.Combine(work, "small");
            Directory.CreateDirectory(small);
            foreach (var file in Directory.GetFiles(images).Order(StringComparer.Ordinal).Take(1_000))
                File.Copy(file, Path.Combine(small, Path.GetFileName(file)));

            (long Rss, double Rate) Run(string input, string name)
            {
                var db = Path.Combine(work, name + ".duckdb");
                var result = Score(null, "--model", ModelPath, "--input", input, "--out", db, "--batch", "32");
                Assert.AreEqual(0, result.ExitCode, result.StdErr);
                var run = Query(db, "SELECT peak_rss_bytes, images_per_second, scored FROM runs")[0];
                Assert.AreEqual((long)Directory.GetFiles(input).Length, run[2]);
                // VmHWM, read by the child from /proc/self/status at the end of its run.
                return ((long)run[0]!, (double)run[1]!);
            }
            var (rss1k, rate1k) = Run(small, "r1k");
            var (rss10k, rate10k) = Run(images, "r10k");
            TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"peak RSS: 1k images {rss1k / 1048576.0:0.0} MiB ({rate1k:0} images/s), 10k images {rss10k / 1048576.0:0.0} MiB ({rate10k:0} images/s)"));
            Assert.IsGreaterThan(0L, rss1k);
            Assert.IsLessThanOrEqualTo(1.10 * rss1k, (double)rss10k, $"10k images peaked at {rss10k} bytes, 1k at {rss1k}");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
