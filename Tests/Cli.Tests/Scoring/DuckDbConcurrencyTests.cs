using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Tests.Scoring;

[TestClass]
public sealed class DuckDbConcurrencyTests
{
    [TestMethod]
    public void FourThreadsWithOwnConnectionsInsertIntoOneDatabase()
    {
        const int threads = 4, perThread = 2_500, batch = 250;
        using var folder = new DuckDbTempFolder();
        var path = folder.File("concurrent.duckdb");
        using (var db = DuckDbDatabase.Open(path, new DuckDbOptions { Threads = 2 }))
        {
            using (var setup = db.Connect())
                setup.Execute("CREATE TABLE scored(worker INTEGER, n INTEGER, path VARCHAR PRIMARY KEY)");

            var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var workers = Enumerable.Range(0, threads).Select(w => new Thread(() =>
            {
                try
                {
                    using var con = db.Connect();
                    using var insert = con.Prepare("INSERT INTO scored VALUES (?, ?, ?)");
                    for (var start = 0; start < perThread; start += batch)
                    {
                        // Half the batches by prepared statement, half by appender, each batch one transaction.
                        con.InTransaction(c =>
                        {
                            if (start / batch % 2 == 0)
                            {
                                for (var n = start; n < start + batch; n++)
                                    insert.Bind(1, w).Bind(2, n).Bind(3, $"w{w}/{n}.png").Execute();
                            }
                            else
                            {
                                using var appender = c.CreateAppender("scored");
                                for (var n = start; n < start + batch; n++)
                                    appender.Append(w).Append(n).Append($"w{w}/{n}.png").EndRow();
                                appender.Close();
                            }
                        });
                    }
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                }
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            Assert.IsEmpty(errors, string.Join(Environment.NewLine, errors));

            using var check = db.Connect();
            Assert.AreEqual((long)threads * perThread, check.ExecuteScalar("SELECT count(*) FROM scored"));
            using var perWorker = check.Query("SELECT worker, count(*), count(DISTINCT n) FROM scored GROUP BY worker ORDER BY worker");
            var w2 = 0;
            while (perWorker.Read())
            {
                Assert.AreEqual((long)w2++, perWorker.GetInt64(0));
                Assert.AreEqual((long)perThread, perWorker.GetInt64(1));
                Assert.AreEqual((long)perThread, perWorker.GetInt64(2));
            }
            Assert.AreEqual(threads, w2);
        }

        using var reopened = DuckDbDatabase.Open(path);
        using var again = reopened.Connect();
        Assert.AreEqual((long)threads * perThread, again.ExecuteScalar("SELECT count(*) FROM scored"));
    }

    [TestMethod]
    public void TwoConnectionsWritingTheSameKeyConflictAndOneWins()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var a = db.Connect();
        using var b = db.Connect();
        a.Execute("CREATE TABLE scored(path VARCHAR PRIMARY KEY)");
        using var ta = a.BeginTransaction();
        using var tb = b.BeginTransaction();
        // DuckDB's optimistic concurrency: neither sees the other's uncommitted row, so both inserts run; measured with
        // 1.5.6, the first COMMIT wins and the second fails (a write-write conflict on the key), leaving one row.
        a.Execute("INSERT INTO scored VALUES ('same.png')");
        b.Execute("INSERT INTO scored VALUES ('same.png')");
        tb.Commit();
        var e = Assert.ThrowsExactly<DuckDbException>(ta.Commit);
        Assert.IsTrue(e.ErrorKind is DuckDbErrorKind.Constraint or DuckDbErrorKind.Transaction, $"{e.ErrorKind}: {e.Message}");
        Assert.AreEqual(1L, a.ExecuteScalar("SELECT count(*) FROM scored"));
        Assert.AreEqual(1L, b.ExecuteScalar("SELECT count(*) FROM scored"));
    }
}
