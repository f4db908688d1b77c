using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Tests.Scoring;

[TestClass]
public sealed class DuckDbFileFormatTests
{
    [TestMethod]
    public void CopyToParquetAndReadBackWithReadParquet()
    {
        using var folder = new DuckDbTempFolder();
        var parquet = folder.File("results.parquet");
        using var db = DuckDbDatabase.Open(folder.File("p.duckdb"));
        using var con = db.Connect();
        con.Execute("CREATE TABLE results(path VARCHAR, label VARCHAR, score DOUBLE, top5 VARCHAR[], probs DOUBLE[], scored_at TIMESTAMP)");
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        using (var insert = con.Prepare("INSERT INTO results VALUES (?, ?, ?, ['a', 'b'], [0.75, 0.25], ?)"))
            for (var i = 0; i < 3000; i++)
                insert.Bind(1, $"img/{i:D5}.png").Bind(2, i % 3 == 0 ? null : $"label-{i % 7}").Bind(3, i / 1000.0).Bind(4, at.AddMinutes(i)).Execute();

        con.Execute($"COPY (SELECT * FROM results ORDER BY path) TO '{parquet}' (FORMAT parquet)");
        Assert.IsTrue(new FileInfo(parquet).Length > 0);
        // Parquet files end with the magic "PAR1".
        var bytes = File.ReadAllBytes(parquet);
        CollectionAssert.AreEqual("PAR1"u8.ToArray(), bytes[^4..]);

        using var reader = con.Query($"SELECT * FROM read_parquet('{parquet}') ORDER BY path");
        Assert.AreEqual(DuckDbType.Timestamp, reader.GetColumnType(5));
        var i2 = 0;
        while (reader.Read())
        {
            Assert.AreEqual($"img/{i2:D5}.png", reader.GetString(0));
            Assert.AreEqual(i2 % 3 == 0 ? null : $"label-{i2 % 7}", reader.GetString(1));
            Assert.AreEqual(i2 / 1000.0, reader.GetDouble(2));
            CollectionAssert.AreEqual(new[] { "a", "b" }, reader.GetStringList(3));
            CollectionAssert.AreEqual(new[] { 0.75, 0.25 }, reader.GetDoubleList(4));
            Assert.AreEqual(at.AddMinutes(i2).Ticks, reader.GetDateTime(5).Ticks);
            i2++;
        }
        Assert.AreEqual(3000, i2);
    }

