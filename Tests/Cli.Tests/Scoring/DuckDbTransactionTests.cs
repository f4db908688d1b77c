using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Tests.Scoring;

[TestClass]
public sealed class DuckDbTransactionTests
{
    [TestMethod]
    public void RolledBackTransactionLeavesNothingEvenAfterReopen()
    {
        using var folder = new DuckDbTempFolder();
        var path = folder.File("tx.duckdb");
        using (var db = DuckDbDatabase.Open(path))
        using (var con = db.Connect())
        {
            con.Execute("CREATE TABLE t(id INTEGER)");
            using (var tx = con.BeginTransaction())
            {
                con.Execute("INSERT INTO t VALUES (1), (2)");
                using (var appender = con.CreateAppender("t"))
                {
                    appender.Append(3).EndRow();
                    appender.Close();
                }
                Assert.AreEqual(3L, con.ExecuteScalar("SELECT count(*) FROM t"), "visible inside the transaction");
                tx.Rollback();
                Assert.ThrowsExactly<InvalidOperationException>(tx.Commit);
            }
            Assert.AreEqual(0L, con.ExecuteScalar("SELECT count(*) FROM t"));

            // Dispose without Commit rolls back too.
            using (con.BeginTransaction())
                con.Execute("INSERT INTO t VALUES (9)");
            Assert.AreEqual(0L, con.ExecuteScalar("SELECT count(*) FROM t"));
        }
        using (var db = DuckDbDatabase.Open(path))
        using (var con = db.Connect())
            Assert.AreEqual(0L, con.ExecuteScalar("SELECT count(*) FROM t"));
    }

    [TestMethod]
    public void CommittedTransactionSurvivesCloseAndReopen()
    {
        using var folder = new DuckDbTempFolder();
        var path = folder.File("commit.duckdb");
        using (var db = DuckDbDatabase.Open(path))
        using (var con = db.Connect())
        {
            con.Execute("CREATE TABLE t(id INTEGER, name VARCHAR)");
            var inserted = con.InTransaction(c =>
            {
                using var appender = c.CreateAppender("t");
                for (var i = 0; i < 500; i++)
                    appender.Append(i).Append($"n{i}").EndRow();
                appender.Close();
                return 500;
            });
            Assert.AreEqual(500, inserted);
        }
        using (var db = DuckDbDatabase.Open(path))
        using (var con = db.Connect())
        {
            Assert.AreEqual(500L, con.ExecuteScalar("SELECT count(*) FROM t"));
            Assert.AreEqual("n499", con.ExecuteScalar("SELECT name FROM t WHERE id = 499"));
        }
    }

    [TestMethod]
    public void InTransactionRollsBackWhenTheWorkThrows()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        con.Execute("CREATE TABLE t(id INTEGER PRIMARY KEY)");
        Assert.ThrowsExactly<DuckDbException>(() => con.InTransaction(c =>
        {
            c.Execute("INSERT INTO t VALUES (1)");
            c.Execute("INSERT INTO t VALUES (1)"); // violates the key: the whole transaction must go
        }));
        Assert.AreEqual(0L, con.ExecuteScalar("SELECT count(*) FROM t"));
        con.InTransaction(c => c.Execute("INSERT INTO t VALUES (2)"));
        Assert.AreEqual(1L, con.ExecuteScalar("SELECT count(*) FROM t"));
    }

    [TestMethod]
    public void AppenderDisposedWithoutCloseWritesNothing()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        con.Execute("CREATE TABLE t(id INTEGER)");
        using (var appender = con.CreateAppender("t"))
            appender.Append(1).EndRow();
        Assert.AreEqual(0L, con.ExecuteScalar("SELECT count(*) FROM t"), "an abandoned appender discards its buffered rows");
        using (var appender = con.CreateAppender("t"))
        {
            appender.Append(1).EndRow();
            appender.Flush();
            appender.Append(2).EndRow();
        }
        Assert.AreEqual(1L, con.ExecuteScalar("SELECT count(*) FROM t"), "only the flushed row is written");
    }
}
