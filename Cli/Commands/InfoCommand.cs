using System.CommandLine;

namespace MLNetAttn.Cli.Commands;

/// <summary><c>mlnetattn info [images...]</c>: which native runtimes are in use, and a decode of the given images.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print the native runtimes in use and decode the given images or folders.");
        command.SetAction(_ => 0);
        return command;
    }
}
