using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>Session configuration entries: applied through AddSessionConfigEntry, scheduling only, never results.</summary>
[TestClass]
public sealed class OnnxSessionOptionsTests
{
    [TestMethod]
    public void SpinningOffAndConfigEntriesGiveIdenticalOutputs()
    {
        var pixels = OnnxFixtures.Expected("tiny_convnet.json")["input"].Floats();
        var reference = Score(new OnnxSessionOptions { IntraOpNumThreads = 2 }, pixels);
        var quiet = Score(new OnnxSessionOptions
        {
            IntraOpNumThreads = 2,
            AllowSpinning = false,
            ConfigEntries = new Dictionary<string, string> { ["session.inter_op.allow_spinning"] = "0" },
        }, pixels);

        // Bit-identical: spinning only changes how idle threads wait, not which kernels run on what.
        CollectionAssert.AreEqual(reference, quiet);
    }

    [TestMethod]
    public void ConfigEntryOverridesAllowSpinning()
    {
        var pixels = OnnxFixtures.Expected("tiny_convnet.json")["input"].Floats();
        var options = new OnnxSessionOptions
        {
            AllowSpinning = false,
            ConfigEntries = new Dictionary<string, string> { [OnnxSessionOptions.AllowSpinningKey] = "1" },
        };
        CollectionAssert.AreEqual(Score(OnnxSessionOptions.Default, pixels), Score(options, pixels));
    }

    [TestMethod]
    public void EmptyKeyIsRejectedWhenTheEntryIsAdded()
    {
        var options = new OnnxSessionOptions { ConfigEntries = new Dictionary<string, string> { [""] = "1" } };
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => OnnxSession.FromFile(OnnxFixtures.TinyConvnet, options));
        // The runtime's own check in AddSessionConfigEntry: proves the call reached that function.
        Assert.AreEqual(OnnxErrorCode.InvalidArgument, e.ErrorCode, e.Message);
        StringAssert.Contains(e.Message, "Config key is empty", "the runtime's reason should be passed on");
        StringAssert.Contains(e.Message, "session config entry", "the message should say which setting failed");
    }

    [TestMethod]
    public void MalformedValueOfACheckedKeyFailsSessionCreation()
    {
        // Thread affinities are parsed when the intra-op pool (2 threads: 1 extra) is built; letters are refused.
        var options = new OnnxSessionOptions
        {
            IntraOpNumThreads = 2,
            ConfigEntries = new Dictionary<string, string> { ["session.intra_op_thread_affinities"] = "maybe" },
        };
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => OnnxSession.FromFile(OnnxFixtures.TinyConvnet, options));
        StringAssert.Contains(e.Message, "maybe", "the runtime's reason names the bad value");
        StringAssert.Contains(e.Message, "tiny_convnet.onnx", "the message names the model");
    }

    [TestMethod]
    public void UncheckedValueForSpinningIsAcceptedAndChangesNothingElse()
    {
        // The runtime does not validate this key's value (documented on OnnxSessionOptions.ConfigEntries):
        // the session loads and scores exactly like the default one.
        var pixels = OnnxFixtures.Expected("tiny_convnet.json")["input"].Floats();
        var options = new OnnxSessionOptions { ConfigEntries = new Dictionary<string, string> { [OnnxSessionOptions.AllowSpinningKey] = "maybe" } };
        CollectionAssert.AreEqual(Score(OnnxSessionOptions.Default, pixels), Score(options, pixels));
    }

    [TestMethod]
    public void NulInKeyIsRejectedBeforeTheRuntime()
    {
        var options = new OnnxSessionOptions { ConfigEntries = new Dictionary<string, string> { ["session.a\0b"] = "1" } };
        Assert.ThrowsExactly<ArgumentException>(() => OnnxSession.FromFile(OnnxFixtures.TinyConvnet, options));
    }

    [TestMethod]
    public void SpinningThreadsStopWhenARunReturnsWhenAsked()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("thread CPU times are read from /proc on Linux");
        // The pool threads of a spinning session busy-wait after a run unless told to stop. Only the threads the session
        // created are measured (the rest of the test process, GC and other tests included, is left out), over a second
        // after the last run: stopped they block at once (0 ms measured), spinning they burn CPU until their spin budget
        // runs out (80-120 ms on a quiet machine, 30 ms with 60 runnable threads on 2 cores).
        var stopped = SessionThreadsCpuAfterRun(new OnnxSessionOptions { IntraOpNumThreads = 2, StopSpinningAfterRun = true });
        var spinning = SessionThreadsCpuAfterRun(new OnnxSessionOptions { IntraOpNumThreads = 2 });
        Console.WriteLine($"CPU of the session's pool threads in the second after a run: stopped {stopped.TotalMilliseconds} ms, spinning {spinning.TotalMilliseconds} ms");
        Assert.IsLessThanOrEqualTo(10, stopped.TotalMilliseconds, $"stopped: {stopped.TotalMilliseconds} ms of CPU after the run (spinning: {spinning.TotalMilliseconds} ms)");
        Assert.IsGreaterThanOrEqualTo(20, spinning.TotalMilliseconds, "without the stop the threads spin on after the run: the contrast this test relies on");
    }

    private static TimeSpan SessionThreadsCpuAfterRun(OnnxSessionOptions options)
    {
        var pixels = OnnxFixtures.Expected("tiny_convnet.json")["input"].Floats();
        var existing = ThreadIds();
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet, options);
        var pool = ThreadIds().Except(existing).ToArray();
        Assert.IsNotEmpty(pool, "a session with 2 intra-op threads starts a pool thread");
        using var input = OnnxTensor.FromArray(pixels, 4, 3, 8, 8);
        for (var i = 0; i < 3; i++)
            using (session.Run("input", input)) { }
        var before = Cpu(pool);
        Thread.Sleep(1000);
        return Cpu(pool) - before;
    }

    private static HashSet<string> ThreadIds() => Directory.GetDirectories("/proc/self/task").Select(Path.GetFileName).ToHashSet()!;

    /// <summary>User + system time of the given threads of this process (/proc/self/task/*/stat).</summary>
    private static TimeSpan Cpu(IEnumerable<string> threads)
    {
        long ticks = 0;
        foreach (var id in threads)
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine("/proc/self/task", id, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime (fields 14 and 15)
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }

    private static float[] Score(OnnxSessionOptions options, float[] pixels)
    {
        using var session = OnnxSession.FromFile(OnnxFixtures.TinyConvnet, options);
        using var input = OnnxTensor.FromArray(pixels, 4, 3, 8, 8);
        using var results = session.Run("input", input);
        return results[0].ToArray<float>();
    }
}
