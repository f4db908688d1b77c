using System.Text.Json;

namespace MLNetAttn.Zoo.Tests;

/// <summary>Sweeps the registry: every card agrees with the official module's manifest and with its family's rules.</summary>
[TestClass]
public sealed class ModelZooTests
{
    private static readonly string Manifests = Path.Combine(AppContext.BaseDirectory, "Fixtures", "manifests");

    [TestMethod]
    public void EveryArchitectureHasAManifestWithTheSameParameterCount()
    {
        foreach (var arch in ModelZoo.All.Select(c => c.Architecture).Distinct())
        {
            var path = Path.Combine(Manifests, arch + ".json");
            Assert.IsTrue(File.Exists(path), $"no manifest for {arch}");
            using var manifest = JsonDocument.Parse(File.ReadAllText(path));
            var parameters = manifest.RootElement.GetProperty("params").GetInt64();
            foreach (var card in ModelZoo.All.Where(c => c.Architecture == arch))
                Assert.AreEqual(parameters, card.Parameters, card.Name);
        }
    }

    [TestMethod]
    public void PublishedParameterCountsAreThoseTheIssueQuotes()
    {
        Assert.AreEqual(6_330_808, ModelZoo.Get("shvit_s1").Parameters);
        Assert.AreEqual(16_588_484, ModelZoo.Get("shvit_s4").Parameters);
        Assert.AreEqual(9.10, ModelZoo.Get("efficientvit_b1").Parameters / 1e6, 0.005);
        Assert.AreEqual(48.65, ModelZoo.Get("efficientvit_b3").Parameters / 1e6, 0.005);
        Assert.AreEqual(7.17, ModelZoo.Get("cloformer_xs").Parameters / 1e6, 0.005);
    }

    [TestMethod]
    public void NamesResolveByArchitectureAndByTag()
    {
        Assert.AreEqual("efficientvit_b1.r224_in1k", ModelZoo.Get("efficientvit_b1").Name);
        Assert.AreEqual(256, ModelZoo.Get("EfficientViT_B1.r256_in1k").InputSize);
        Assert.AreEqual(256, ModelZoo.Get("shvit_s4").InputSize);
        var e = Assert.ThrowsExactly<KeyNotFoundException>(() => ModelZoo.Get("shvit_s9"));
        StringAssert.Contains(e.Message, "shvit_s4");
        Assert.AreEqual(ModelZoo.All.Count, ModelZoo.All.Select(c => c.Name).Distinct().Count(), "card names must be unique");
    }

    [TestMethod]
    public void EvalResizeFollowsEachOfficialScript()
    {
        // SHViT and CloFormer: int(256 / 224 * size); EfficientViT: ceil(size / crop_ratio).
        Assert.AreEqual(256, ModelZoo.Get("shvit_s1").ResizeSize);
        Assert.AreEqual(292, ModelZoo.Get("shvit_s4").ResizeSize);
        Assert.AreEqual(236, ModelZoo.Get("efficientvit_b1.r224_in1k").ResizeSize);
        Assert.AreEqual(304, ModelZoo.Get("efficientvit_b1.r288_in1k").ResizeSize);
        Assert.AreEqual(256, ModelZoo.Get("efficientvit_b2.r256_in1k").ResizeSize);
        Assert.AreEqual(256, ModelZoo.Get("cloformer_xs").ResizeSize);
        foreach (var card in ModelZoo.All)
        {
            Assert.IsLessThanOrEqualTo(card.ResizeSize, card.InputSize, card.Name);
            Assert.AreEqual(Interpolation.Bicubic, card.Interpolation, card.Name);
        }
    }

    [TestMethod]
    public void CloFormerSaysItHasNoWeights()
    {
        foreach (var card in ModelZoo.All.Where(c => c.Family == ModelFamily.CloFormer))
        {
            Assert.IsFalse(card.WeightsReleased, card.Name);
            StringAssert.Contains(card.Notes!, "no pretrained weights");
            Assert.AreEqual(0, card.InputSize % 32, card.Name);
        }
        Assert.IsTrue(ModelZoo.All.Where(c => c.Family != ModelFamily.CloFormer && c.Architecture != "efficientvit_b0").All(c => c.WeightsReleased));
    }
}
