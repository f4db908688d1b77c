using MLNetAttn.Cli.Scoring.DuckDb;

namespace MLNetAttn.Cli.Tests.Scoring;

/// <summary>A fresh folder under the system temp folder, deleted on dispose; database files go here.</summary>
internal sealed class DuckDbTempFolder : IDisposable
{
    public DuckDbTempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlnetattn-duckdb-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[TestClass]
public sealed class DuckDbDatabaseTests
{
    [TestMethod]
    public void LoadsTheBundledLibraryVersion156()
    {
        Assert.AreEqual("v1.5.6", DuckDbDatabase.LibraryVersion);
        StringAssert.EndsWith(DuckDbDatabase.LibraryPath, "libduckdb.so");
    }

    [TestMethod]
    public void OpenCreatesTheFileAndOptionsReachDuckDb()
    {
        using var folder = new DuckDbTempFolder();
        var path = folder.File("opts.duckdb");
        using (var db = DuckDbDatabase.Open(path, new DuckDbOptions { Threads = 2, MemoryLimit = "512MB" }))
        using (var con = db.Connect())
        {
            Assert.AreEqual(2L, con.ExecuteScalar("SELECT current_setting('threads')::BIGINT"));
            Assert.AreEqual(path, db.Path);
        }
        Assert.IsTrue(File.Exists(path), "the database file should exist after open/close");
    }

    [TestMethod]
    public void UnknownSettingIsRefusedNamingIt()
    {
        using var folder = new DuckDbTempFolder();
        var e = Assert.ThrowsExactly<DuckDbException>(() => DuckDbDatabase.Open(folder.File("x.duckdb"),
            new DuckDbOptions { Settings = new Dictionary<string, string> { ["no_such_setting"] = "1" } }));
        StringAssert.Contains(e.Message, "no_such_setting");
    }

    [TestMethod]
    public void OpeningAFolderThatDoesNotExistFailsWithThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "mlnetattn-missing-" + Guid.NewGuid().ToString("N"), "db.duckdb");
        var e = Assert.ThrowsExactly<DuckDbException>(() => DuckDbDatabase.Open(path));
        StringAssert.Contains(e.Message, path);
        Assert.IsFalse(string.IsNullOrEmpty(e.NativeMessage));
    }

    [TestMethod]
    public void OpeningAFileThatIsNotADatabaseFails()
    {
        using var folder = new DuckDbTempFolder();
        var path = folder.File("not.duckdb");
        File.WriteAllText(path, "this is plain text, not a DuckDB database file, and long enough to have a header");
        var e = Assert.ThrowsExactly<DuckDbException>(() => DuckDbDatabase.Open(path));
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void InMemoryDatabaseWorks()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var con = db.Connect();
        Assert.AreEqual(42L, con.ExecuteScalar("SELECT 42"));
    }

    [TestMethod]
    public void OpeningOneFileTwiceSharesOneEngine()
    {
        using var folder = new DuckDbTempFolder();
        var path = folder.File("twice.duckdb");
        var first = DuckDbDatabase.Open(path);
        using (var a = first.Connect())
            a.Execute("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1)");
        using (var second = DuckDbDatabase.Open(path))
        {
            using var b = second.Connect();
            Assert.AreEqual(1L, b.ExecuteScalar("SELECT count(*) FROM t"), "the second open sees the first one's table");
            b.Execute("INSERT INTO t VALUES (2)");
            first.Dispose();
            b.Execute("INSERT INTO t VALUES (3)");
        }
        using var third = DuckDbDatabase.Open(path);
        using var c = third.Connect();
        Assert.AreEqual(6L, c.ExecuteScalar("SELECT sum(x) FROM t"), "no write was lost to a second engine");
    }

    [TestMethod]
    public void InMemoryDatabasesArePrivateToEachOpen()
    {
        using var a = DuckDbDatabase.Open(DuckDbDatabase.MemoryPath);
        using var b = DuckDbDatabase.Open(DuckDbDatabase.MemoryPath);
        using var ca = a.Connect();
        using var cb = b.Connect();
        ca.Execute("CREATE TABLE only_in_a(x INTEGER)");
        var e = Assert.ThrowsExactly<DuckDbException>(() => cb.Execute("SELECT * FROM only_in_a"));
        Assert.AreEqual(DuckDbErrorKind.Catalog, e.ErrorKind);
    }

    [TestMethod]
    public void SecondOpenOfAFileWithOtherOptionsIsRefused()
    {
        using var folder = new DuckDbTempFolder();
        var path = folder.File("options.duckdb");
        using var first = DuckDbDatabase.Open(path, new DuckDbOptions { Threads = 2 });
        var e = Assert.ThrowsExactly<DuckDbException>(() => DuckDbDatabase.Open(path, new DuckDbOptions { Threads = 1 }));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "different configuration");
        using var same = DuckDbDatabase.Open(path, new DuckDbOptions { Threads = 2 });
    }
}
