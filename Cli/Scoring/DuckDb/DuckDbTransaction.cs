namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// A transaction opened by <see cref="DuckDbConnection.BeginTransaction"/>. Commit makes its changes durable
/// (see <see cref="DuckDbDatabase"/> on the write-ahead log); disposing it uncommitted rolls it back.
/// </summary>
public sealed class DuckDbTransaction : IDisposable
{
    private readonly DuckDbConnection _connection;
    private bool _finished;

    internal DuckDbTransaction(DuckDbConnection connection) => _connection = connection;

    /// <summary>Commits; once this returns the changes survive a crash.</summary>
    /// <exception cref="InvalidOperationException">The transaction was already committed or rolled back.</exception>
    /// <exception cref="DuckDbException">The commit failed (for example a write conflict with another connection); nothing was committed.</exception>
    public void Commit() => Finish("COMMIT");

    /// <summary>Rolls back every change made since the transaction began.</summary>
    /// <exception cref="InvalidOperationException">The transaction was already committed or rolled back.</exception>
    public void Rollback() => Finish("ROLLBACK");

    /// <summary>Rolls back unless committed or rolled back already. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (_finished)
            return;
        _finished = true;
        try
        {
            _connection.Execute("ROLLBACK");
        }
        catch (Exception e) when (e is DuckDbException or ObjectDisposedException)
        {
            // The connection is gone or DuckDB already aborted the transaction: nothing is left to undo,
            // and throwing from Dispose would hide the exception that brought us here.
        }
    }

    private void Finish(string sql)
    {
        if (_finished)
            throw new InvalidOperationException($"The transaction was already finished; {sql} needs a new BeginTransaction().");
        _finished = true;
        _connection.Execute(sql);
    }
}
