using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using Microsoft.Extensions.Logging;
using MLNetAttn.Estimators;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Native;
using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Cli.Scoring;

/// <summary>A job refused to continue an existing results file (changed model or inputs); the message says what to pass.</summary>
internal sealed class ScoreJobRefusedException(string message) : Exception(message);

/// <summary>What a run did.</summary>
internal sealed record ScoreSummary(string Database, long InputsTotal, long ShardInputs, long AlreadyDone, long Scored, long Failed,
    IReadOnlyList<(string Status, long Count)> RunByStatus, IReadOnlyList<(string Status, long Count)> ByStatus, double Seconds, double ImagesPerSecond, long PeakRssBytes, string? ParquetFolder);

/// <summary>
/// The batch scoring job: lists the inputs, keeps this shard's, skips those already in the results, streams the rest
/// through LoadImages → backbone → head in batches, and commits each batch (rows + run counters) in one transaction.
/// A rerun of the same command continues where the last one stopped (with or without <c>--resume</c>).
/// </summary>
internal sealed class ScoreJob(ScoreJobOptions options, ILoggerFactory logging)
{
    /// <summary>Test hook: milliseconds to sleep after each commit, so a test can kill the process between batches.</summary>
    internal const string BatchDelayVariable = "MLNETATTN_SCORE_BATCH_DELAY_MS";

    // Images between full garbage collections. Batches cross the prefetch queue between threads, so they live long enough
    // to be promoted and then die in gen2; the runtime collects gen2 rarely (twice in a 10,000-image run), so its dead
    // batches would pile up for the length of the job (measured: managed heap 28 MiB after 1k images, 63 MiB committed after
    // 10k). A full collection of a heap this small takes milliseconds; every 1024 images it keeps memory set by the batch.
    private const int ImagesPerFullCollection = 1024;

    private readonly ILogger _log = logging.CreateLogger("MLNetAttn.Score");

    /// <summary>Runs the job to the end of its inputs.</summary>
    /// <exception cref="ScoreJobRefusedException">The results file belongs to another model or input set.</exception>
    public async Task<ScoreSummary> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var model = await ScoreModel.ResolveAsync(options.Model, options.Checkpoint, options.Resolution, logging, cancellationToken).ConfigureAwait(false);
        var listing = ScoreInputReader.Read(options.Input, options.PathColumn);
        if (listing.Duplicates > 0)
            _log.LogWarning("{Duplicates} input paths were listed more than once; each is scored once", listing.Duplicates);
        var fingerprint = ScoreInputReader.Fingerprint(listing.Inputs);
        var mine = listing.Inputs.Where(i => options.Shard.Owns(i.Key)).ToList();
        var identity = new ScoreJobIdentity(model.ModelId, model.CheckpointSha256, options.Mode, options.Input, fingerprint, listing.Inputs.Count,
            options.Shard.ToString(), mine.Count);

        if (!options.OutputIsDuckDb)
            Directory.CreateDirectory(options.Output);
        else if (Path.GetDirectoryName(options.DatabasePath) is { Length: > 0 } parent)
            Directory.CreateDirectory(parent);
        if (options.Resume && !File.Exists(options.DatabasePath))
            throw new ScoreJobRefusedException($"--resume: there is no job to continue at '{options.DatabasePath}'. Drop --resume to start one.");

        using var store = ResultStore.Open(options.DatabasePath);
        CheckIdentity(store, identity);
        var done = store.ReadDonePaths();
        var pending = mine.Where(i => !done.Contains(i.Path)).ToList();
        var alreadyDone = mine.Count - pending.Count;
        _log.LogInformation("Scoring {Pending} of {Shard} inputs (shard {ShardSpec}, {Total} in all; {Done} already done) with {Model} (checkpoint {Sha}) into {Database}",
            pending.Count, mine.Count, options.Shard, listing.Inputs.Count, alreadyDone, model.ModelId, model.CheckpointSha256[..Math.Min(12, model.CheckpointSha256.Length)], options.DatabasePath);

        var runId = store.BeginRun(new RunInfo(options.Arguments, Version(), OnnxRuntimeInfo.Version, VipsSettings.LibvipsVersion, model.ModelId,
            model.CheckpointSha256, options.Shard.ToString(), listing.Inputs.Count, mine.Count, alreadyDone));
        long scored = 0, failed = 0;
        var status = "failed";
        try
        {
            (scored, failed) = pending.Count == 0 ? (0, 0) : ScorePending(store, runId, model, pending, cancellationToken);
            status = "completed";
        }
        catch (OperationCanceledException)
        {
            status = "interrupted";
            throw;
        }
        finally
        {
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            store.EndRun(runId, status, (scored + failed) / Math.Max(seconds, 1e-9), PeakRssBytes());
        }

