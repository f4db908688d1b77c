using MLNetAttn.Zoo.Checkpoints;

namespace MLNetAttn.Zoo.Tests.Checkpoints;

/// <summary>Every hostile or broken fixture is refused with a message that names the file and says why.</summary>
[TestClass]
public sealed class CheckpointRefusalTests
{
    [TestMethod]
    [DataRow("legacy.pth", "checkpoint 'legacy.pth' uses PyTorch's legacy format; re-save it with torch>=1.6 (torch.save(torch.load(p), q))")]
    [DataRow("evil_posix_system.pth", "checkpoint 'evil_posix_system.pth' refers to global 'posix.system', which a tensor checkpoint never needs; refusing to load it")]
    [DataRow("evil_builtins_eval.pth", "checkpoint 'evil_builtins_eval.pth' refers to global '__builtin__.eval', which a tensor checkpoint never needs; refusing to load it")]
    [DataRow("evil_builtins_eval_p4.pth", "checkpoint 'evil_builtins_eval_p4.pth' refers to global 'builtins.eval', which a tensor checkpoint never needs; refusing to load it")]
    [DataRow("whole_module.pth", "checkpoint 'whole_module.pth' refers to global 'torch.nn.modules.container.Sequential', which a tensor checkpoint never needs; refusing to load it")]
    [DataRow("torchscript.pt", "checkpoint 'torchscript.pt' is a TorchScript archive (torch.jit.save)")]
    [DataRow("evil_opcode.pth", "checkpoint 'evil_opcode.pth' uses pickle opcode 0x69 ('i') at byte 3 of its pickle, which torch.save never writes for tensors; refusing to load it")]
    [DataRow("zip_slip.pth", "checkpoint 'zip_slip.pth' has an unsafe entry name '../../evil.sh'")]
    [DataRow("zip_absolute.pth", "checkpoint 'zip_absolute.pth' has an unsafe entry name '/etc/evil.conf'")]
    [DataRow("size_lie.pth", "checkpoint 'size_lie.pth' says storage '0' holds 1000 Float32 elements (4000 bytes) but its entry 'archive/data/0' has 24 bytes")]
    [DataRow("out_of_storage.pth", "checkpoint 'out_of_storage.pth': tensor 'w' reads elements up to 10 (offset 4, shape [2, 3], strides [3, 1]) of a storage holding only 6")]
    [DataRow("absurd_shape.pth", "checkpoint 'absurd_shape.pth': tensor 'w' has an absurd shape [1099511627776, 1099511627776] whose size overflows")]
    [DataRow("deflated.pth", "checkpoint 'deflated.pth' has a compressed entry 'archive/version' (method 8); torch.save stores entries uncompressed")]
    [DataRow("truncated.pth", "checkpoint 'truncated.pth' is truncated or damaged: it has no end-of-central-directory record")]
    [DataRow("not_a_checkpoint.pth", "'not_a_checkpoint.pth' is neither a PyTorch checkpoint (a zip written by torch.save) nor a safetensors file (its first bytes are 3C68746D6C3E3C62)")]
    [DataRow("st_overlap.safetensors", "safetensors file 'st_overlap.safetensors' is invalid: tensor 'b' (bytes 12-32) overlaps another tensor's bytes")]
    [DataRow("st_wrong_size.safetensors", "safetensors file 'st_wrong_size.safetensors' is invalid: tensor 'a' of shape [5] Float32 needs 20 bytes but its data_offsets span 16")]
    [DataRow("st_past_end.safetensors", "safetensors file 'st_past_end.safetensors' is invalid: tensor 'b' ends at byte 436 but the data area has only 36 bytes; the file is truncated")]
    public void BrokenOrHostileFixture_IsRefused(string fixture, string message)
    {
        string path = CheckpointFixtures.PathOf(fixture);
        var e = Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Open(path));
        StringAssert.Contains(e.Message, message, $"actual message: {e.Message}");
        Assert.AreEqual(Path.GetFullPath(path), e.FilePath);
    }

    [TestMethod]
    public void EmptyFile_IsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"empty-{Guid.NewGuid():N}.pth");
        File.WriteAllBytes(path, []);
        try
        {
            var e = Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Open(path));
            StringAssert.Contains(e.Message, $"checkpoint '{Path.GetFileName(path)}' is empty (0 bytes)");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void MissingFile_ThrowsFileNotFound()
    {
        Assert.ThrowsExactly<FileNotFoundException>(() => Checkpoint.Open(CheckpointFixtures.PathOf("no_such.pth")));
    }

    [TestMethod]
    public void RefusedFile_IsNotLeftOpen()
    {
        // A refused file must be unmapped and closed: here it can be replaced right after the refusal.
        string path = Path.Combine(Path.GetTempPath(), $"lie-{Guid.NewGuid():N}.pth");
        File.Copy(CheckpointFixtures.PathOf("size_lie.pth"), path);
        try
        {
            Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Open(path));
            using (var s = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) s.SetLength(0);
        }
        finally { File.Delete(path); }
    }
}
