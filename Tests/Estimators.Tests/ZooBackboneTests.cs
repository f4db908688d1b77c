using System.Security.Cryptography;
using MLNetAttn.Zoo;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Store;
using MLNetAttn.Zoo.Tests.Architectures;
using MLNetAttn.Zoo.Tests.Store;

namespace MLNetAttn.Estimators.Tests;

/// <summary>
/// Backbones by zoo name: <see cref="ConvertedModels"/> converts a checkpoint once into the store's home and reuses
/// it; <c>ApplyBackbone</c> takes a zoo name, a checkpoint path or URL, and still takes ONNX files.
/// </summary>
[TestClass]
public sealed class ZooBackboneTests
{
    private string _home = "";

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Start() => _home = TestData.TempFolder();

    [TestCleanup]
    public void Stop() => Directory.Delete(_home, recursive: true);

    // shvit_s1 in the official layout with random weights, at 64 px (the smallest SHViT input) so conversion is quick.
    private static ParityFixture Shvit() => ParityFixture.Generate("shvit_s1", 64, batch: 1);

    private static readonly ExportOptions At64 = new() { Resolution = 64 };

    private ModelStore Store(bool offline = false) => new(new ModelStoreOptions { Home = _home, Offline = offline });

    [TestMethod]
    public async Task ConvertsOnceIntoTheHomeAndReuses()
    {
        var fixture = Shvit();
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(fixture.CheckpointPath)));
        using var store = Store();
        var path = await ConvertedModels.GetOnnxAsync("shvit_s1", fixture.CheckpointPath, At64, store, TestContext.CancellationToken);
        Assert.AreEqual(Path.Combine(_home, "onnx", $"shvit_s1.in1k_r64_{sha[..12]}.onnx"), path);
        var written = File.GetLastWriteTimeUtc(path);
        Assert.AreEqual(path, await ConvertedModels.GetOnnxAsync("shvit_s1.in1k", fixture.CheckpointPath, At64, store, TestContext.CancellationToken));
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(path), "the second call must reuse the file, not convert again");
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(_home, "onnx"), "*.tmp"), "no temporary file is left behind");

        var fp16 = await ConvertedModels.GetOnnxAsync("shvit_s1", fixture.CheckpointPath, At64 with { Fp16Weights = true, Features = true }, store, TestContext.CancellationToken);
        Assert.AreEqual($"shvit_s1.in1k_r64_fp16_features_{sha[..12]}.onnx", Path.GetFileName(fp16));
        Assert.IsLessThan(new FileInfo(path).Length, new FileInfo(fp16).Length, "fp16 weights take about half the bytes");
    }

    [TestMethod]
    public async Task DownloadsTheCheckpointOnceThenWorksOffline()
    {
        var bytes = File.ReadAllBytes(Shvit().CheckpointPath);
        using var server = new LoopbackHttpServer();
        server.Serve("/w/shvit_s1.pth", bytes);
        var url = server.Url("/w/shvit_s1.pth").ToString();
        using (var store = Store())
            await ConvertedModels.GetOnnxAsync("shvit_s1", url, At64, store, TestContext.CancellationToken);
        using (var offline = Store(offline: true))
        {
            var path = await ConvertedModels.GetOnnxAsync("shvit_s1", url, At64, offline, TestContext.CancellationToken);
            Assert.IsTrue(File.Exists(path));
        }
        Assert.AreEqual(1, server.Hits("/w/shvit_s1.pth"), "the cached checkpoint is used by the second, offline call");
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(Path.Combine(_home, "checkpoints", "shvit_s1.pth")));
    }

    [TestMethod]
    public async Task RefusalsSayWhatToDo()
    {
        using var store = Store(offline: true);
        var noWeights = await Assert.ThrowsExactlyAsync<ArgumentException>(() => ConvertedModels.GetOnnxAsync("cloformer_xs", store: store));
        StringAssert.Contains(noWeights.Message, "--checkpoint");
        var offline = await Assert.ThrowsExactlyAsync<ModelDownloadException>(() => ConvertedModels.GetOnnxAsync("shvit_s4", store: store));
        StringAssert.Contains(offline.Message, "MLNETATTN_OFFLINE");
        await Assert.ThrowsExactlyAsync<KeyNotFoundException>(() => ConvertedModels.GetOnnxAsync("resnet50", store: store));

        var vision = new VisionContext();
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => vision.Transforms.ApplyBackbone("no_such_model.onnx"));
        StringAssert.Contains(missing.Message, "zoo list");
        Assert.ThrowsExactly<ArgumentException>(() => vision.Transforms.ApplyBackbone("cloformer_xxs", new BackboneOptions { Store = store }));
    }

    [TestMethod]
    public void ZooNameAndConvertedFileGiveTheSamePredictions()
    {
        var fixture = Shvit();
        using var store = Store();
        var vision = new VisionContext();
        var byName = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ApplyBackbone("shvit_s1", new BackboneOptions { Checkpoint = fixture.CheckpointPath, Export = At64, Store = store }))
            .Append(vision.Transforms.ApplyClassificationHead());
        var file = Directory.GetFiles(Path.Combine(_home, "onnx")).Single();
        var byFile = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ApplyBackbone(file))
            .Append(vision.Transforms.ApplyClassificationHead());

        var rows = TestData.Photos.Append("truncated.jpg").Select(p => new PathRow { ImagePath = Path.Combine(TestData.Images, p) }).ToArray();
        var data = vision.Data.LoadFromEnumerable(rows);
        var a = vision.Data.CreateEnumerable<Prediction>(byName.Fit(data).Transform(data)).ToArray();
        var b = vision.Data.CreateEnumerable<Prediction>(byFile.Fit(data).Transform(data)).ToArray();
        Assert.HasCount(6, a);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.AreEqual(b[i].Error, a[i].Error);
            CollectionAssert.AreEqual(b[i].Score, a[i].Score, rows[i].ImagePath);
        }
        Assert.IsNotNull(a[^1].Error, "truncated.jpg is marked, not dropped");
        Assert.IsTrue(a[..^1].All(p => p.Error is null && p.Score.Length == 1000 && p.PredictedLabel is not null));

        // The card's eval preprocessing at 64 px: shorter side int(256 / 224 * 64) = 73, bicubic, ImageNet statistics.
        var spec = BackboneSpec.FromCard(ModelZoo.Get("shvit_s1"), 64);
        Assert.AreEqual((64, 73), (spec.Height, spec.ResizeSize));
    }
}
