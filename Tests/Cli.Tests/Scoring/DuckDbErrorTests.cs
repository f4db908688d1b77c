using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Tests.Scoring;

[TestClass]
public sealed class DuckDbErrorTests
{
    [TestMethod]
    public void BadSqlNamesTheStatementAndDuckDbsReason()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        const string sql = "SELEC 1 FROM nowhere";
        var e = Assert.ThrowsExactly<DuckDbException>(() => con.Execute(sql));
        Assert.AreEqual(sql, e.Sql);
        StringAssert.Contains(e.Message, sql);
        StringAssert.Contains(e.Message, "syntax error");
        Assert.AreEqual(DuckDbErrorKind.Parser, e.ErrorKind);

        var missing = Assert.ThrowsExactly<DuckDbException>(() => con.Query("SELECT * FROM no_such_table"));
        Assert.AreEqual(DuckDbErrorKind.Catalog, missing.ErrorKind);
        StringAssert.Contains(missing.Message, "no_such_table");
    }

    [TestMethod]
    public void PrepareOfBadSqlNamesTheStatement()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        const string sql = "INSERT INTO ghost VALUES (?)";
        var e = Assert.ThrowsExactly<DuckDbException>(() => con.Prepare(sql));
        Assert.AreEqual(sql, e.Sql);
        StringAssert.Contains(e.Message, "ghost");
    }

    [TestMethod]
    public void PrimaryKeyViolationIsAConstraintErrorAndTheConnectionStaysUsable()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        con.Execute("CREATE TABLE scored(path VARCHAR PRIMARY KEY, label VARCHAR)");
        using var insert = con.Prepare("INSERT INTO scored VALUES ($1, $2)");
        insert.Bind(1, "a.png").Bind(2, "cat").Execute();
        var e = Assert.ThrowsExactly<DuckDbException>(() => insert.Bind(2, "dog").Execute());
        Assert.AreEqual(DuckDbErrorKind.Constraint, e.ErrorKind);
        StringAssert.Contains(e.Message, "a.png");
        StringAssert.Contains(e.Message, "INSERT INTO scored");
        Assert.AreEqual(1L, con.ExecuteScalar("SELECT count(*) FROM scored"));
        Assert.AreEqual("cat", con.ExecuteScalar("SELECT label FROM scored"));
        // The idiom the scoring job uses for exactly-once writes: a duplicate key is skipped, not an error.
        Assert.AreEqual(0L, con.Execute("INSERT INTO scored VALUES ('a.png', 'dog') ON CONFLICT DO NOTHING"));
    }

    [TestMethod]
    public void BindingOutOfRangeOrZeroIsRefused()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        using var statement = con.Prepare("SELECT ?::INTEGER");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => statement.Bind(0, 1));
        var e = Assert.ThrowsExactly<DuckDbException>(() => statement.Bind(2, 1));
        StringAssert.Contains(e.Message, "parameter 2");
        var unbound = Assert.ThrowsExactly<DuckDbException>(() => statement.Execute());
        StringAssert.Contains(unbound.Message, "SELECT ?::INTEGER");
    }

    [TestMethod]
    public void AppenderTypeMismatchNamesTheTable()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        con.Execute("CREATE TABLE numbers(n INTEGER, label VARCHAR)");
        using var appender = con.CreateAppender("numbers");
        var e = Assert.ThrowsExactly<DuckDbException>(() => appender.Append("not a number"));
        Assert.AreEqual("numbers", e.Table);
        StringAssert.Contains(e.Message, "'numbers'");
        StringAssert.Contains(e.Message, "not a number");
    }

    [TestMethod]
    public void AppenderRowWithTooFewOrTooManyValuesIsRefused()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        con.Execute("CREATE TABLE pairs(a INTEGER, b INTEGER)");
        using (var short_ = con.CreateAppender("pairs"))
        {
            short_.Append(1);
            var e = Assert.ThrowsExactly<DuckDbException>(short_.EndRow);
            StringAssert.Contains(e.Message, "'pairs'");
        }
        using (var long_ = con.CreateAppender("pairs"))
        {
            long_.Append(1).Append(2);
            var e = Assert.ThrowsExactly<DuckDbException>(() => long_.Append(3));
            StringAssert.Contains(e.Message, "'pairs'");
        }
        Assert.AreEqual(0L, con.ExecuteScalar("SELECT count(*) FROM pairs"));
    }

    [TestMethod]
    public void AppenderOnAMissingTableNamesIt()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        var e = Assert.ThrowsExactly<DuckDbException>(() => con.CreateAppender("absent_table"));
        Assert.AreEqual("absent_table", e.Table);
        StringAssert.Contains(e.Message, "absent_table");
    }

    [TestMethod]
    public void AppenderFlushHittingAPrimaryKeyFailsAndWritesNothingOfTheBatch()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        con.Execute("CREATE TABLE scored(path VARCHAR PRIMARY KEY, n INTEGER); INSERT INTO scored VALUES ('dup.png', 0)");
        using var appender = con.CreateAppender("scored");
        appender.Append("new.png").Append(1).EndRow();
        appender.Append("dup.png").Append(2).EndRow();
        var e = Assert.ThrowsExactly<DuckDbException>(appender.Close);
        Assert.AreEqual(DuckDbErrorKind.Constraint, e.ErrorKind);
        StringAssert.Contains(e.Message, "'scored'");
        Assert.AreEqual(1L, con.ExecuteScalar("SELECT count(*) FROM scored"));
        Assert.ThrowsExactly<ObjectDisposedException>(() => appender.Append("x"));
    }
}
