using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
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

        var u8 = await ConvertedModels.GetOnnxAsync("shvit_s1", fixture.CheckpointPath, At64 with { Uint8Input = true }, store, TestContext.CancellationToken);
        Assert.AreEqual($"shvit_s1.in1k_r64_u8_{sha[..12]}.onnx", Path.GetFileName(u8), "a uint8-input graph is a file of its own, never served for a float request");

        // Normalized floats handed to the uint8 graph by hand are refused, naming the type the graph takes.
        var vision = new VisionContext();
        var data = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(TestData.Images, "chelsea.png") } });
        var floats = vision.Transforms.LoadImages("Image", null, "ImagePath").Append(vision.Transforms.ResizeImages("Image", 64, 64))
            .Append(vision.Transforms.ExtractPixels("input", "Image", TestData.ImageNetMean, TestData.ImageNetStd))
            .Append(vision.Transforms.ApplyOnnxModel(u8));
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => floats.Fit(data).Transform(data));
        StringAssert.Contains(error.Message, "expected Vector<Byte,3,64,64>, got Vector<Single,3,64,64>");
    }

    [TestMethod]
    public void Uint8InputBackboneScoresLikeTheFloatOneOnRealPhotos()
    {
        // The same checkpoint converted twice: float input (the pipeline normalizes) and uint8 input (the graph does,
        // with the scale folded into the first conv). ApplyBackbone picks byte pixels for the second by its input type.
        var checkpoint = Shvit().CheckpointPath;
        using var store = Store(offline: true);
        var vision = new VisionContext();
        var data = vision.Data.LoadFromEnumerable(TestData.Photos.Select(p => new PathRow { ImagePath = Path.Combine(TestData.Images, p) }).ToArray());
        float[][] Logits(bool uint8)
        {
            var backbone = vision.Transforms.ApplyBackbone("shvit_s1", new BackboneOptions
            {
                Checkpoint = checkpoint,
                Export = At64 with { Uint8Input = uint8 },
                Store = store,
            });
            var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath").Append(backbone);
            var transformed = pipeline.Fit(data).Transform(data);
            Assert.AreEqual(uint8 ? "Vector<Byte,3,64,64>" : "Vector<Single,3,64,64>", transformed.Schema["input"].Type.ToString());
            return vision.Data.CreateEnumerable<Prediction>(transformed, ignoreMissingColumns: true).Select(p => p.Logits).ToArray();
        }
        var exact = Logits(uint8: false);
        var folded = Logits(uint8: true);
        Assert.HasCount(TestData.Photos.Length, folded);
        for (var i = 0; i < exact.Length; i++)
        {
            var scale = exact[i].Max(Math.Abs);
            var worst = exact[i].Zip(folded[i], (x, y) => Math.Abs(x - y)).Max();
            TestContext.WriteLine($"{TestData.Photos[i],-22} max|logit| {scale:0.00}  max|Δ| {worst:E2}");
            // Tolerance: float rounding only (the fold is exact in real arithmetic): 1e-4 of the largest logit.
            Assert.IsLessThanOrEqualTo(1e-4 * scale + 1e-5, worst, TestData.Photos[i]);
        }
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
    [DoNotParallelize] // sets MLNETATTN_HOME and MLNETATTN_OFFLINE for the process
    public void APlainZooNameUsesTheDefaultStore()
    {
        // The official file name in the cache stands in for the release (SHViT's cards carry no SHA-256 pin), so the
        // plain name resolves offline: cache -> conversion at the card's 224 px -> the backbone.
        var card = ModelZoo.Get("shvit_s1");
        Directory.CreateDirectory(Path.Combine(_home, "checkpoints"));
        File.Copy(Shvit().CheckpointPath, Path.Combine(_home, "checkpoints", Path.GetFileName(new Uri(card.Url!).LocalPath)));
        var saved = (Home: Environment.GetEnvironmentVariable(ModelStoreOptions.HomeVariable), Offline: Environment.GetEnvironmentVariable(ModelStoreOptions.OfflineVariable));
        Environment.SetEnvironmentVariable(ModelStoreOptions.HomeVariable, _home);
        Environment.SetEnvironmentVariable(ModelStoreOptions.OfflineVariable, "1");
        try
        {
            var vision = new VisionContext();
            var backbone = vision.Transforms.ApplyBackbone("shvit_s1");
            var file = Directory.GetFiles(Path.Combine(_home, "onnx")).Single();
            StringAssert.StartsWith(Path.GetFileName(file), "shvit_s1.in1k_r224_");
            var data = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(TestData.Images, "chelsea.png") } });
            var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath").Append(backbone).Append(vision.Transforms.ApplyClassificationHead());
            var prediction = vision.Data.CreateEnumerable<Prediction>(pipeline.Fit(data).Transform(data)).Single();
            Assert.IsNull(prediction.Error);
            Assert.HasCount(1000, prediction.Logits);
            Assert.ThrowsExactly<ModelDownloadException>(() => vision.Transforms.ApplyBackbone("shvit_s2"), "offline and not cached");
        }
        finally
        {
            Environment.SetEnvironmentVariable(ModelStoreOptions.HomeVariable, saved.Home);
            Environment.SetEnvironmentVariable(ModelStoreOptions.OfflineVariable, saved.Offline);
        }
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

    /// <summary>
    /// End to end against PyTorch, one converted random-weight model per family at 224 px: the .NET pipeline (decode,
    /// the card's eval preprocessing, ONNX, softmax) against the reference module fed by PIL + torchvision's eval
    /// transform (Tests/Reference/make_e2e_fixtures.py). Asserted: the same top-1 class on every photo, the same
    /// top-5 set on at least 4 of the 5 photos, and the top-1 probability within <see cref="E2eProbabilityTolerance"/>.
    /// </summary>
    [TestMethod]
    [TestCategory("FullSize")]
    [DataRow("shvit_s1")]
    [DataRow("efficientvit_b1")]
    [DataRow("cloformer_xxs")]
    public void TopClassesMatchPyTorchOnEveryPhoto(string variant)
    {
        const int resolution = 224;
        var fixture = ParityFixture.Generate(variant, resolution, batch: 2);
        using var reference = JsonDocument.Parse(File.ReadAllText(E2eReference(fixture, resolution)));
        var root = reference.RootElement;
        var card = ModelZoo.Get(variant);
        Assert.AreEqual(root.GetProperty("resize_size").GetInt32(), BackboneSpec.FromCard(card, resolution).ResizeSize,
            "the card's resize size is the one the official eval script computes");

        using var store = Store();
        var vision = new VisionContext();
        var pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(vision.Transforms.ApplyBackbone(variant, new BackboneOptions
            {
                Checkpoint = fixture.CheckpointPath, Export = new ExportOptions { Resolution = resolution }, Store = store,
            }))
            .Append(vision.Transforms.ApplyClassificationHead(topK: 5));
        var photos = root.GetProperty("photos").EnumerateArray().ToArray();
        var data = vision.Data.LoadFromEnumerable(photos.Select(p => new PathRow { ImagePath = Path.Combine(TestData.Images, p.GetProperty("photo").GetString()!) }).ToArray());
        var predictions = vision.Data.CreateEnumerable<Prediction>(pipeline.Fit(data).Transform(data)).ToArray();
        Assert.HasCount(photos.Length, predictions);

        int sameTop5 = 0;
        double worstP = 0;
        for (var i = 0; i < photos.Length; i++)
        {
            var name = photos[i].GetProperty("photo").GetString()!;
            var torchTop = photos[i].GetProperty("top5").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var torchP = photos[i].GetProperty("probabilities").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var p = predictions[i];
            Assert.IsNull(p.Error, name);
            // Ranked by logit, as the reference ranks (the same order as the probabilities, without float32 ties).
            var ours = Enumerable.Range(0, p.Logits.Length).OrderByDescending(k => p.Logits[k]).ThenBy(k => k).Take(5).ToArray();
            var same = ours.Order().SequenceEqual(torchTop.Order());
            if (same) sameTop5++;
            var dp = Math.Abs(p.Score[torchTop[0]] - torchP[0]);
            worstP = Math.Max(worstP, dp);
            TestContext.WriteLine($"{variant} {name,-22} top1 {p.TopKIndices[0]} (torch {torchTop[0]}) p {p.Score[p.TopKIndices[0]]:F5} (torch {torchP[0]:F5}) " +
                                  $"top5 {string.Join(",", ours)} (torch {string.Join(",", torchTop)}) {(same ? "same set" : "DIFFERENT set")}");
            Assert.AreEqual(torchTop[0], p.TopKIndices[0], $"{variant} {name}: top-1 class");
            Assert.AreEqual(ClassificationHeadTransformer.ImageNetLabels[torchTop[0]], p.PredictedLabel);
        }
        TestContext.WriteLine($"{variant}: same top-5 set on {sameTop5}/{photos.Length} photos; worst |p(top1) - torch| {worstP:E2}");
        Assert.IsGreaterThanOrEqualTo(photos.Length - 1, sameTop5, $"{variant}: same top-5 set on only {sameTop5} of {photos.Length} photos");
        Assert.IsLessThanOrEqualTo(E2eProbabilityTolerance, worstP);
    }

    /// <summary>
    /// The top-1 probability within 1e-5 of torch's: the preprocessed pixels equal PIL's, so what remains is float32
    /// accumulation order through the network (torch's and ONNX Runtime's kernels) and folded BatchNorm.
    /// </summary>
    private const double E2eProbabilityTolerance = 1e-5;

    /// <summary>PyTorch's top-5 per photo for a generated fixture, made once by make_e2e_fixtures.py and kept beside the fixture.</summary>
    private static string E2eReference(ParityFixture fixture, int resolution)
    {
        var path = Path.Combine(fixture.Folder, $"e2e_r{resolution}.json");
        if (File.Exists(path))
            return path;
        var script = Path.Combine(RepositoryRoot(), "Tests", "Reference", "make_e2e_fixtures.py");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("MLNETATTN_PYTHON") ?? "/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, "--fixture", fixture.Folder, "--resolution", resolution.ToString(System.Globalization.CultureInfo.InvariantCulture), "--images", TestData.Images, "--out", path })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(5)), "make_e2e_fixtures.py did not finish in 5 minutes");
        Assert.AreEqual(0, process.ExitCode, $"make_e2e_fixtures.py failed (needs Debian's python3-torch): {stdout}{stderr.Result}");
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLNetAttn.sln")))
                return dir.FullName;
        throw new InvalidOperationException("the repository root (MLNetAttn.sln) is not above the test output folder");
    }
}
