namespace MLNetAttn.Cli.Commands;

/// <summary>
/// A command line that cannot be run as written (a value out of range, a malformed shard); the command prints the
/// message and exits 2, as it does when the parser rejects the line.
/// </summary>
internal sealed class UsageException(string message) : Exception(message)
{
    /// <summary>The exit code of a usage error.</summary>
    public const int ExitCode = 2;
}
