using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MLNetAttn.Zoo.Checkpoints;

namespace MLNetAttn.Zoo.Tests.Checkpoints;

/// <summary>Large checkpoints are mapped, not loaded: opening, reading through spans and hashing allocate little.</summary>
[TestClass]
public sealed class CheckpointMemoryTests
{
    private const int Side = 4096;                       // 4096 x 4096 float32 = 64 MiB of storage
    private const long AllocationBudget = 1 << 20;       // 1 MiB: 1/64 of the file

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void LargeCheckpoint_IsReadWithSmallAllocation()
    {
        string path = Path.Combine(Path.GetTempPath(), $"large-{Guid.NewGuid():N}.pth");
        try
        {
            WriteLarge(path, zip64: false);
            string streamed = Convert.ToHexStringLower(SHA256.HashData(File.OpenRead(path)));
            using (Checkpoint warm = Checkpoint.Open(CheckpointFixtures.PathOf("handmade_ok.pth")))
                _ = (warm["w"].AsFloat32Span()[0], warm.Sha256, warm["w"].ToFloat32());

            long before = GC.GetAllocatedBytesForCurrentThread();
            double rowSum;
            float last, transposedSample;
            string sha;
            using (Checkpoint ckpt = Checkpoint.Open(path))
            {
                ReadOnlySpan<float> w = ckpt["weight"].AsFloat32Span();
                last = w[^1];
                rowSum = 0;
                foreach (float v in w.Slice(Side * 100, Side)) rowSum += v;
                Span<float> one = stackalloc float[Side];
                ckpt["column"].CopyToFloat32(one);            // a strided view of the same storage
                transposedSample = one[Side - 1];
                sha = ckpt.Sha256;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            TestContext.WriteLine($"allocated {allocated} bytes reading a {new FileInfo(path).Length}-byte checkpoint");

            Assert.AreEqual((float)(Side * Side - 1), last);
            Assert.AreEqual(Enumerable.Range(0, Side).Sum(i => 100.0 * Side + i), rowSum);
            Assert.AreEqual((float)((Side - 1) * Side + 7), transposedSample);
            Assert.AreEqual(streamed, sha);
            Assert.IsTrue(allocated < AllocationBudget, $"allocated {allocated} bytes, budget {AllocationBudget}");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void Zip64Layout_IsRead()
    {
        string path = Path.Combine(Path.GetTempPath(), $"zip64-{Guid.NewGuid():N}.pth");
        try
        {
            float[] values = [1.5f, -2f, 3.25f, 0f, 8f, -0.5f];
            using (var w = new TestCheckpointWriter(path, zip64: true))
            {
                w.Add("z64/data.pkl", TestCheckpointWriter.StateDictPickle(
                    new TestCheckpointWriter.Tensor("w", "FloatStorage", "0", 6, 0, [3, 2], [1, 3])));
                w.Add("z64/data/0", MemoryMarshal.AsBytes(values.AsSpan()));
                w.Add("z64/version", "3\n"u8);
            }
            using Checkpoint ckpt = Checkpoint.Open(path);
            CollectionAssert.AreEqual(new float[] { 1.5f, 0f, -2f, 8f, 3.25f, -0.5f }, ckpt["w"].ToFloat32());
        }
        finally { File.Delete(path); }
    }

    private static void WriteLarge(string path, bool zip64)
    {
        long n = (long)Side * Side;
        using var w = new TestCheckpointWriter(path, zip64);
        w.Add("large/data.pkl", TestCheckpointWriter.StateDictPickle(
            new("weight", "FloatStorage", "0", n, 0, [Side, Side], [Side, 1]),
            new("column", "FloatStorage", "0", n, 7, [Side], [Side])));
        w.Add("large/data/0", n * sizeof(float), s =>
        {
            // Values are their own index: exact in float32 below 2^24 = Side * Side.
            var chunk = new float[Side];
            for (int row = 0; row < Side; row++)
            {
                for (int i = 0; i < Side; i++) chunk[i] = row * Side + i;
                s.Write(MemoryMarshal.AsBytes(chunk.AsSpan()));
            }
        });
        w.Add("large/version", "3\n"u8);
    }
}
