using System.CommandLine;
using DuckDB.NET.Data;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MLNetAttn.Cli.Scoring;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Store;

namespace MLNetAttn.Cli.Commands;

/// <summary>
/// <c>mlnetattn score</c>: the batch scoring job. Exit codes: 0 finished (error rows included: bad inputs never stop
/// the job), 1 failed (model, input listing, output file), 2 refused (the output belongs to another model or input set)
/// or a usage error (an option out of range, a malformed shard, an unknown option).
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A zoo name (shvit_s4, efficientvit_b1.r256_in1k) or an .onnx file from 'zoo export'.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint for a zoo name: a local file or URL. Default: the card's official weights." };
        var resolution = new Option<int?>("--resolution") { Description = "Input size when converting a zoo model (default: the card's)." };
        var input = new Option<string>("--input") { Description = "A folder (recursive, image extensions), a glob ('photos/**/*.jpg'), or a .csv/.parquet manifest with a path column (relative to the manifest's folder).", Required = true };
        var pathColumn = new Option<string>("--path-column") { Description = "The manifest's column of image paths.", DefaultValueFactory = _ => "path" };
        var output = new Option<string>("--out") { Description = "results.duckdb (a DuckDB file), or a folder: Parquet (results/runs/job.parquet) exported at the end, the job's results.duckdb kept inside it for resuming.", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per batch and per commit.", DefaultValueFactory = _ => 32 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per physical core).", DefaultValueFactory = _ => 0 };
        var decodeWorkers = new Option<int>("--decode-workers") { Description = "Threads decoding and resizing ahead of the model (0: the processor count); they run below the model's priority.", DefaultValueFactory = _ => 0 };
        var top = new Option<int>("--top") { Description = "Classes per image (top-k labels and scores).", DefaultValueFactory = _ => 5 };
        var features = new Option<bool>("--features") { Description = "Store the pooled feature vector instead of top-k classes." };
        var jpegShrink = new Option<bool>("--jpeg-shrink-on-load")
        {
            Description = "Fast mode: decode each JPEG at 1/2, 1/4 or 1/8 size where that still covers the model's resize size (libjpeg's DCT scaling). " +
                "Much faster for photos well above the model input; not PIL-exact (the cost is measured in Benchmarks/RESULTS.md). Part of the job's identity.",
        };
        var shard = new Option<string?>("--shard") { Description = "Score shard i of n (0-based), e.g. 2/8. Default: from JOB_COMPLETION_INDEX + --shard-count, or SLURM_ARRAY_TASK_ID/COUNT, else all." };
        var shardCount = new Option<int?>("--shard-count") { Description = "The number of shards, with JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID." };
        var resume = new Option<bool>("--resume") { Description = "Require an existing job to continue. (A rerun always continues where the last stopped; this only refuses to start afresh.)" };
        var allowModel = new Option<bool>("--allow-changed-model") { Description = "Accept a different model than the output was made with: its rows are deleted and everything is rescored." };
        var allowInputs = new Option<bool>("--allow-changed-inputs") { Description = "Accept a different input set than the output was made from: stored rows are kept, new inputs scored." };
        var maxBytes = new Option<long>("--max-bytes") { Description = "Files larger than this become 'too_large' rows.", DefaultValueFactory = _ => 256L << 20 };
        var maxPixels = new Option<long>("--max-pixels") { Description = "Images with more pixels become 'oversized' rows.", DefaultValueFactory = _ => 100_000_000 };
        var logInterval = new Option<double>("--log-interval") { Description = "Seconds between progress lines when output is not a terminal (0: every batch).", DefaultValueFactory = _ => 10 };
        var verbose = new Option<bool>("--verbose") { Description = "Debug logging (native libraries, downloads)." };
        var logJson = new Option<bool>("--log-json") { Description = "Log lines as JSON objects (one per line, on standard error) for log collectors." };
        var command = new Command("score", "Batch scoring job: folders, globs or manifests in; DuckDB or Parquet out; resumable, sharded, bad-input-proof.")
        {
            model, checkpoint, resolution, input, pathColumn, output, batch, threads, decodeWorkers, top, features, jpegShrink, shard, shardCount, resume, allowModel, allowInputs,
            maxBytes, maxPixels, logInterval, verbose, logJson,
        };
        var gpu = new GpuOptions();
        gpu.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var logging = CreateLogging(result.GetValue(verbose), result.GetValue(logJson));
            try
            {
                var shardSpec = CheckUsage(result, batch, top, threads, decodeWorkers, maxBytes, maxPixels, logInterval, shard, shardCount);
                var options = new ScoreJobOptions
                {
                    Model = result.GetRequiredValue(model),
                    Checkpoint = result.GetValue(checkpoint),
                    Resolution = result.GetValue(resolution),
                    Input = result.GetRequiredValue(input),
                    PathColumn = result.GetRequiredValue(pathColumn),
                    Output = result.GetRequiredValue(output),
                    BatchSize = result.GetValue(batch),
                    IntraOpThreads = result.GetValue(threads),
                    GpuDeviceId = result.GetValue(gpu.Gpu),
                    FallbackToCpu = result.GetValue(gpu.FallbackToCpu),
                    DecodeWorkers = result.GetValue(decodeWorkers),
                    TopK = result.GetValue(top),
                    Features = result.GetValue(features),
                    JpegShrinkOnLoad = result.GetValue(jpegShrink),
                    Shard = shardSpec,
                    Resume = result.GetValue(resume),
                    AllowChangedModel = result.GetValue(allowModel),
                    AllowChangedInputs = result.GetValue(allowInputs),
                    MaxBytes = result.GetValue(maxBytes),
                    MaxPixels = result.GetValue(maxPixels),
                    LogIntervalSeconds = result.GetValue(logInterval),
                    Arguments = string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                };
                var summary = await new ScoreJob(options, logging).RunAsync(cancellationToken);
                Print(summary);
                return 0;
            }
            catch (UsageException e)
            {
                logging.Dispose();
                Console.Error.WriteLine($"mlnetattn score: {e.Message}");
                return UsageException.ExitCode;
            }
            catch (ScoreJobRefusedException e)
            {
                logging.Dispose();
                Console.Error.WriteLine($"mlnetattn score: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is KeyNotFoundException or ArgumentException or FileNotFoundException or DirectoryNotFoundException or IOException or InvalidDataException
                or DuckDBException or CheckpointFormatException or ModelDownloadException or NotSupportedException or InvalidOperationException or ImagingException
                or MLNetAttn.Transforms.Onnx.OnnxRuntimeException)
            {
                logging.Dispose();
                Console.Error.WriteLine($"mlnetattn score: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    // Checked before anything is read or written: a value out of range is the command line's fault, not the job's.
    private static ShardSpec CheckUsage(ParseResult result, Option<int> batch, Option<int> top, Option<int> threads, Option<int> decodeWorkers,
        Option<long> maxBytes, Option<long> maxPixels, Option<double> logInterval, Option<string?> shard, Option<int?> shardCount)
    {
        if (BatchLimit.Check(result.GetValue(batch)) is { } batchError)
            throw new UsageException(batchError);
        if (result.GetValue(top) < 1)
            throw new UsageException($"--top ({result.GetValue(top)}) must be at least 1.");
        if (result.GetValue(threads) < 0 || result.GetValue(decodeWorkers) < 0)
            throw new UsageException($"--threads ({result.GetValue(threads)}) and --decode-workers ({result.GetValue(decodeWorkers)}) must be 0 (automatic) or more.");
        if (result.GetValue(maxBytes) < 1 || result.GetValue(maxPixels) < 1)
            throw new UsageException($"--max-bytes ({result.GetValue(maxBytes)}) and --max-pixels ({result.GetValue(maxPixels)}) must be at least 1.");
        if (!(result.GetValue(logInterval) >= 0))
            throw new UsageException($"--log-interval ({result.GetValue(logInterval)}) must be 0 (every batch) or more seconds.");
        try
        {
            return ShardSpec.Resolve(result.GetValue(shard), result.GetValue(shardCount), Environment.GetEnvironmentVariable);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    // Information level: progress lines are the job's log. Everything goes to standard error; standard output is the summary.
    private static ILoggerFactory CreateLogging(bool verbose, bool json) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
        if (json)
            builder.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        else
            builder.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });

    private static void Print(ScoreSummary s)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"scored {s.Scored}, failed {s.Failed} in {s.Seconds:0.0} s ({s.ImagesPerSecond:0.0} images/s); {s.AlreadyDone} already done; shard {s.ShardInputs} of {s.InputsTotal} inputs"));
        if (s.Failed > 0)
            Console.WriteLine("failed by reason: " + string.Join(", ", s.RunByStatus.Where(b => b.Status != ScoreErrorKinds.Ok).Select(b => string.Create(c, $"{b.Status} {b.Count}"))));
        Console.WriteLine("results by status: " + string.Join(", ", s.ByStatus.Select(b => string.Create(c, $"{b.Status} {b.Count}"))));
        Console.WriteLine(string.Create(c, $"peak RSS {s.PeakRssBytes / (1024.0 * 1024):0.0} MiB; results in {s.Database}") + (s.ParquetFolder is null ? "" : $"; Parquet in {s.ParquetFolder}"));
    }
}
