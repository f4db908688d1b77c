using System.Security.Cryptography;
using MLNetAttn.Zoo.Store;

namespace MLNetAttn.Zoo.Tests.Store;

[TestClass]
public sealed class ModelStoreTests
{
    private string _home = "";
    private LoopbackHttpServer _server = null!;
    private readonly byte[] _payload = MakePayload(300_000);

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Start()
    {
        _home = Path.Combine(Path.GetTempPath(), "mlnetattn-store-" + Guid.NewGuid().ToString("N"));
        _server = new LoopbackHttpServer();
    }

    [TestCleanup]
    public void Stop()
    {
        _server.Dispose();
        if (Directory.Exists(_home))
            Directory.Delete(_home, recursive: true);
    }

    private ModelStore NewStore(int attempts = 3, double stallSeconds = 10, bool offline = false)
        => new(new ModelStoreOptions { Home = _home, MaxAttempts = attempts, StallTimeout = TimeSpan.FromSeconds(stallSeconds), Offline = offline });

    private string Sha => Convert.ToHexStringLower(SHA256.HashData(_payload));

    [TestMethod]
    public async Task DownloadsVerifiesAndCaches()
    {
        _server.Serve("/w/model.pth", _payload);
        using var store = NewStore();
        var path = await store.GetAsync(_server.Url("/w/model.pth"), Sha, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Path.Combine(_home, "checkpoints", "model.pth"), path);
        CollectionAssert.AreEqual(_payload, await File.ReadAllBytesAsync(path, TestContext.CancellationToken));
        Assert.IsFalse(File.Exists(path + ".partial"));

        // A second request is answered from the cache without touching the network.
        Assert.AreEqual(path, await store.GetAsync(_server.Url("/w/model.pth"), Sha, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(1, _server.Hits("/w/model.pth"));
    }

    [TestMethod]
    public async Task NotFoundNamesTheUrlAndDoesNotRetry()
    {
        using var store = NewStore();
        var e = await Assert.ThrowsExactlyAsync<ModelDownloadException>(() => store.GetAsync(_server.Url("/nothing/here.pth"), cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, "/nothing/here.pth");
        StringAssert.Contains(e.Message, "404");
        Assert.AreEqual(1, _server.Hits("/nothing/here.pth"));
        Assert.IsFalse(File.Exists(Path.Combine(_home, "checkpoints", "here.pth")));
    }

    [TestMethod]
    public async Task TruncatedBodyIsResumedWithARangeRequest()
    {
        _server.Serve("/t/model.pth", _payload, ServeMode.TruncateFirst);
        using var store = NewStore();
        var path = await store.GetAsync(_server.Url("/t/model.pth"), Sha, cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(_payload, await File.ReadAllBytesAsync(path, TestContext.CancellationToken));
        Assert.AreEqual(2, _server.Hits("/t/model.pth"));
        Assert.AreEqual($"bytes={_payload.Length / 2}-", _server.RangeHeaders.Single());
    }

    [TestMethod]
    public async Task ServerIgnoringRangesMakesTheDownloadStartOver()
    {
        _server.Serve("/n/model.pth", _payload, ServeMode.TruncateFirstNoRange);
        using var store = NewStore();
        var path = await store.GetAsync(_server.Url("/n/model.pth"), Sha, cancellationToken: TestContext.CancellationToken);
        CollectionAssert.AreEqual(_payload, await File.ReadAllBytesAsync(path, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task AlwaysTruncatedKeepsThePartialFileAndSaysSo()
    {
        _server.Serve("/a/model.pth", _payload, ServeMode.AlwaysTruncate);
        using var store = NewStore(attempts: 2);
        var e = await Assert.ThrowsExactlyAsync<ModelDownloadException>(() => store.GetAsync(_server.Url("/a/model.pth"), Sha, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, "after 2 attempts");
        StringAssert.Contains(e.Message, "ended prematurely");
        StringAssert.Contains(e.Message, $"The {_payload.Length / 2 + _payload.Length / 4} bytes received so far are kept in");
        Assert.AreEqual(_payload.Length / 2 + _payload.Length / 4, new FileInfo(Path.Combine(_home, "checkpoints", "model.pth.partial")).Length, "the second attempt should have resumed and appended");
        Assert.IsTrue(File.Exists(Path.Combine(_home, "checkpoints", "model.pth.partial")));
        Assert.IsFalse(File.Exists(Path.Combine(_home, "checkpoints", "model.pth")));
    }

    [TestMethod]
    public async Task RefusedConnectionSaysNothingWasReceivedAndHowToPassALocalCopy()
    {
        // A port that was just free: nothing listens there, so every attempt is refused before any byte arrives.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var store = NewStore(attempts: 2);
        var e = await Assert.ThrowsExactlyAsync<ModelDownloadException>(() => store.GetAsync(new Uri($"http://127.0.0.1:{port}/r/model.pth"), Sha, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, "after 2 attempts");
        StringAssert.Contains(e.Message, "No bytes were received.");
        StringAssert.Contains(e.Message, "--checkpoint");
        Assert.DoesNotContain(".partial", e.Message, "no partial file exists, so the message must not point at one");
        Assert.IsFalse(File.Exists(Path.Combine(_home, "checkpoints", "model.pth.partial")));
    }

    [TestMethod]
    public async Task WrongHashIsDeletedAndReported()
    {
        _server.Serve("/h/model.pth", _payload);
        using var store = NewStore();
        var wrong = new string('0', 64);
        var e = await Assert.ThrowsExactlyAsync<ModelDownloadException>(() => store.GetAsync(_server.Url("/h/model.pth"), wrong, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, Sha);
        StringAssert.Contains(e.Message, wrong);
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(_home, "checkpoints")));
    }

    [TestMethod]
    public async Task StalledServerTimesOut()
    {
        _server.Serve("/s/model.pth", _payload, ServeMode.Stall);
        using var store = NewStore(attempts: 1, stallSeconds: 0.5);
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsExactlyAsync<ModelDownloadException>(() => store.GetAsync(_server.Url("/s/model.pth"), cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, "no data for 0.5 s");
        Assert.IsLessThan(TimeSpan.FromSeconds(20), DateTime.UtcNow - started, "the stall timeout did not fire");
    }

    [TestMethod]
    public async Task OfflineModeRefusesToDownloadAndSaysWhereTheFileGoes()
    {
        _server.Serve("/o/model.pth", _payload);
        using var store = NewStore(offline: true);
        var e = await Assert.ThrowsExactlyAsync<ModelDownloadException>(() => store.GetAsync(_server.Url("/o/model.pth"), cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, Path.Combine(_home, "checkpoints", "model.pth"));
        StringAssert.Contains(e.Message, ModelStoreOptions.OfflineVariable);
        StringAssert.Contains(e.Message, "--checkpoint");
        Assert.AreEqual(0, _server.Hits("/o/model.pth"));
    }

    [TestMethod]
    public async Task CorruptedCacheEntryIsDownloadedAgain()
    {
        _server.Serve("/c/model.pth", _payload);
        Directory.CreateDirectory(Path.Combine(_home, "checkpoints"));
        await File.WriteAllBytesAsync(Path.Combine(_home, "checkpoints", "model.pth"), [1, 2, 3], TestContext.CancellationToken);
        using var store = NewStore();
        var path = await store.GetAsync(_server.Url("/c/model.pth"), Sha, cancellationToken: TestContext.CancellationToken);
        CollectionAssert.AreEqual(_payload, await File.ReadAllBytesAsync(path, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task ResolveReturnsLocalFilesAsTheyAre()
    {
        var local = Path.Combine(Path.GetTempPath(), "mlnetattn-local-" + Guid.NewGuid().ToString("N") + ".pth");
        await File.WriteAllBytesAsync(local, _payload, TestContext.CancellationToken);
        try
        {
            using var store = NewStore(offline: true);
            Assert.AreEqual(local, await store.ResolveAsync(local, cancellationToken: TestContext.CancellationToken));
            Assert.ThrowsExactly<FileNotFoundException>(() => store.ResolveAsync("/no/such/checkpoint.pth", cancellationToken: TestContext.CancellationToken));
        }
        finally
        {
            File.Delete(local);
        }
    }

    private static byte[] MakePayload(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }
}
