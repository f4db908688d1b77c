using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MLNetAttn.Cli.Scoring;

/// <summary>Receives the job's progress after each committed batch.</summary>
internal interface IScoreProgress
{
    /// <summary>One batch is committed; the totals are for this run.</summary>
    void Committed(long batch, long done, long failed, long total);
}

/// <summary>
/// Progress display: a Spectre.Console bar (images/s, ETA) when standard output is a terminal, else a log line
/// every <c>--log-interval</c> seconds (every batch at 0), so redirected output and CI logs stay readable.
/// </summary>
internal static class ScoreProgress
{
    /// <summary>Runs <paramref name="work"/> with the right display for this console.</summary>
    public static T Run<T>(long total, double logIntervalSeconds, ILogger log, Func<IScoreProgress, T> work)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return work(new LogLines(log, logIntervalSeconds));
        return AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask("scoring", maxValue: Math.Max(1, total));
                return work(new Bar(task));
            });
    }

    private sealed class Bar(ProgressTask task) : IScoreProgress
    {
        public void Committed(long batch, long done, long failed, long total)
        {
            task.Value = done;
            task.Description = failed == 0 ? "scoring" : string.Create(CultureInfo.InvariantCulture, $"scoring ({failed} failed)");
        }
    }

    // Images per second over the whole run, shown by Spectre's speed column.
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
            => new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Speed ?? 0:0.0} images/s"));
    }

    private sealed class LogLines(ILogger log, double intervalSeconds) : IScoreProgress
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _last = Stopwatch.GetTimestamp();

        public void Committed(long batch, long done, long failed, long total)
        {
            if (done < total && Stopwatch.GetElapsedTime(_last).TotalSeconds < intervalSeconds)
                return;
            _last = Stopwatch.GetTimestamp();
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            var rate = seconds > 0 ? done / seconds : 0;
            var eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
            log.LogInformation("Committed batch {Batch}: {Done}/{Total} images ({Failed} failed), {Rate:0.0} images/s, ETA {Eta:hh\\:mm\\:ss}",
                batch, done, total, failed, rate, eta);
        }
    }
}
