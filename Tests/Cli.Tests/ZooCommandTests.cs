using System.Text.Json;

namespace MLNetAttn.Cli.Tests;

[TestClass]
public sealed class ZooCommandTests
{
    [TestMethod]
    public void ZooListJsonHasOneLinePerCard()
    {
        var result = CliProcess.Run(TimeSpan.FromMinutes(1), "zoo", "list", "--json");
        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(MLNetAttn.Zoo.ModelZoo.All.Count, lines.Length);
        using var s4 = JsonDocument.Parse(lines.Single(l => l.Contains("\"shvit_s4.in1k\"")));
        Assert.AreEqual(256, s4.RootElement.GetProperty("input_size").GetInt32());
        Assert.AreEqual("bicubic", s4.RootElement.GetProperty("interpolation").GetString());
        using var clo = JsonDocument.Parse(lines.Single(l => l.Contains("\"cloformer_xs.in1k\"")));
        Assert.IsFalse(clo.RootElement.GetProperty("weights_released").GetBoolean());
    }

    [TestMethod]
    public void UnknownCommandFailsWithUsage()
    {
        var result = CliProcess.Run(TimeSpan.FromMinutes(1), "zoo", "frobnicate");
        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.StdErr + result.StdOut, "frobnicate");
    }
}
