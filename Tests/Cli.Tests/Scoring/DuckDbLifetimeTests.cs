using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Tests.Scoring;

[TestClass]
public sealed class DuckDbLifetimeTests
{
    [TestMethod]
    public void DisposeIsIdempotentAndUseAfterDisposeThrows()
    {
        var db = DuckDbDatabase.Open(":memory:");
        var con = db.Connect();
        con.Execute("CREATE TABLE t(x INTEGER)");
        var statement = con.Prepare("INSERT INTO t VALUES (?)");
        var appender = con.CreateAppender("t");
        var reader = con.Query("SELECT 1");

        reader.Dispose(); reader.Dispose();
        appender.Dispose(); appender.Dispose();
        statement.Dispose(); statement.Dispose();
        con.Dispose(); con.Dispose();
        db.Dispose(); db.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => reader.Read());
        Assert.ThrowsExactly<ObjectDisposedException>(() => appender.Append(1));
        Assert.ThrowsExactly<ObjectDisposedException>(appender.EndRow);
        Assert.ThrowsExactly<ObjectDisposedException>(() => statement.Bind(1, 1));
        Assert.ThrowsExactly<ObjectDisposedException>(() => statement.Execute());
        Assert.ThrowsExactly<ObjectDisposedException>(() => con.Execute("SELECT 1"));
        Assert.ThrowsExactly<ObjectDisposedException>(() => con.Prepare("SELECT 1"));
        Assert.ThrowsExactly<ObjectDisposedException>(() => con.CreateAppender("t"));
        Assert.ThrowsExactly<ObjectDisposedException>(db.Connect);
    }

    [TestMethod]
    public void DatabaseDisposedFirstStaysUsableByItsConnectionsThenReleasesTheFile()
    {
        using var folder = new DuckDbTempFolder();
        var path = folder.File("order.duckdb");
        var db = DuckDbDatabase.Open(path);
        var con = db.Connect();
        con.Execute("CREATE TABLE t(x INTEGER)");
        db.Dispose(); // the connection holds the native database open
        Assert.AreEqual(1L, con.Execute("INSERT INTO t VALUES (1)"));
        var reader = con.Query("SELECT x FROM t");
        con.Dispose(); // the reader holds the connection
        Assert.IsTrue(reader.Read());
        Assert.AreEqual(1L, reader.GetInt64(0));
        reader.Dispose(); // last user: the database closes and its lock is released

        using var reopened = DuckDbDatabase.Open(path);
        using var again = reopened.Connect();
        Assert.AreEqual(1L, again.ExecuteScalar("SELECT count(*) FROM t"));
    }

    [TestMethod]
    public void ReaderGettersNeedACurrentRow()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        using var reader = con.Query("SELECT 1 AS one WHERE false");
        Assert.AreEqual(1, reader.FieldCount);
        Assert.ThrowsExactly<InvalidOperationException>(() => reader.GetInt64(0));
        Assert.IsFalse(reader.Read());
    }
}
