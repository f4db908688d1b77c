using System.Diagnostics;
using static MLNetAttn.Cli.Tests.Scoring.ScoreHarness;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary>The Slurm array script in Examples/Scheduling, run by bash as Slurm would run three array tasks, then merged.</summary>
[TestClass]
public sealed class ScoreSchedulingTests
{
    [TestMethod]
    public void TheSlurmArrayScriptScoresEveryInputAcrossItsTasks()
    {
        var work = NewFolder("score-slurm");
        try
        {
            var images = Path.Combine(work, "images");
            WriteImages(images, 20);
            var script = Path.Combine(RepositoryRoot(), "Examples", "Scheduling", "score-array.sbatch");
            foreach (var task in new[] { 5, 6, 7 })   // an array declared as --array=5-7
            {
                var start = new ProcessStartInfo("bash") { WorkingDirectory = work, RedirectStandardError = true, RedirectStandardOutput = true };
                start.ArgumentList.Add(script);
                start.Environment["DATA"] = work;
                start.Environment["MODEL"] = ModelPath;
                start.Environment["INPUT"] = images;
                start.Environment["MLNETATTN"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "mlnetattn.dll")}";
                start.Environment["SLURM_ARRAY_TASK_ID"] = task.ToString();
                start.Environment["SLURM_ARRAY_TASK_MIN"] = "5";
                start.Environment["SLURM_ARRAY_TASK_COUNT"] = "3";
                using var process = Process.Start(start)!;
                var stderr = process.StandardError.ReadToEndAsync();
                var stdout = process.StandardOutput.ReadToEnd();
                Assert.IsTrue(process.WaitForExit(Limit), "the script did not finish");
                Assert.AreEqual(0, process.ExitCode, stdout + stderr.Result);
                Assert.AreEqual($"{task - 5}/3", Query(Path.Combine(work, "out", $"shard-{task}.duckdb"), "SELECT shard FROM job")[0][0]);
            }
            var merged = Path.Combine(work, "merged.duckdb");
            var shards = Directory.GetFiles(Path.Combine(work, "out"), "shard-*.duckdb");
            var merge = CliProcess.Run(Limit, ["merge", .. shards, "--out", merged]);
            Assert.AreEqual(0, merge.ExitCode, merge.StdErr);
            Assert.AreEqual(20L, Query(merged, "SELECT count(DISTINCT path) FROM results WHERE status = 'ok'")[0][0]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "MLNetAttn.sln")))
                return folder.FullName;
        throw new InvalidOperationException($"No MLNetAttn.sln above {AppContext.BaseDirectory}.");
    }
}
