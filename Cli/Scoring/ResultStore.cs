using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// The DuckDB file a job writes: tables <c>job</c> (one row: what the results were made from), <c>results</c> (one row
/// per input, primary key <c>path</c>) and <c>runs</c> (one row per invocation). Each batch is written in one
/// transaction together with its run's counters, so after a crash the file holds whole batches and the counters
/// agree with them; rows go in through <c>INSERT ... ON CONFLICT DO NOTHING</c>, so no path is ever stored twice.
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

    private readonly DuckDbDatabase _db;
    private readonly DuckDbConnection _con;
    // One multi-row INSERT per batch size (a batch is one statement: row-at-a-time inserts cost ~3 ms per row).
    private readonly Dictionary<int, DuckDbStatement> _inserts = [];
    private const int InsertColumns = 15;
    private DuckDbStatement? _progress;

    private ResultStore(string path, DuckDbDatabase db, DuckDbConnection con)
    {
        Path = path;
        _db = db;
        _con = con;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The connection (for exports and queries on the same engine).</summary>
    public DuckDbConnection Connection => _con;

    /// <summary>Opens (or creates) the results file and its tables.</summary>
    /// <exception cref="DuckDbException">The file is locked by another process or is not a DuckDB database.</exception>
    public static ResultStore Open(string path)
    {
        // The table's rows live in DuckDB's memory until a checkpoint writes them to the file; a low checkpoint threshold
        // and a memory limit let those pages be written out and evicted, so the results table of a long job does not
        // stay resident (without them peak memory grows with the number of rows, not with the batch).
        var db = DuckDbDatabase.Open(path, new DuckDbOptions
        {
            Threads = 2,
            MemoryLimit = "128MB",
            Settings = new Dictionary<string, string> { ["checkpoint_threshold"] = "2MB" },
        });
        try
        {
            var con = db.Connect();
            // The ALTER upgrades a job file written before runs recorded the execution provider.
            con.Execute(JobDdl + ";" + ResultsDdl + ";" + RunsDdl + "; ALTER TABLE runs ADD COLUMN IF NOT EXISTS execution_provider VARCHAR");
            return new ResultStore(path, db, con);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>The identity recorded by an earlier run, or null for a new file.</summary>
    public ScoreJobIdentity? ReadIdentity()
    {
        using var reader = _con.Query("SELECT model_id, checkpoint_sha256, mode, input, input_fingerprint, inputs_total, shard, shard_inputs FROM job WHERE id = 1");
        return reader.Read()
            ? new ScoreJobIdentity(reader.GetString(0)!, reader.GetString(1)!, reader.GetString(2)!, reader.GetString(3) ?? "", reader.GetString(4)!,
                reader.GetInt64(5), reader.GetString(6)!, reader.GetInt64(7))
            : null;
    }

    /// <summary>Records (or replaces) the job's identity.</summary>
    public void WriteIdentity(ScoreJobIdentity identity)
    {
        using var statement = _con.Prepare("INSERT OR REPLACE INTO job VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)");
        statement.Bind(1, identity.ModelId).Bind(2, identity.CheckpointSha256).Bind(3, identity.Mode).Bind(4, identity.Input)
            .Bind(5, identity.InputFingerprint).Bind(6, identity.InputsTotal).Bind(7, identity.Shard).Bind(8, identity.ShardInputs);
        statement.Execute();
    }

    /// <summary>Deletes every result (a changed model that the user allowed: nothing of the old model is kept).</summary>
    public long DeleteAllResults() => _con.Execute("DELETE FROM results");

    /// <summary>The paths already in the results.</summary>
    public HashSet<string> ReadDonePaths()
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        using var reader = _con.Query("SELECT path FROM results");
        while (reader.Read())
            done.Add(reader.GetString(0)!);
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
        using var statement = _con.Prepare(
            "INSERT INTO runs VALUES (?, now()::TIMESTAMP, NULL, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, NULL, NULL, ?, NULL)");
        statement.Bind(1, id).Bind(2, run.Arguments).Bind(3, run.MLNetAttnVersion).Bind(4, run.OnnxRuntimeVersion).Bind(5, run.LibvipsVersion)
            .Bind(6, DuckDbDatabase.LibraryVersion).Bind(7, run.ModelId).Bind(8, run.CheckpointSha256).Bind(9, run.Shard)
            .Bind(10, run.InputsTotal).Bind(11, run.ShardInputs).Bind(12, run.AlreadyDone).Bind(13, Environment.MachineName);
        statement.Execute();
        return id;
    }

    /// <summary>Records where the run's inference runs ("CPU" or "CUDA"), once the model is loaded; NULL while no model ran.</summary>
    public void SetExecutionProvider(int runId, string provider)
    {
        using var statement = _con.Prepare("UPDATE runs SET execution_provider = ? WHERE run_id = ?");
        statement.Bind(1, provider).Bind(2, runId);
        statement.Execute();
    }

    /// <summary>
    /// Writes one batch and the run's counters in one transaction: after COMMIT returns both are durable; if the
    /// process dies before, neither is there.
    /// </summary>
    /// <returns>The rows actually inserted (fewer than given only if some path was already stored).</returns>
    public int WriteBatch(int runId, string modelId, string checkpointSha256, IReadOnlyList<ScoreRow> rows, long scored, long failed, long batches)
    {
        _progress ??= _con.Prepare("UPDATE runs SET scored = ?, failed = ?, batches = ? WHERE run_id = ?");
        using var transaction = _con.BeginTransaction();
        var inserted = 0;
        if (rows.Count > 0)
        {
            var insert = InsertStatement(rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                var row = rows[r];
                var p = r * InsertColumns;
                insert.Bind(p + 1, row.Path).Bind(p + 2, row.ContentSha256).Bind(p + 3, row.SizeBytes).Bind(p + 4, modelId).Bind(p + 5, checkpointSha256)
                    .Bind(p + 6, row.Status).Bind(p + 7, row.Error)
                    .Bind(p + 8, row.TopLabels is null ? null : JsonSerializer.Serialize(row.TopLabels))
                    .Bind(p + 9, Json(row.TopScores)).Bind(p + 10, row.TopIndices is null ? null : JsonSerializer.Serialize(row.TopIndices))
                    .Bind(p + 11, Json(row.Features)).Bind(p + 12, row.ReadMs).Bind(p + 13, row.BatchMs).Bind(p + 14, row.BatchRows).Bind(p + 15, runId);
            }
            inserted = (int)insert.Execute();
        }
        _progress.Bind(1, scored).Bind(2, failed).Bind(3, batches).Bind(4, runId);
        _progress.Execute();
        transaction.Commit();
        return inserted;
    }

    private DuckDbStatement InsertStatement(int rows)
    {
        if (_inserts.TryGetValue(rows, out var cached))
            return cached;
        if (_inserts.Count >= 4)
        {
            // Batch sizes repeat (full batches and one last partial batch); anything else is rare.
            foreach (var old in _inserts.Values)
                old.Dispose();
            _inserts.Clear();
        }
        var sql = new StringBuilder("INSERT INTO results VALUES ");
        for (var r = 0; r < rows; r++)
        {
            var p = r * InsertColumns;
            sql.Append(r == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture,
                $"(${p + 1}, ${p + 2}, ${p + 3}, ${p + 4}, ${p + 5}, ${p + 6}, ${p + 7}, CAST(CAST(${p + 8} AS JSON) AS VARCHAR[]), CAST(CAST(${p + 9} AS JSON) AS FLOAT[]), ") .Append(CultureInfo.InvariantCulture,
                $"CAST(CAST(${p + 10} AS JSON) AS INTEGER[]), CAST(CAST(${p + 11} AS JSON) AS FLOAT[]), ${p + 12}, ${p + 13}, ${p + 14}, ${p + 15}, now()::TIMESTAMP)");
        }
        sql.Append(" ON CONFLICT DO NOTHING");
        var statement = _con.Prepare(sql.ToString());
        _inserts[rows] = statement;
        return statement;
    }

    /// <summary>Closes a run: status, end time, throughput, peak memory.</summary>
    public void EndRun(int runId, string status, double imagesPerSecond, long peakRssBytes)
    {
        using var statement = _con.Prepare("UPDATE runs SET status = ?, ended_at = now()::TIMESTAMP, images_per_second = ?, peak_rss_bytes = ? WHERE run_id = ?");
        statement.Bind(1, status).Bind(2, double.IsFinite(imagesPerSecond) ? imagesPerSecond : 0).Bind(3, peakRssBytes).Bind(4, runId);
        statement.Execute();
    }

    /// <summary>Rows per status, most frequent first: of the whole file, or those written by run <paramref name="runId"/>.</summary>
    public IReadOnlyList<(string Status, long Count)> CountByStatus(int? runId = null)
    {
        var counts = new List<(string, long)>();
        var where = runId is { } id ? string.Create(CultureInfo.InvariantCulture, $" WHERE run_id = {id}") : "";
        using var reader = _con.Query($"SELECT status, count(*) FROM results{where} GROUP BY status ORDER BY count(*) DESC, status");
        while (reader.Read())
            counts.Add((reader.GetString(0)!, reader.GetInt64(1)));
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
    public long DuckDbMemoryBytes() => Convert.ToInt64(_con.ExecuteScalar("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()"), CultureInfo.InvariantCulture);

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        foreach (var insert in _inserts.Values)
            insert.Dispose();
        _progress?.Dispose();
        _con.Dispose();
        _db.Dispose();
    }

    private static string? Json(float[]? values)
    {
        if (values is null)
            return null;
        var text = new StringBuilder(values.Length * 12).Append('[');
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
                text.Append(',');
            // JSON has no NaN or infinity: such a value is stored as NULL.
            if (float.IsFinite(values[i]))
                text.Append(values[i].ToString("R", CultureInfo.InvariantCulture));
            else
                text.Append("null");
        }
        return text.Append(']').ToString();
    }
}

/// <summary>What a run records about itself when it starts.</summary>
internal sealed record RunInfo(string Arguments, string MLNetAttnVersion, string OnnxRuntimeVersion, string LibvipsVersion, string ModelId,
    string CheckpointSha256, string Shard, long InputsTotal, long ShardInputs, long AlreadyDone);