        string? parquet = null;
        if (!options.OutputIsDuckDb)
        {
            parquet = Path.GetFullPath(options.Output);
            store.ExportParquet(parquet);
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var gc = GC.GetGCMemoryInfo();
        _log.LogInformation("Memory: peak RSS {PeakRssMiB:0.0} MiB, managed heap {HeapMiB:0.0} MiB ({CommittedMiB:0.0} MiB committed), {Gen2} gen2 collections, {Threads} threads ({PoolThreads} in the pool), DuckDB {DuckDbMiB:0.0} MiB",
            PeakRssBytes() / 1048576.0, gc.HeapSizeBytes / 1048576.0, gc.TotalCommittedBytes / 1048576.0, GC.CollectionCount(2),
            Process.GetCurrentProcess().Threads.Count, ThreadPool.ThreadCount, store.DuckDbMemoryBytes() / 1048576.0);
        return new ScoreSummary(options.DatabasePath, listing.Inputs.Count, mine.Count, alreadyDone, scored, failed, store.CountByStatus(runId), store.CountByStatus(),
            elapsed, (scored + failed) / Math.Max(elapsed, 1e-9), PeakRssBytes(), parquet);
    }

    private void CheckIdentity(ResultStore store, ScoreJobIdentity identity)
    {
        var recorded = store.ReadIdentity();
        if (recorded is null)
        {
            store.WriteIdentity(identity);
            return;
        }
        if (recorded.ModelId != identity.ModelId || recorded.CheckpointSha256 != identity.CheckpointSha256 || recorded.Mode != identity.Mode)
        {
            var what = $"'{options.DatabasePath}' holds results of {recorded.ModelId} (checkpoint {recorded.CheckpointSha256}, {recorded.Mode}); " +
                $"this run uses {identity.ModelId} (checkpoint {identity.CheckpointSha256}, {identity.Mode})";
            if (!options.AllowChangedModel)
                throw new ScoreJobRefusedException($"Changed model: {what}. Use another --out, or pass --allow-changed-model to delete those results and rescore everything.");
            var deleted = store.DeleteAllResults();
            _log.LogWarning("Changed model allowed: {What}; deleted {Deleted} rows, rescoring everything", what, deleted);
        }
        else if (recorded.InputFingerprint != identity.InputFingerprint || recorded.Shard != identity.Shard)
        {
            var what = $"'{options.DatabasePath}' was made from {recorded.InputsTotal} inputs (fingerprint {recorded.InputFingerprint[..12]}, shard {recorded.Shard}); " +
                $"'{options.Input}' now lists {identity.InputsTotal} (fingerprint {identity.InputFingerprint[..12]}, shard {identity.Shard})";
            if (!options.AllowChangedInputs)
                throw new ScoreJobRefusedException($"Changed inputs: {what}. Use another --out, or pass --allow-changed-inputs to keep the stored rows and score what is new.");
            _log.LogWarning("Changed inputs allowed: {What}; stored rows are kept", what);
        }
        store.WriteIdentity(identity);
    }

    private BatchingOptions Batching => new()
    {
        BatchSize = options.BatchSize,
        MaxDegreeOfParallelism = options.DecodeWorkers > 0 ? options.DecodeWorkers : Environment.ProcessorCount,
    };

