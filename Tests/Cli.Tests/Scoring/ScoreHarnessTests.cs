using System.Collections.Concurrent;
using System.Diagnostics;
using DuckDB.NET.Data;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Tests.Architectures;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary>
/// Shared by the score and merge tests (no tests of its own): a small converted model, generated images, the real
/// CLI as a killable child process, and read-only queries of the files it writes.
/// </summary>
internal static class ScoreHarness
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    private static readonly Lazy<(string Onnx, string Checkpoint)> Shvit64 = new(() =>
    {
        // shvit_s1 in the official layout with random weights (Debian's torch writes it once), converted at 64 px
        // with the feature outputs: the cheapest real model, still the full pipeline.
        var fixture = ParityFixture.Generate("shvit_s1", 64, batch: 1);
        var folder = Path.Combine(Path.GetTempPath(), "mlnetattn-score-models");
        Directory.CreateDirectory(folder);
        var onnx = Path.Combine(folder, $"shvit_s1_r64_features_{Environment.ProcessId}.onnx");
        if (!File.Exists(onnx))
            ModelConverter.Export("shvit_s1", fixture.CheckpointPath, onnx, new ExportOptions { Resolution = 64, Features = true });
        return (onnx, fixture.CheckpointPath);
    });

    /// <summary>The converted model file (shvit_s1 at 64 px, random weights, with 'pooled').</summary>
    public static string ModelPath => Shvit64.Value.Onnx;

    /// <summary>The checkpoint the model was converted from.</summary>
    public static string CheckpointPath => Shvit64.Value.Checkpoint;

    /// <summary>A fresh temp folder.</summary>
    public static string NewFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mlnetattn-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Writes <paramref name="count"/> small PNGs, deterministic in their index, as img00000.png... under <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> WriteImages(string folder, int count, int size = 24, int start = 0)
    {
        Directory.CreateDirectory(folder);
        var paths = new string[count];
        Parallel.For(0, count, i =>
        {
            var n = start + i;
            using var image = RgbImage.Allocate(size, size);
            var pixels = image.Pixels;
            for (var p = 0; p < pixels.Length; p++)
                pixels[p] = (byte)((p * 7 + n * 31 + (p / (size * 3)) * n) & 0xFF);
            paths[i] = Path.Combine(folder, $"img{n:D5}.png");
            ImageEncoder.Save(image, paths[i], ImageFormat.Png);
        });
        return paths;
    }

    /// <summary>Runs <c>mlnetattn score</c> to the end.</summary>
    public static CliProcess.Result Score(IDictionary<string, string>? environment, params string[] args)
        => CliProcess.Run(Limit, environment, ["score", .. args]);

    /// <summary>Rows of a query over a results file, opened read-only (the child has exited).</summary>
    public static List<object?[]> Query(string database, string sql)
        => Read(new DuckDBConnectionStringBuilder { DataSource = database, AccessMode = DuckDBAccessMode.ReadOnly }.ConnectionString, sql);

    /// <summary>Rows of a query in a private in-memory database (for read_parquet).</summary>
    public static List<object?[]> QueryMemory(string sql) => Read(DuckDBConnectionStringBuilder.InMemoryConnectionString, sql);

    /// <summary>
    /// Rows as plain values: NULL as null, integers as long, lists of text as string?[] and lists of FLOAT or DOUBLE as
    /// double[], so that assertions do not depend on the column's width.
    /// </summary>
    private static List<object?[]> Read(string connectionString, string sql)
    {
        using var con = new DuckDBConnection(connectionString);
        con.Open();
        using var command = con.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.GetValue(i) switch
                {
                    DBNull => null,
                    sbyte or short or int or byte or ushort or uint => Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture),
                    List<string> texts => texts.ToArray(),
                    List<float> floats => floats.Select(f => (double)f).ToArray(),
                    List<double> doubles => doubles.ToArray(),
                    var value => value,
                };
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// Starts <c>mlnetattn score</c> and kills it (SIGKILL) once it has logged <paramref name="batches"/> committed
    /// batches, after a further <paramref name="extraDelayMs"/>; returns whether it was killed before it finished.
    /// </summary>
    public static bool ScoreAndKill(IDictionary<string, string> environment, int batches, int extraDelayMs, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlnetattn.dll"));
        start.ArgumentList.Add("score");
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var committed = new BlockingCollection<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data?.Contains("Committed batch", StringComparison.Ordinal) == true) committed.Add(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var seen = 0;
        var deadline = Stopwatch.StartNew();
        while (seen < batches && !process.HasExited && deadline.Elapsed < Limit)
            if (committed.TryTake(out _, 100))
                seen++;
        if (process.HasExited)
            return false;
        if (extraDelayMs > 0)
            Thread.Sleep(extraDelayMs);
        // Process.Kill sends SIGKILL on Unix: no handler runs, no transaction finishes.
        process.Kill();
        process.WaitForExit();
        return true;
    }
}
