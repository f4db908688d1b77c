using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Tests;

/// <summary>A thread lowered by <see cref="ThreadScheduling"/> runs at the stated nice value; raising is refused.</summary>
[TestClass]
public sealed class ThreadSchedulingTests
{
    private static T OnNewThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
            throw error;
        return result;
    }

    [TestMethod]
    public void LoweringSetsTheThreadsNiceValueAndOnlyThatThreads()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("nice values are per thread on Linux only");
        var before = ThreadScheduling.CurrentNiceValue();
        var (applied, below, lowest) = OnNewThread(() =>
        {
            var ok = ThreadScheduling.LowerCurrentThread(ThreadPriority.BelowNormal);
            var first = ThreadScheduling.CurrentNiceValue();
            ThreadScheduling.LowerCurrentThread(ThreadPriority.Lowest);
            return (ok, first, ThreadScheduling.CurrentNiceValue());
        });
        Assert.IsTrue(applied);
        Assert.AreEqual(10, below);
        Assert.AreEqual(19, lowest);
        Assert.AreEqual(before, ThreadScheduling.CurrentNiceValue(), "the test's own thread must keep its priority");
    }

    [TestMethod]
    public void RaisingIsRefused()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ThreadScheduling.LowerCurrentThread(ThreadPriority.Highest));
        StringAssert.Contains(e.Message, "privileges");
        Assert.AreEqual(0, ThreadScheduling.NiceValue(ThreadPriority.Normal));
    }
}
