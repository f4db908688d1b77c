using System.CommandLine;
using MLNetAttn.Cli.Commands;

var root = new RootCommand("mlnetattn: efficient vision transformers (SHViT, EfficientViT, CloFormer) for .NET.")
{
    InfoCommand.Create(),
    ZooCommand.Create(),
    ClassifyCommand.Create(),
    ScoreCommand.Create(),
    MergeCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