    [TestMethod]
    public void ReadCsvOfAWellFormedManifest()
    {
        using var folder = new DuckDbTempFolder();
        var csv = folder.File("manifest.csv");
        File.WriteAllText(csv, "path,label,weight\nimages/a.png,cat,1.5\n\"images/with,comma.png\",\"quoted \"\"dog\"\"\",2\nimages/ü.png,,3.25\n");
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();

        using (var auto = con.Query($"SELECT * FROM read_csv_auto('{csv}')"))
        {
            CollectionAssert.AreEqual(new[] { "path", "label", "weight" }, Enumerable.Range(0, auto.FieldCount).Select(auto.GetName).ToArray());
            Assert.AreEqual(DuckDbType.Double, auto.GetColumnType(2));
        }

        var options = DuckDbCsvRejects.ReadCsvOptions(("path", "VARCHAR"), ("label", "VARCHAR"), ("weight", "DOUBLE"));
        using var reader = con.Query($"SELECT * FROM read_csv('{csv}', {options})");
        var rows = new List<(string?, string?, double)>();
        while (reader.Read())
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetDouble(2)));
        CollectionAssert.AreEqual(new[]
        {
            ("images/a.png", "cat", 1.5),
            ("images/with,comma.png", "quoted \"dog\"", 2.0),
            ("images/ü.png", (string?)null, 3.25),
        }.Select(r => ((string?)r.Item1, r.Item2, r.Item3)).ToList(), rows);
    }

    [TestMethod]
    public void MalformedCsvWithExplicitDialectFailsNamingTheLine()
    {
        using var folder = new DuckDbTempFolder();
        var csv = folder.File("bad.csv");
        File.WriteAllText(csv, "path,label,weight\na.png,cat,1.0\nb.png,dog,2.0\nc.png,cow,x\nd.png,bird,4.0\n");
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        var options = DuckDbCsvRejects.ReadCsvOptions(("path", "VARCHAR"), ("label", "VARCHAR"), ("weight", "DOUBLE"));
        var e = Assert.ThrowsExactly<DuckDbException>(() => con.Query($"SELECT * FROM read_csv('{csv}', {options})"));
        StringAssert.Contains(e.Message, "CSV Error on Line: 4");
        StringAssert.Contains(e.Message, "c.png,cow,x");
    }

    [TestMethod]
    public void StoreRejectsReportsEveryBadLineWithItsNumber()
    {
        using var folder = new DuckDbTempFolder();
        var csv = folder.File("rejects.csv");
        // Lines: 1 header, 2 ok, 3 ok, 4 bad number, 5 ok, 6 too many columns, 7 too few.
        File.WriteAllText(csv, "path,label,weight\na.png,cat,1.0\nb.png,dog,2.0\nc.png,cow,x\nd.png,bird,4.0\ne.png,fish,3.0,extra\nf.png,ant\n");
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        var options = DuckDbCsvRejects.ReadCsvOptions(("path", "VARCHAR"), ("label", "VARCHAR"), ("weight", "DOUBLE"));

        DuckDbCsvRejects.Clear(con); // nothing to clear yet: must not fail
        Assert.AreEqual(0, DuckDbCsvRejects.Read(con).Count);
        // Reading only some columns skips converting the others: c.png's bad weight goes unnoticed.
        Assert.AreEqual(4L, con.ExecuteScalar($"SELECT count(path) FROM read_csv('{csv}', {options}, store_rejects=true)"));
        Assert.IsFalse(DuckDbCsvRejects.Read(con).Any(r => r.Line == 4), "a column not read is not validated");
        DuckDbCsvRejects.Clear(con);

        // Every column read: every bad line is caught.
        using (var reader = con.Query($"SELECT * FROM read_csv('{csv}', {options}, store_rejects=true) ORDER BY path"))
        {
            var good = new List<string?>();
            while (reader.Read())
                good.Add(reader.GetString(0));
            CollectionAssert.AreEqual(new[] { "a.png", "b.png", "d.png" }, good, string.Join(",", good));
        }

        var rejects = DuckDbCsvRejects.Read(con);
        CollectionAssert.AreEqual(new[] { 4L, 6L, 7L }, rejects.Select(r => r.Line).ToArray(), string.Join(" / ", rejects));
        Assert.AreEqual("CAST", rejects[0].Kind);
        Assert.AreEqual("weight", rejects[0].Column);
        Assert.AreEqual("c.png,cow,x", rejects[0].Text);
        Assert.AreEqual("TOO MANY COLUMNS", rejects[1].Kind);
        Assert.AreEqual("MISSING COLUMNS", rejects[2].Kind);
        StringAssert.StartsWith(rejects[0].ToString(), $"{csv}: line 4: ");
        StringAssert.Contains(rejects[0].ToString(), "Could not convert string \"x\"");

        // After Clear, a clean scan on the same connection reports nothing.
        DuckDbCsvRejects.Clear(con);
        var clean = folder.File("clean.csv");
        File.WriteAllText(clean, "path,label,weight\nz.png,zebra,1\n");
        using (con.Query($"SELECT * FROM read_csv('{clean}', {options}, store_rejects=true)")) { }
        Assert.AreEqual(0, DuckDbCsvRejects.Read(con).Count);
    }

    [TestMethod]
    public void UnterminatedQuoteSwallowsTheRestOfTheFileAsOneReject()
    {
        using var folder = new DuckDbTempFolder();
        var csv = folder.File("quote.csv");
        File.WriteAllText(csv, "path,label,weight\na.png,cat,1.0\nc.png,\"open,3.0\nd.png,x,4\n");
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        var options = DuckDbCsvRejects.ReadCsvOptions(("path", "VARCHAR"), ("label", "VARCHAR"), ("weight", "DOUBLE"));
        Assert.AreEqual(1L, con.ExecuteScalar($"SELECT count(*) FROM read_csv('{csv}', {options}, store_rejects=true)"));
        var rejects = DuckDbCsvRejects.Read(con);
        Assert.AreEqual(1, rejects.Count);
        Assert.AreEqual(3L, rejects[0].Line);
        Assert.AreEqual("UNQUOTED VALUE", rejects[0].Kind);
        StringAssert.Contains(rejects[0].Text, "d.png", "the rows after the open quote are part of the rejected record");
    }

    [TestMethod]
    public void ReadCsvAutoMisreadsAMalformedManifestWithoutAnError()
    {
        // Why manifests are read with an explicit dialect: on this file the sniffer settles on a one-column
        // reading and reports no error at all.
        using var folder = new DuckDbTempFolder();
        var csv = folder.File("auto.csv");
        File.WriteAllText(csv, "path,label,weight\na.png,cat,1.0\nb.png,dog,2.0\nc.png,cow,x\nd.png,bird,4.0\ne.png,fish,3.0,extra\nf.png,ant\n");
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        using var reader = con.Query($"SELECT * FROM read_csv_auto('{csv}')");
        Assert.AreNotEqual(3, reader.FieldCount, "read_csv_auto did find the three columns this time; the remark in DuckDbCsvRejects is out of date");
    }
}
