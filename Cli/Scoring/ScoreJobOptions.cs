namespace MLNetAttn.Cli.Scoring;

/// <summary>The arguments of <c>mlnetattn score</c>, parsed.</summary>
internal sealed record ScoreJobOptions
{
    /// <summary>A zoo name or an .onnx file.</summary>
    public required string Model { get; init; }
    /// <summary>Checkpoint file or URL for a zoo name; null = the card's URL.</summary>
    public string? Checkpoint { get; init; }
    /// <summary>Input size when converting a zoo model; null = the card's.</summary>
    public int? Resolution { get; init; }
    /// <summary>Folder, glob, or CSV/Parquet manifest.</summary>
    public required string Input { get; init; }
    /// <summary>The manifest's path column. Default = "path".</summary>
    public string PathColumn { get; init; } = "path";
    /// <summary>A .duckdb file, or a folder (Parquet output, with the job's DuckDB file inside).</summary>
    public required string Output { get; init; }
    /// <summary>Rows per batch (and per commit). Default = 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>ONNX Runtime intra-op threads; 0 = ONNX Runtime's choice (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>The CUDA device to score on; null = CPU.</summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>With <see cref="GpuDeviceId"/>: run on CPU (logging why) when CUDA cannot be used, instead of failing.</summary>
    public bool FallbackToCpu { get; init; }

    /// <summary>Threads that decode, resize and normalize ahead of the model; 0 = the processor count.</summary>
    public int DecodeWorkers { get; init; }
    /// <summary>Top-k classes per row. Default = 5.</summary>
    public int TopK { get; init; } = 5;
    /// <summary>Store the pooled feature vector instead of top-k classes.</summary>
    public bool Features { get; init; }
    /// <summary>
    /// Decode JPEGs at 1/2, 1/4 or 1/8 size where that still covers the model's resize size
    /// (<see cref="MLNetAttn.Transforms.Imaging.ImageDecodeOptions.JpegShrinkToShorterSide"/>): faster, not PIL-exact.
    /// </summary>
    public bool JpegShrinkOnLoad { get; init; }
    /// <summary>The slice of the inputs this process scores.</summary>
    public ShardSpec Shard { get; init; } = ShardSpec.Whole;
    /// <summary>Require an existing job to continue (refuse to start a new one).</summary>
    public bool Resume { get; init; }
    /// <summary>Accept a model different from the one the results were made with: its rows are deleted and everything is rescored.</summary>
    public bool AllowChangedModel { get; init; }
    /// <summary>Accept an input set different from the recorded one: stored rows are kept, new inputs are scored.</summary>
    public bool AllowChangedInputs { get; init; }
    /// <summary>Files larger than this become "too_large" rows. Default = 256 MiB.</summary>
    public long MaxBytes { get; init; } = 256L << 20;
    /// <summary>Images with more pixels become "oversized" rows. Default = 100 megapixels.</summary>
    public long MaxPixels { get; init; } = 100_000_000;
    /// <summary>Seconds between plain progress lines (0 = a line per batch). Default = 10.</summary>
    public double LogIntervalSeconds { get; init; } = 10;
    /// <summary>The command line, recorded in the runs table.</summary>
    public string Arguments { get; init; } = "";

    /// <summary>True when <see cref="Output"/> names a DuckDB file (ends with .duckdb or .db) rather than a Parquet folder.</summary>
    public bool OutputIsDuckDb => Output.EndsWith(".duckdb", StringComparison.OrdinalIgnoreCase) || Output.EndsWith(".db", StringComparison.OrdinalIgnoreCase);

    /// <summary>The DuckDB file the job writes: <see cref="Output"/> itself, or <c>results.duckdb</c> inside the Parquet folder.</summary>
    public string DatabasePath => OutputIsDuckDb ? Path.GetFullPath(Output) : Path.Combine(Path.GetFullPath(Output), "results.duckdb");

    /// <summary>
    /// "features" or "top{k}", with "+jpeg-shrink" in the fast decode mode: part of the job's identity, so that rows
    /// scored from shrunk decodes never mix with exact ones in one output.
    /// </summary>
    public string Mode => (Features ? "features" : $"top{TopK}") + (JpegShrinkOnLoad ? "+jpeg-shrink" : "");
}