    private (long Scored, long Failed) ScorePending(ResultStore store, int runId, ScoreModel model, List<ScoreInput> pending, CancellationToken cancellationToken)
    {
        var vision = new VisionContext(loggerFactory: logging);
        var source = new ScoreSource(pending, options.MaxBytes);
        var decode = ImageDecodeOptions.Default with
        {
            MaxPixels = options.MaxPixels,
            JpegShrinkToShorterSide = options.JpegShrinkOnLoad ? BackboneSpec.FromOnnxMetadata(model.Metadata, [], model.OnnxPath).ResizeSize : null,
        };
        var output = options.Features ? "pooled" : "logits";
        var load = vision.Transforms.LoadImages("Image", null, ScoreSource.BytesColumn, decode, RowErrorPolicy.Mark, ScoreSource.ErrorColumn);
        var backbone = vision.Transforms.ApplyBackbone(model.OnnxPath, "Image", new OnnxOptions
        {
            BatchSize = options.BatchSize, OutputColumns = [output], IntraOpNumThreads = options.IntraOpThreads,
            GpuDeviceId = options.GpuDeviceId, FallbackToCpu = options.FallbackToCpu,
        });
        // The provider that actually runs (CPU after a fallback), for the log and the runs table.
        var provider = ((OnnxScoringEstimator)backbone.Estimators[^1]).Model.ExecutionProvider;
        _log.LogInformation("Inference runs on {Provider}{Device}", provider, provider == "CUDA" ? $" device {options.GpuDeviceId}" : "");
        store.SetExecutionProvider(runId, provider);
        ITransformer pipeline = options.Features
            ? load.Append(backbone).Fit(source)
            : load.Append(backbone).Append(vision.Transforms.ApplyClassificationHead(output, options.TopK)).Fit(source);
        var scoredView = pipeline.Transform(source);

        var delay = Environment.GetEnvironmentVariable(BatchDelayVariable) is { Length: > 0 } d ? int.Parse(d, CultureInfo.InvariantCulture) : 0;
        var collectEvery = Math.Max(1, ImagesPerFullCollection / options.BatchSize);
        long scored = 0, failed = 0, batches = 0;
        var rows = new List<ScoreRow>(options.BatchSize);
        return ScoreProgress.Run(pending.Count, options.LogIntervalSeconds, _log, progress =>
        {
            var batchStarted = Stopwatch.GetTimestamp();
            foreach (var batch in scoredView.GetBatches(Batching, cancellationToken))
            {
                using (batch)
                {
                    var batchMs = Stopwatch.GetElapsedTime(batchStarted).TotalMilliseconds;
                    rows.Clear();
                    for (var row = 0; row < batch.RowCount; row++)
                    {
                        var result = ToRow(batch, row, batchMs);
                        rows.Add(result);
                        if (result.Status == ScoreErrorKinds.Ok)
                            scored++;
                        else
                            failed++;
                    }
                    batches++;
                    store.WriteBatch(runId, model.ModelId, model.CheckpointSha256, rows, scored, failed, batches);
                }
                progress.Committed(batches, scored + failed, failed, pending.Count);
                if (batches % collectEvery == 0)
                {
                    // Dead batches pile up in gen2 and the large-object heap fragments; native arenas keep freed
                    // decode buffers. Compacting once and trimming the C heap keeps peak RSS flat over long runs.
                    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                    GC.Collect();
                    NativeHeap.Trim();
                }
                if (delay > 0)
                    Thread.Sleep(delay);
                batchStarted = Stopwatch.GetTimestamp();
            }
            return (scored, failed);
        });
    }

    private ScoreRow ToRow(DataBatch batch, int row, double batchMs)
    {
        var path = batch.GetColumn<ScalarColumn<string?>>(batch.Schema[ScoreSource.PathColumn].Index).Values[row]!;
        var hash = batch.GetColumn<ScalarColumn<string?>>(batch.Schema[ScoreSource.HashColumn].Index).Values[row];
        var size = batch.GetColumn<ScalarColumn<long>>(batch.Schema[ScoreSource.SizeColumn].Index).Values[row];
        var readMs = batch.GetColumn<ScalarColumn<double>>(batch.Schema[ScoreSource.ReadMsColumn].Index).Values[row];
        var error = batch.GetError(row);
        if (error is not null)
        {
            var status = batch.GetColumn<ScalarColumn<string?>>(batch.Schema[ScoreSource.StatusColumn].Index).Values[row]
                ?? ScoreErrorKinds.Status(ScoreErrorKinds.FromDecodeMessage(error));
            return new ScoreRow(path, hash, size, status, error, null, null, null, null, readMs, batchMs, batch.RowCount);
        }
        if (options.Features)
        {
            var features = batch.GetColumn<VectorColumn<float>>(batch.Schema["pooled"].Index).GetRow(row).ToArray();
            return new ScoreRow(path, hash, size, ScoreErrorKinds.Ok, null, null, null, null, features, readMs, batchMs, batch.RowCount);
        }
        var labels = batch.GetColumn<VectorColumn<string>>(batch.Schema["TopKLabels"].Index).GetRow(row).ToArray();
        var scores = batch.GetColumn<VectorColumn<float>>(batch.Schema["TopKScores"].Index).GetRow(row).ToArray();
        var indices = batch.GetColumn<VectorColumn<int>>(batch.Schema["TopKIndices"].Index).GetRow(row).ToArray();
        return new ScoreRow(path, hash, size, ScoreErrorKinds.Ok, null, labels, scores, indices, null, readMs, batchMs, batch.RowCount);
    }

    /// <summary>The MLNetAttn version (the assembly's informational version).</summary>
    internal static string Version()
        => typeof(ScoreJob).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Peak resident memory of this process (VmHWM in /proc/self/status), in bytes; 0 where unavailable.</summary>
    internal static long PeakRssBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            // Not Linux: no figure.
        }
        return 0;
    }
}
