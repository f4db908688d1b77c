using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Tests.Scoring;

[TestClass]
public sealed class DuckDbReadWriteTests
{
    private static readonly DateTime When = new DateTime(2026, 11, 22, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234560); // .123456 s: microsecond precision

    private static readonly string Unicode = "naïve café — 東京 🐱 \u0000 NUL inside";

    private const string CreateItems =
        "CREATE TABLE items(id BIGINT PRIMARY KEY, name VARCHAR, score DOUBLE, small INTEGER, flag BOOLEAN, payload BLOB, seen_at TIMESTAMP, f FLOAT)";

    [TestMethod]
    public void PreparedInsertsReadBackExactlyIncludingNulls()
    {
        using var folder = new DuckDbTempFolder();
        using var db = DuckDbDatabase.Open(folder.File("rw.duckdb"));
        using var con = db.Connect();
        con.Execute(CreateItems);

        var longText = new string('x', 100_000) + "end";
        var blob = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        using (var insert = con.Prepare("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?)"))
        {
            Assert.AreEqual(8, insert.ParameterCount);
            insert.Bind(1, 1L).Bind(2, Unicode).Bind(3, 0.1 + 0.2).Bind(4, int.MinValue).Bind(5, true).Bind(6, blob).Bind(7, When).Bind(8, 1.5f);
            Assert.AreEqual(1L, insert.Execute());
            insert.ClearBindings();
            insert.Bind(1, 2L).BindNull(2).BindNull(3).BindNull(4).BindNull(5).Bind(6, (byte[]?)null).BindNull(7).BindNull(8);
            Assert.AreEqual(1L, insert.Execute());
            insert.Bind(1, 3L).Bind(2, longText).Bind(3, double.MaxValue).Bind(4, 7).Bind(5, false).Bind(6, ReadOnlySpan<byte>.Empty)
                .Bind(7, new DateTime(1969, 12, 31, 23, 59, 59, 999, DateTimeKind.Utc)).Bind(8, -0.25f);
            Assert.AreEqual(1L, insert.Execute());
        }

        using var reader = con.Query("SELECT id, name, score, small, flag, payload, seen_at, f FROM items ORDER BY id");
        Assert.AreEqual(8, reader.FieldCount);
        CollectionAssert.AreEqual(new[] { "id", "name", "score", "small", "flag", "payload", "seen_at", "f" },
            Enumerable.Range(0, 8).Select(reader.GetName).ToArray());
        CollectionAssert.AreEqual(new[] { DuckDbType.BigInt, DuckDbType.Varchar, DuckDbType.Double, DuckDbType.Integer, DuckDbType.Boolean,
            DuckDbType.Blob, DuckDbType.Timestamp, DuckDbType.Float }, Enumerable.Range(0, 8).Select(reader.GetColumnType).ToArray());

        Assert.IsTrue(reader.Read());
        Assert.AreEqual(1L, reader.GetInt64(0));
        Assert.AreEqual(Unicode, reader.GetString(1));
        Assert.AreEqual(0.1 + 0.2, reader.GetDouble(2)); // exact: the same bits go in and out
        Assert.AreEqual(int.MinValue, reader.GetInt32(3));
        Assert.IsTrue(reader.GetBoolean(4));
        CollectionAssert.AreEqual(blob, reader.GetBlob(5));
        Assert.AreEqual(When.Ticks, reader.GetDateTime(6).Ticks);
        Assert.AreEqual(1.5f, reader.GetFloat(7));

        Assert.IsTrue(reader.Read());
        Assert.AreEqual(2L, reader.GetInt64(0));
        for (var i = 1; i < 8; i++)
            Assert.IsTrue(reader.IsDBNull(i), $"column {i} of row 2 should be NULL");
        Assert.IsNull(reader.GetString(1));
        Assert.IsNull(reader.GetBlob(5));
        Assert.IsNull(reader.GetValue(2));
        var nullRead = Assert.ThrowsExactly<InvalidOperationException>(() => reader.GetDouble(2));
        StringAssert.Contains(nullRead.Message, "'score'");

        Assert.IsTrue(reader.Read());
        Assert.AreEqual(longText, reader.GetString(1));
        Assert.AreEqual(double.MaxValue, reader.GetDouble(2));
        Assert.AreEqual(0, reader.GetBlob(5)!.Length);
        Assert.AreEqual(new DateTime(1969, 12, 31, 23, 59, 59, 999).Ticks, reader.GetDateTime(6).Ticks);
        Assert.IsFalse(reader.GetBoolean(4));
        Assert.AreEqual(-0.25f, reader.GetFloat(7));

        Assert.IsFalse(reader.Read());
        Assert.IsFalse(reader.Read(), "Read stays false once exhausted");
    }

