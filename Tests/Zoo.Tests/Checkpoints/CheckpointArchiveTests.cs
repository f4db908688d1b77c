using System.Runtime.InteropServices;
using MLNetAttn.Zoo.Checkpoints;

namespace MLNetAttn.Zoo.Tests.Checkpoints;

/// <summary>Archive-level refusals, over zips written by the test: byte order, versions, missing storages, layout.</summary>
[TestClass]
public sealed class CheckpointArchiveTests
{
    private static readonly byte[] SixFloats = MemoryMarshal.AsBytes(new float[] { 0, 1, 2, 3, 4, 5 }.AsSpan()).ToArray();
    private static readonly byte[] OneTensor = TestCheckpointWriter.StateDictPickle(
        new TestCheckpointWriter.Tensor("w", "FloatStorage", "0", 6, 0, [2, 3], [3, 1]));

    private static string Refused(params (string Name, byte[] Data)[] entries)
    {
        string path = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.pth");
        try
        {
            using (var w = new TestCheckpointWriter(path))
                foreach (var (name, data) in entries) w.Add(name, data);
            var e = Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Open(path));
            StringAssert.Contains(e.Message, $"'{Path.GetFileName(path)}'");
            return e.Message;
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void NewerTorchLayout_IsRead()
    {
        // torch 2.x adds these entries beside data.pkl; they carry nothing the reader needs.
        string path = Path.Combine(Path.GetTempPath(), $"t2-{Guid.NewGuid():N}.pth");
        try
        {
            using (var w = new TestCheckpointWriter(path))
            {
                w.Add("t2/data.pkl", OneTensor);
                w.Add("t2/.format_version", "1"u8);
                w.Add("t2/.storage_alignment", "64"u8);
                w.Add("t2/byteorder", "little"u8);
                w.Add("t2/data/0", SixFloats);
                w.Add("t2/version", "3\n"u8);
                w.Add("t2/.data/serialization_id", "1234567890"u8);
            }
            using Checkpoint ckpt = Checkpoint.Open(path);
            CollectionAssert.AreEqual(new float[] { 0, 1, 2, 3, 4, 5 }, ckpt["w"].ToFloat32());
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void StorageEntryPastEndOfFile_IsRefused()
    {
        // The zip's own headers claim more bytes than the file holds (a storage cut short).
        string path = Path.Combine(Path.GetTempPath(), $"short-{Guid.NewGuid():N}.pth");
        try
        {
            using (var w = new TestCheckpointWriter(path))
            {
                w.Add("a/data.pkl", OneTensor);
                w.Add("a/data/0", SixFloats, claimedSize: 1 << 20);
            }
            var e = Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Open(path));
            StringAssert.Contains(e.Message, "is truncated or damaged: entry 'a/data/0' needs 1048576 bytes at offset");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void BigEndianByteOrder_IsRefused() =>
        StringAssert.Contains(Refused(("a/data.pkl", OneTensor), ("a/data/0", SixFloats), ("a/byteorder", "big"u8.ToArray())),
            "was saved on a big-endian machine; load and re-save it with torch on a little-endian");

    [TestMethod]
    public void NewerArchiveVersion_IsRefused() =>
        StringAssert.Contains(Refused(("a/data.pkl", OneTensor), ("a/data/0", SixFloats), ("a/version", "9\n"u8.ToArray())),
            "uses PyTorch archive version 9, newer than the 3 this reader knows");

    [TestMethod]
    public void MissingStorage_IsRefused() =>
        StringAssert.Contains(Refused(("a/data.pkl", OneTensor), ("a/version", "3\n"u8.ToArray())),
            "names storage '0' but has no entry 'a/data/0'; the file is truncated or damaged");

    [TestMethod]
    public void DuplicateEntry_IsRefused() =>
        StringAssert.Contains(Refused(("a/data.pkl", OneTensor), ("a/data/0", SixFloats), ("a/data/0", SixFloats)),
            "has two entries named 'a/data/0'");

    [TestMethod]
    public void ZipWithoutPickle_IsRefused() =>
        StringAssert.Contains(Refused(("weights.bin", SixFloats)),
            "is a zip archive but not a PyTorch checkpoint (no '<archive>/data.pkl' entry)");

    [TestMethod]
    public void BackslashName_IsRefused() =>
        StringAssert.Contains(Refused(("a/data.pkl", OneTensor), ("a/data/0", SixFloats), ("..\\evil.dll", SixFloats)),
            "has an unsafe entry name '..\\evil.dll'");

    [TestMethod]
    public void DictWithoutTensors_IsRefused()
    {
        byte[] pickle = [0x80, 2, (byte)'}', (byte)'X', 5, 0, 0, 0, .. "epoch"u8, (byte)'K', 3, (byte)'s', (byte)'.'];
        StringAssert.Contains(Refused(("a/data.pkl", pickle)),
            "holds no state dict: none of its top-level keys ['epoch'] is a dict of tensors. Pass CheckpointReadOptions.Entry");
    }

    [TestMethod]
    public void TruncatedSafetensors_IsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cut-{Guid.NewGuid():N}.safetensors");
        try
        {
            byte[] whole = File.ReadAllBytes(CheckpointFixtures.PathOf("tiny.safetensors"));
            File.WriteAllBytes(path, whole[..100]);
            var e = Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Open(path));
            StringAssert.Contains(e.Message, "after the length; the file is truncated");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void ModulePrefixCollision_IsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"dup-{Guid.NewGuid():N}.pth");
        try
        {
            using (var w = new TestCheckpointWriter(path))
            {
                w.Add("a/data.pkl", TestCheckpointWriter.StateDictPickle(
                    new TestCheckpointWriter.Tensor("w", "FloatStorage", "0", 6, 0, [6], [1]),
                    new TestCheckpointWriter.Tensor("module.w", "FloatStorage", "0", 6, 0, [6], [1])));
                w.Add("a/data/0", SixFloats);
            }
            var e = Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Open(path));
            StringAssert.Contains(e.Message, "has two tensors named 'w'");
            using Checkpoint raw = Checkpoint.Open(path, new CheckpointReadOptions { StripModulePrefix = false });
            Assert.AreEqual(2, raw.Count);
        }
        finally { File.Delete(path); }
    }
}
