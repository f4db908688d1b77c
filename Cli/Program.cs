using System.CommandLine;
using MLNetAttn.Cli.Commands;

var score = ScoreCommand.Create();
var merge = MergeCommand.Create();
var root = new RootCommand("mlnetattn: efficient vision transformers (SHViT, EfficientViT, CloFormer) for .NET.")
{
    InfoCommand.Create(),
    ZooCommand.Create(),
    ClassifyCommand.Create(),
    score,
    merge,
};
var parsed = root.Parse(args);
var exitCode = await parsed.InvokeAsync();
// The parser reports a malformed line (unknown option, missing or unparsable value) with exit code 1; score and merge
// keep 1 for a job that failed and give every usage error 2, as their own range checks do.
return parsed.Errors.Count > 0 && (parsed.CommandResult.Command == score || parsed.CommandResult.Command == merge) ? UsageException.ExitCode : exitCode;
