using System.Globalization;
using DuckDB.NET.Data;

namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// The DuckDB file a job writes: tables <c>job</c> (one row: what the results were made from), <c>results</c> (one row
/// per input, primary key <c>path</c>) and <c>runs</c> (one row per invocation). Each batch is written in one
/// transaction together with its run's counters, so after a crash the file holds whole batches and the counters
/// agree with them; the primary key refuses a path stored before, so no path is ever stored twice.
/// </summary>
internal sealed class ResultStore : IDisposable
{
    /// <summary>The results table's columns, in order (merge and Parquet export keep this order).</summary>
    public const string ResultsDdl = """
        CREATE TABLE IF NOT EXISTS results(
            path VARCHAR PRIMARY KEY,
            content_sha256 VARCHAR,
            size_bytes BIGINT,
            model_id VARCHAR NOT NULL,
            checkpoint_sha256 VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            error VARCHAR,
            top_labels VARCHAR[],
            top_scores FLOAT[],
            top_indices INTEGER[],
            features FLOAT[],
            read_ms DOUBLE,
            batch_ms DOUBLE,
            batch_rows INTEGER,
            run_id INTEGER,
            scored_at TIMESTAMP)
        """;

    private const string JobDdl = """
        CREATE TABLE IF NOT EXISTS job(
            id INTEGER PRIMARY KEY,
            model_id VARCHAR NOT NULL,
            checkpoint_sha256 VARCHAR NOT NULL,
            mode VARCHAR NOT NULL,
            input VARCHAR,
            input_fingerprint VARCHAR NOT NULL,
            inputs_total BIGINT,
            shard VARCHAR NOT NULL,
            shard_inputs BIGINT,
            created_at TIMESTAMP)
        """;

    /// <summary>The runs table's columns.</summary>
    public const string RunsDdl = """
        CREATE TABLE IF NOT EXISTS runs(
            run_id INTEGER PRIMARY KEY,
            started_at TIMESTAMP,
            ended_at TIMESTAMP,
            status VARCHAR,
            arguments VARCHAR,
            mlnetattn_version VARCHAR,
            onnxruntime_version VARCHAR,
            libvips_version VARCHAR,
            duckdb_version VARCHAR,
            model_id VARCHAR,
            checkpoint_sha256 VARCHAR,
            shard VARCHAR,
            inputs_total BIGINT,
            shard_inputs BIGINT,
            already_done BIGINT,
            scored BIGINT,
            failed BIGINT,
            batches BIGINT,
            images_per_second DOUBLE,
            peak_rss_bytes BIGINT,
            host VARCHAR,
            execution_provider VARCHAR)
        """;

    private readonly DuckDBConnection _con;

