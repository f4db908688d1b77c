using System.Globalization;
using Microsoft.Extensions.Logging;
using DuckDB.NET.Data;

namespace MLNetAttn.Cli.Scoring;

/// <summary>A merge refused (overlapping rows, mixed models, different input sets); the message names the inputs.</summary>
internal sealed class MergeRefusedException(string message) : Exception(message);

/// <summary>What a merge wrote.</summary>
internal sealed record MergeSummary(string Database, int Inputs, long Rows, IReadOnlyList<string> Shards, string? ParquetFolder);

/// <summary>
/// Unions the outputs of shard runs (DuckDB files, or Parquet folders written by <c>score --out folder</c>) into one
/// results file. Every input must come from the same model (id, checkpoint hash, mode) and the same input set
/// (fingerprint); a path present in two inputs is refused, whether the rows agree or not, because shards are disjoint
/// by construction and an overlap means the wrong files were given. All or nothing: on refusal no output is left.
/// </summary>
internal static class ResultMerger
{
    /// <summary>Merges <paramref name="inputs"/> into <paramref name="output"/> (a .duckdb file, or a folder for Parquet).</summary>
    /// <exception cref="MergeRefusedException">The inputs do not belong together; nothing is written.</exception>
    /// <exception cref="ArgumentException">An input is not a results file or folder, or the output exists.</exception>
    public static MergeSummary Merge(IReadOnlyList<string> inputs, string output, ILogger log)
    {
        if (inputs.Count == 0)
            throw new ArgumentException("merge needs at least one shard output.");
        var toDuckDb = WritesDuckDbFile(output);
        var database = DatabasePath(output);
        if (File.Exists(database))
            throw new ArgumentException($"--out '{database}' exists; merge writes a new file. Remove it or choose another --out.");
        if (!toDuckDb)
            Directory.CreateDirectory(output);
        else if (Path.GetDirectoryName(database) is { Length: > 0 } parent)
            Directory.CreateDirectory(parent);

        var sources = inputs.Select(Locate).ToList();
        var ok = false;
        try
        {
            MergeSummary summary;
            using (var store = ResultStore.Open(database))
            {
                var con = store.Connection;
                for (var i = 0; i < sources.Count; i++)
                    if (sources[i].DuckDbFile is { } file)
                        con.Execute($"ATTACH {Sql.Literal(file)} AS s{i} (READ_ONLY)");
                var shards = new List<string>();
                using (var transaction = con.BeginTransaction())
                {
                    var first = ReadJob(con, sources[0], 0);
                    for (var i = 0; i < sources.Count; i++)
                    {
                        var job = i == 0 ? first : ReadJob(con, sources[i], i);
                        if ((job.ModelId, job.CheckpointSha256, job.Mode) != (first.ModelId, first.CheckpointSha256, first.Mode))
                            throw new MergeRefusedException($"Mixed models: '{sources[0].Name}' holds {first.ModelId} (checkpoint {first.CheckpointSha256}, {first.Mode}), " +
                                $"'{sources[i].Name}' holds {job.ModelId} (checkpoint {job.CheckpointSha256}, {job.Mode}). Merge only shards of one job.");
                        if (job.InputFingerprint != first.InputFingerprint)
                            throw new MergeRefusedException($"Different input sets: '{sources[0].Name}' was made from {first.InputsTotal} inputs (fingerprint {first.InputFingerprint[..12]}), " +
                                $"'{sources[i].Name}' from {job.InputsTotal} (fingerprint {job.InputFingerprint[..12]}). Merge only shards of one job.");
                        var results = sources[i].Table(i, "results");
                        var mixed = con.ExecuteScalar($"SELECT count(*) FROM {results} WHERE model_id <> {Sql.Literal(first.ModelId)} OR checkpoint_sha256 <> {Sql.Literal(first.CheckpointSha256)}");
                        if (mixed is long m && m > 0)
                            throw new MergeRefusedException($"Mixed models: '{sources[i].Name}' has {m} rows not made by {first.ModelId} (checkpoint {first.CheckpointSha256}).");
                        var overlap = con.ExecuteScalar($"SELECT min(s.path) FROM {results} s JOIN results r ON r.path = s.path");
                        if (overlap is string path)
                            throw new MergeRefusedException($"Overlapping rows: '{path}' is in '{sources[i].Name}' and in an earlier input. Shards are disjoint; check that each shard output is given once.");
                        con.Execute($"INSERT INTO results SELECT * FROM {results}");
                        con.Execute($"INSERT INTO runs BY NAME SELECT * REPLACE (run_id + (SELECT coalesce(max(run_id), 0) FROM runs) AS run_id) FROM {sources[i].Table(i, "runs")}");
                        shards.Add(job.Shard);
                    }
                    var duplicateShard = shards.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1 && g.Key != "0/1");
                    if (duplicateShard is not null)
                        throw new MergeRefusedException($"Shard {duplicateShard.Key} is given {duplicateShard.Count()} times; give each shard's output once.");
                    var rows = (long)con.ExecuteScalar("SELECT count(*) FROM results")!;
                    var counts = shards.Select(s => s.Split('/')).Where(p => p.Length == 2).Select(p => p[1]).Distinct().ToList();
                    if (counts.Count == 1 && int.Parse(counts[0], CultureInfo.InvariantCulture) != shards.Count)
                        log.LogWarning("Merged {Given} of {Count} shards ({Shards}); the result is partial", shards.Count, counts[0], string.Join(", ", shards));
                    store.WriteIdentity(first with { Shard = "merged " + string.Join(",", shards.Order(StringComparer.Ordinal)), ShardInputs = rows });
                    transaction.Commit();
                    summary = new MergeSummary(database, sources.Count, rows, shards, toDuckDb ? null : Path.GetFullPath(output));
                }
                for (var i = 0; i < sources.Count; i++)
                    if (sources[i].DuckDbFile is not null)
                        con.Execute($"DETACH s{i}");
                if (!toDuckDb)
                    store.ExportParquet(Path.GetFullPath(output));
            }
            ok = true;
            return summary;
        }
        finally
        {
            if (!ok)
            {
                File.Delete(database);
                File.Delete(database + ".wal");
            }
        }
    }

    /// <summary>Whether <paramref name="output"/> names a DuckDB file (.duckdb, .db) rather than a Parquet folder.</summary>
    public static bool WritesDuckDbFile(string output)
        => output.EndsWith(".duckdb", StringComparison.OrdinalIgnoreCase) || output.EndsWith(".db", StringComparison.OrdinalIgnoreCase);

    /// <summary>The DuckDB file a merge into <paramref name="output"/> writes (the file itself, or results.duckdb in the folder).</summary>
    public static string DatabasePath(string output)
        => WritesDuckDbFile(output) ? Path.GetFullPath(output) : Path.Combine(Path.GetFullPath(output), "results.duckdb");

    private sealed record Source(string Name, string? DuckDbFile, string? ParquetFolder)
    {
        public string Table(int index, string table) => DuckDbFile is not null
            ? $"s{index}.{table}"
            : $"read_parquet({Sql.Literal(Path.Combine(ParquetFolder!, table + ".parquet"))})";
    }

    private static Source Locate(string input)
    {
        if (File.Exists(input))
            return new Source(input, Path.GetFullPath(input), null);
        if (Directory.Exists(input))
        {
            if (File.Exists(Path.Combine(input, "results.parquet")) && File.Exists(Path.Combine(input, "job.parquet")))
                return new Source(input, null, Path.GetFullPath(input));
            if (File.Exists(Path.Combine(input, "results.duckdb")))
                return new Source(input, Path.GetFullPath(Path.Combine(input, "results.duckdb")), null);
        }
        throw new ArgumentException($"'{input}' is neither a results .duckdb file nor a folder with results.parquet/job.parquet (from 'score --out folder').");
    }

    private static ScoreJobIdentity ReadJob(DuckDBConnection con, Source source, int index)
    {
        try
        {
            foreach (var row in con.Query($"SELECT model_id, checkpoint_sha256, mode, input, input_fingerprint, inputs_total, shard, shard_inputs FROM {source.Table(index, "job")}"))
                return new ScoreJobIdentity(row.GetString(0), row.GetString(1), row.GetString(2), row.GetNullableString(3) ?? "", row.GetString(4),
                    row.GetInt64(5), row.GetString(6), row.GetInt64(7));
            throw new ArgumentException($"'{source.Name}' has no job record; is it the output of 'mlnetattn score'?");
        }
        catch (DuckDBException e)
        {
            throw new ArgumentException($"'{source.Name}' is not a results file of 'mlnetattn score': {e.Message}", e);
        }
    }
}
