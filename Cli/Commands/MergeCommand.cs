using System.CommandLine;
using MLNetAttn.Cli.Scoring;
using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Commands;

/// <summary><c>mlnetattn merge</c>: unions shard outputs of one scoring job. Exit codes: 0 merged, 1 failed, 2 refused.</summary>
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
                var s = ResultMerger.Merge(result.GetRequiredValue(inputs), result.GetRequiredValue(output), logging.CreateLogger("MLNetAttn.Merge"));
                Console.WriteLine($"merged {s.Inputs} inputs (shards {string.Join(", ", s.Shards)}): {s.Rows} rows into {s.Database}" + (s.ParquetFolder is null ? "" : $"; Parquet in {s.ParquetFolder}"));
                return 0;
            }
            catch (MergeRefusedException e)
            {
                Console.Error.WriteLine($"mlnetattn merge: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is ArgumentException or IOException or DuckDbException)
            {
                Console.Error.WriteLine($"mlnetattn merge: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