    private ResultStore(string path, DuckDBConnection con)
    {
        Path = path;
        _con = con;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The connection (for exports and queries on the same engine).</summary>
    public DuckDBConnection Connection => _con;

    /// <summary>Opens (or creates) the results file and its tables.</summary>
    /// <exception cref="DuckDBException">The file is locked by another process or is not a DuckDB database.</exception>
    public static ResultStore Open(string path)
    {
        // The table's rows live in DuckDB's memory until a checkpoint writes them to the file; a low checkpoint threshold
        // and a memory limit let those pages be written out and evicted, so the results table of a long job does not
        // stay resident (without them peak memory grows with the number of rows, not with the batch).
        var settings = new DuckDBConnectionStringBuilder
        {
            DataSource = path,
            Threads = 2,
            MemoryLimit = "128MB",
            CheckpointThreshold = "2MB",
        };
        var con = new DuckDBConnection(settings.ConnectionString);
        try
        {
            con.Open();
            // The ALTER upgrades a job file written before runs recorded the execution provider.
            con.Execute(JobDdl + ";" + ResultsDdl + ";" + RunsDdl + "; ALTER TABLE runs ADD COLUMN IF NOT EXISTS execution_provider VARCHAR");
            return new ResultStore(path, con);
        }
        catch
        {
            con.Dispose();
            throw;
        }
    }

    /// <summary>The identity recorded by an earlier run, or null for a new file.</summary>
    public ScoreJobIdentity? ReadIdentity()
    {
        foreach (var row in _con.Query("SELECT model_id, checkpoint_sha256, mode, input, input_fingerprint, inputs_total, shard, shard_inputs FROM job WHERE id = 1"))
            return new ScoreJobIdentity(row.GetString(0), row.GetString(1), row.GetString(2), row.GetNullableString(3) ?? "", row.GetString(4),
                row.GetInt64(5), row.GetString(6), row.GetInt64(7));
        return null;
    }

    /// <summary>Records (or replaces) the job's identity.</summary>
    public void WriteIdentity(ScoreJobIdentity identity)
        => _con.Execute("INSERT OR REPLACE INTO job VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            identity.ModelId, identity.CheckpointSha256, identity.Mode, identity.Input, identity.InputFingerprint, identity.InputsTotal, identity.Shard,
            identity.ShardInputs);

    /// <summary>Deletes every result (a changed model that the user allowed: nothing of the old model is kept).</summary>
    public long DeleteAllResults() => _con.Execute("DELETE FROM results");

    /// <summary>The paths already in the results.</summary>
    public HashSet<string> ReadDonePaths()
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in _con.Query("SELECT path FROM results"))
            done.Add(row.GetString(0));
        return done;
    }

    /// <summary>
    /// Starts a run row and returns its id. Runs still marked 'running' become 'abandoned': only one process can hold
    /// the file, so such a run died (kill -9, eviction) without recording its end.
    /// </summary>
    public int BeginRun(RunInfo run)
    {
        _con.Execute("UPDATE runs SET status = 'abandoned' WHERE status = 'running'");
        var id = Convert.ToInt32(_con.ExecuteScalar("SELECT coalesce(max(run_id), 0) + 1 FROM runs"), CultureInfo.InvariantCulture);
        _con.Execute("INSERT INTO runs VALUES (?, now()::TIMESTAMP, NULL, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, NULL, NULL, ?, NULL)",
            id, run.Arguments, run.MLNetAttnVersion, run.OnnxRuntimeVersion, run.LibvipsVersion, DuckDbVersion(), run.ModelId, run.CheckpointSha256, run.Shard,
            run.InputsTotal, run.ShardInputs, run.AlreadyDone, Environment.MachineName);
        return id;
    }

    /// <summary>Records where the run's inference runs ("CPU" or "CUDA"), once the model is loaded; NULL while no model ran.</summary>
    public void SetExecutionProvider(int runId, string provider)
        => _con.Execute("UPDATE runs SET execution_provider = ? WHERE run_id = ?", provider, runId);

    /// <summary>
    /// Writes one batch and the run's counters in one transaction: after COMMIT returns both are durable; if the
    /// process dies before, neither is there.
    /// </summary>
    /// <remarks>
    /// The rows go in through DuckDB's appender (columnar chunks, no SQL per row), which takes part in the open
    /// transaction: a rollback or a kill before COMMIT leaves none of them. A path already stored violates the primary
    /// key and fails the whole batch, so no path is ever stored twice (the job never hands one in: it skips stored paths).
    /// </remarks>
    /// <returns>The rows written: all of them (a batch is written whole or not at all).</returns>
    /// <exception cref="DuckDBException">A path of the batch is already stored; nothing of the batch is written.</exception>
    public int WriteBatch(int runId, string modelId, string checkpointSha256, IReadOnlyList<ScoreRow> rows, long scored, long failed, long batches)
    {
        using var transaction = _con.BeginTransaction();
        if (rows.Count > 0)
        {
            // The transaction's now(), as every other timestamp of the file: the rows of a batch are committed together.
            var scoredAt = (DateTime)_con.ExecuteScalar("SELECT now()::TIMESTAMP")!;
            using (var appender = _con.CreateAppender("results"))
            {
                foreach (var row in rows)
                    appender.CreateRow()
                        .AppendValue(row.Path).AppendValue(row.ContentSha256).AppendValue(row.SizeBytes).AppendValue(modelId).AppendValue(checkpointSha256)
                        .AppendValue(row.Status).AppendValue(row.Error)
                        .AppendValue(row.TopLabels).AppendValue(row.TopScores).AppendValue(row.TopIndices).AppendValue(row.Features)
                        .AppendValue(row.ReadMs).AppendValue(row.BatchMs).AppendValue(row.BatchRows).AppendValue(runId).AppendValue(scoredAt)
                        .EndRow();
                // Closing flushes the appended rows into the table, inside the transaction.
                appender.Close();
            }
        }
        _con.Execute("UPDATE runs SET scored = ?, failed = ?, batches = ? WHERE run_id = ?", scored, failed, batches, runId);
        transaction.Commit();
        return rows.Count;
    }

    /// <summary>Closes a run: status, end time, throughput, peak memory.</summary>
    public void EndRun(int runId, string status, double imagesPerSecond, long peakRssBytes)
        => _con.Execute("UPDATE runs SET status = ?, ended_at = now()::TIMESTAMP, images_per_second = ?, peak_rss_bytes = ? WHERE run_id = ?",
            status, double.IsFinite(imagesPerSecond) ? imagesPerSecond : 0, peakRssBytes, runId);

    /// <summary>Rows per status, most frequent first: of the whole file, or those written by run <paramref name="runId"/>.</summary>
    public IReadOnlyList<(string Status, long Count)> CountByStatus(int? runId = null)
    {
        var counts = new List<(string, long)>();
        var where = runId is { } id ? string.Create(CultureInfo.InvariantCulture, $" WHERE run_id = {id}") : "";
        foreach (var row in _con.Query($"SELECT status, count(*) FROM results{where} GROUP BY status ORDER BY count(*) DESC, status"))
            counts.Add((row.GetString(0), row.GetInt64(1)));
        return counts;
    }

    /// <summary>Writes results.parquet, runs.parquet and job.parquet into <paramref name="folder"/> (each replaced whole).</summary>
    public void ExportParquet(string folder)
    {
        foreach (var (table, order) in new[] { ("results", "path"), ("runs", "run_id"), ("job", "id") })
        {
            var target = System.IO.Path.Combine(folder, table + ".parquet");
            var staging = target + ".partial";
            _con.Execute($"COPY (SELECT * FROM {table} ORDER BY {order}) TO {Sql.Literal(staging)} (FORMAT parquet)");
            // Renamed into place, so a reader never sees a half-written file.
            File.Move(staging, target, overwrite: true);
        }
    }

    /// <summary>Bytes DuckDB's buffer manager holds now (<c>duckdb_memory()</c>), for the job's memory log line.</summary>
    public long DuckDbMemoryBytes() => Convert.ToInt64(_con.ExecuteScalar("SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory()"), CultureInfo.InvariantCulture);

    /// <summary>The DuckDB library's version (for example v1.5.6), recorded with each run.</summary>
    public string DuckDbVersion() => (string)_con.ExecuteScalar("SELECT library_version FROM pragma_version()")!;

    /// <summary>Closes the file.</summary>
    public void Dispose() => _con.Dispose();
}

/// <summary>What a run records about itself when it starts.</summary>
internal sealed record RunInfo(string Arguments, string MLNetAttnVersion, string OnnxRuntimeVersion, string LibvipsVersion, string ModelId,
    string CheckpointSha256, string Shard, long InputsTotal, long ShardInputs, long AlreadyDone);