    [TestMethod]
    public void AppenderWritesTenThousandRowsAcrossManyChunks()
    {
        const int rows = 10_000;
        using var folder = new DuckDbTempFolder();
        using var db = DuckDbDatabase.Open(folder.File("append.duckdb"));
        using var con = db.Connect();
        con.Execute(CreateItems);

        using (var appender = con.CreateAppender("items"))
        {
            Assert.AreEqual("items", appender.Table);
            for (var i = 0; i < rows; i++)
            {
                appender.Append((long)i);
                if (i % 10 == 3) appender.AppendNull(); else appender.Append($"row {i} · {Unicode[..6]}");
                appender.Append(i / 3.0).Append(i * 2).Append(i % 2 == 0);
                if (i % 100 == 0) appender.Append(new byte[] { (byte)i, 0, 255 }); else appender.AppendNull();
                appender.Append(When.AddSeconds(i)).Append(i * 0.5f);
                appender.EndRow();
            }
            appender.Close();
            appender.Close(); // idempotent
        }

        Assert.AreEqual((long)rows, con.ExecuteScalar("SELECT count(*) FROM items"));
        Assert.AreEqual((long)rows / 10, con.ExecuteScalar("SELECT count(*) FROM items WHERE name IS NULL"));
        // SUM of a BIGINT is a HUGEINT in DuckDB: the reader narrows it when it fits.
        Assert.AreEqual((long)rows * (rows - 1) / 2, con.ExecuteScalar("SELECT sum(id) FROM items"));

        using var reader = con.Query("SELECT id, name, score, small, flag, payload, seen_at, f FROM items ORDER BY id");
        var seen = 0;
        while (reader.Read())
        {
            var i = seen++;
            Assert.AreEqual((long)i, reader.GetInt64(0));
            if (i % 10 == 3) Assert.IsTrue(reader.IsDBNull(1)); else Assert.AreEqual($"row {i} · {Unicode[..6]}", reader.GetString(1));
            Assert.AreEqual(i / 3.0, reader.GetDouble(2));
            Assert.AreEqual(i * 2, reader.GetInt32(3));
            Assert.AreEqual(i % 2 == 0, reader.GetBoolean(4));
            if (i % 100 == 0) CollectionAssert.AreEqual(new byte[] { (byte)i, 0, 255 }, reader.GetBlob(5)); else Assert.IsTrue(reader.IsDBNull(5));
            Assert.AreEqual(When.AddSeconds(i).Ticks, reader.GetDateTime(6).Ticks);
            Assert.AreEqual(i * 0.5f, reader.GetFloat(7));
        }
        Assert.AreEqual(rows, seen);
    }

    [TestMethod]
    public void ListsOfStringsAndDoublesReadBack()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        using var reader = con.Query(
            "SELECT ['cat', NULL, 'a much longer label than twelve bytes'] AS labels, [0.5, NULL, 0.25]::DOUBLE[] AS probs, " +
            "NULL::VARCHAR[] AS none, []::DOUBLE[] AS empty, [1.5]::FLOAT[] AS floats " +
            "UNION ALL SELECT ['dog'], [1.0], ['x'], [2.0], [2.5]::FLOAT[]");
        Assert.AreEqual(DuckDbType.List, reader.GetColumnType(0));
        Assert.AreEqual(DuckDbType.Varchar, reader.GetListElementType(0));
        var rows = new List<(string?[]? Labels, double[]? Probs, string?[]? None, double[]? Empty, double[]? Floats)>();
        while (reader.Read())
            rows.Add((reader.GetStringList(0), reader.GetDoubleList(1), reader.GetStringList(2), reader.GetDoubleList(3), reader.GetDoubleList(4)));
        Assert.AreEqual(2, rows.Count);
        var first = rows.Single(r => r.Labels!.Length == 3);
        CollectionAssert.AreEqual(new[] { "cat", null, "a much longer label than twelve bytes" }, first.Labels);
        Assert.AreEqual(0.5, first.Probs![0]);
        Assert.IsTrue(double.IsNaN(first.Probs[1]), "NULL element reads as NaN");
        Assert.AreEqual(0.25, first.Probs[2]);
        Assert.IsNull(first.None);
        Assert.AreEqual(0, first.Empty!.Length);
        CollectionAssert.AreEqual(new[] { 1.5 }, first.Floats);
        var second = rows.Single(r => r.Labels!.Length == 1);
        CollectionAssert.AreEqual(new[] { "dog" }, second.Labels);
        CollectionAssert.AreEqual(new[] { 2.0 }, second.Empty);
    }

    [TestMethod]
    public void GettersRefuseTheWrongTypeNamingTheColumn()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        using var reader = con.Query("SELECT 'text' AS label, 3000000000::BIGINT AS big, 1.5::DECIMAL(4,1) AS dec");
        Assert.IsTrue(reader.Read());
        var e = Assert.ThrowsExactly<InvalidCastException>(() => reader.GetInt64(0));
        StringAssert.Contains(e.Message, "'label'");
        StringAssert.Contains(e.Message, "Varchar");
        Assert.ThrowsExactly<OverflowException>(() => reader.GetInt32(1));
        Assert.AreEqual(3_000_000_000L, reader.GetInt64(1));
        Assert.AreEqual(1, reader.GetOrdinal("BIG"));
        Assert.ThrowsExactly<ArgumentException>(() => reader.GetOrdinal("missing"));
        var dec = Assert.ThrowsExactly<InvalidCastException>(() => reader.GetDouble(2));
        StringAssert.Contains(dec.Message, "CAST");
    }

    [TestMethod]
    public void ExecuteReturnsRowsChangedAndRunsSeveralStatements()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        con.Execute("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3);");
        Assert.AreEqual(2L, con.Execute("UPDATE t SET x = x + 10 WHERE x >= 2"));
        Assert.AreEqual(3L, con.Execute("DELETE FROM t"));
    }
}
