using System.CommandLine;
using DuckDB.NET.Data;
using MLNetAttn.Cli.Scoring;

namespace MLNetAttn.Cli.Commands;

/// <summary>
/// <c>mlnetattn merge</c>: unions shard outputs of one scoring job. Exit codes: 0 merged, 1 failed (an input is not a
/// results file, an I/O or database error), 2 refused (the inputs do not belong together) or a usage error (a shard
/// output that does not exist, an --out that exists, an unknown option).
/// </summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("shards") { Description = "Shard outputs: .duckdb files or Parquet folders written by 'score'.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "merged.duckdb, or a folder for Parquet (with the merged results.duckdb inside).", Required = true };
        var command = new Command("merge", "Union the outputs of score shards (refuses overlapping rows, mixed models and different input sets).") { inputs, output };
        command.SetAction(result =>
        {
            using var logging = CliLogging.Create(verbose: false);
            try
            {
                var shards = result.GetRequiredValue(inputs);
                var target = result.GetRequiredValue(output);
                CheckUsage(shards, target);
                var s = ResultMerger.Merge(shards, target, logging.CreateLogger("MLNetAttn.Merge"));
                Console.WriteLine($"merged {s.Inputs} inputs (shards {string.Join(", ", s.Shards)}): {s.Rows} rows into {s.Database}" + (s.ParquetFolder is null ? "" : $"; Parquet in {s.ParquetFolder}"));
                return 0;
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"mlnetattn merge: {e.Message}");
                return UsageException.ExitCode;
            }
            catch (MergeRefusedException e)
            {
                Console.Error.WriteLine($"mlnetattn merge: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is ArgumentException or IOException or DuckDBException)
            {
                Console.Error.WriteLine($"mlnetattn merge: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    // Checked before anything is opened: naming a missing input or an existing output is the command line's fault.
    private static void CheckUsage(string[] shards, string output)
    {
        foreach (var shard in shards)
            if (!File.Exists(shard) && !Directory.Exists(shard))
                throw new UsageException($"shard output '{shard}' does not exist (looked for '{Path.GetFullPath(shard)}'); give the .duckdb files or Parquet folders 'score' wrote.");
        var database = ResultMerger.DatabasePath(output);
        if (File.Exists(database))
            throw new UsageException($"--out '{database}' exists; merge writes a new file. Remove it or choose another --out.");
    }
}
