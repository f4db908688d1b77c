using System.Text;

namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>
/// Reads PyTorch's zip checkpoint format (torch.save since torch 1.6): <c>&lt;archive&gt;/data.pkl</c> (the
/// pickled object, tensors as persistent ids), <c>&lt;archive&gt;/data/&lt;key&gt;</c> (one stored entry of raw
/// little-endian bytes per storage), <c>&lt;archive&gt;/version</c> and, from torch 1.13 on, <c>&lt;archive&gt;/byteorder</c>.
/// </summary>
internal static class TorchZipReader
{
    /// <summary>The largest data.pkl accepted; a state dict's pickle is about 100 bytes per tensor.</summary>
    private const long MaxPickleBytes = 256L << 20;
    /// <summary>The newest archive version torch writes (torch 1.6 through 2.x write 3).</summary>
    private const int MaxVersion = 3;

    public static CheckpointContent Read(MappedFile file, CheckpointReadOptions options)
    {
        Dictionary<string, ZipEntry> entries = ZipDirectory.Read(file);
        string prefix = FindArchivePrefix(file, entries);
        if (entries.ContainsKey(prefix + "constants.pkl") || entries.Keys.Any(n => n.StartsWith(prefix + "code/", StringComparison.Ordinal)))
            throw new CheckpointFormatException(file.Path,
                $"checkpoint '{file.Name}' is a TorchScript archive (torch.jit.save), which holds code as well as weights; load it with torch.jit.load and torch.save its state_dict() instead.");
        CheckVersion(file, entries, prefix);
        CheckByteOrder(file, entries, prefix);

        ZipEntry pkl = entries[prefix + "data.pkl"];
        RequireStored(file, pkl);
        if (pkl.UncompressedSize > MaxPickleBytes)
            throw Fail(file, $"its pickle is {pkl.UncompressedSize} bytes, more than the {MaxPickleBytes} a state dict needs");
        var unpickler = new RestrictedUnpickler(file.Span(pkl.DataOffset, pkl.UncompressedSize).ToArray(), file.Path);
        object? root = unpickler.Load();

        // Every storage the pickle names must exist with exactly the size it claims, before any byte is read.
        var storageOffsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (StorageRef s in unpickler.Storages.Values)
        {
            string entryName = $"{prefix}data/{s.Key}";
            if (!entries.TryGetValue(entryName, out ZipEntry e))
                throw new CheckpointFormatException(file.Path,
                    $"checkpoint '{file.Name}' names storage '{s.Key}' but has no entry '{entryName}'; the file is truncated or damaged. Download it again.");
            RequireStored(file, e);
            long claimed;
            try { claimed = checked(s.ElementCount * s.DType.ItemSize()); }
            catch (OverflowException) { claimed = -1; }
            if (claimed != e.UncompressedSize)
                throw new CheckpointFormatException(file.Path,
                    $"checkpoint '{file.Name}' says storage '{s.Key}' holds {s.ElementCount} {s.DType} elements ({(claimed < 0 ? "overflowing" : claimed.ToString())} bytes) "
                    + $"but its entry '{entryName}' has {e.UncompressedSize} bytes; the file is damaged or forged. Refusing to load it.");
            storageOffsets[s.Key] = e.DataOffset;
        }

        (PickleDict dict, string? entry) = StateDictSelector.Select(root, options, file.Path);
        var tensors = new List<CheckpointTensor>();
        var skipped = new List<string>();
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name || value is not TensorRef t)
            {
                skipped.Add(key?.ToString() ?? "None");
                continue;
            }
            long count = TensorLayout.Validate(t.Shape, t.Strides, t.StorageOffset, t.Storage.ElementCount, t.Storage.DType.ItemSize(), out string? problem);
            if (problem is not null)
                throw new CheckpointFormatException(file.Path, $"checkpoint '{file.Name}': tensor '{name}' {problem}; the file is damaged or forged. Refusing to load it.");
            tensors.Add(new CheckpointTensor(CheckpointNames.Clean(name, options), t.Storage.DType, t.Shape, t.Strides, t.StorageOffset, count,
                file, storageOffsets[t.Storage.Key], t.Storage.Key));
        }
        return new CheckpointContent(CheckpointFileFormat.PyTorchZip, tensors, entry, skipped, new Dictionary<string, string>());
    }

    /// <summary>torch writes every entry under one folder, named after the file; data.pkl marks it.</summary>
    private static string FindArchivePrefix(MappedFile file, Dictionary<string, ZipEntry> entries)
    {
        var candidates = entries.Keys
            .Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length)
            .ToList();
        if (candidates.Count == 1) return candidates[0][..^"data.pkl".Length];
        if (candidates.Count == 0)
            throw new CheckpointFormatException(file.Path,
                $"checkpoint '{file.Name}' is a zip archive but not a PyTorch checkpoint (no '<archive>/data.pkl' entry); save it with torch.save.");
        throw Fail(file, $"it holds {candidates.Count} archives ({string.Join(", ", candidates.Take(4))}); a checkpoint has one");
    }

    private static void CheckVersion(MappedFile file, Dictionary<string, ZipEntry> entries, string prefix)
    {
        if (!entries.TryGetValue(prefix + "version", out ZipEntry e)) return; // optional: very early zip files lack it
        RequireStored(file, e);
        if (e.UncompressedSize > 32) throw Fail(file, "its 'version' entry is not a small number");
        string text = Encoding.ASCII.GetString(file.Span(e.DataOffset, e.UncompressedSize)).Trim();
        if (!int.TryParse(text, out int version) || version < 1)
            throw Fail(file, $"its 'version' entry reads '{text}', not a format version");
        if (version > MaxVersion)
            throw new CheckpointFormatException(file.Path,
                $"checkpoint '{file.Name}' uses PyTorch archive version {version}, newer than the {MaxVersion} this reader knows; re-save it with a torch release that writes version {MaxVersion}.");
    }

    private static void CheckByteOrder(MappedFile file, Dictionary<string, ZipEntry> entries, string prefix)
    {
        if (!entries.TryGetValue(prefix + "byteorder", out ZipEntry e)) return; // absent before torch 1.13: little-endian
        RequireStored(file, e);
        if (e.UncompressedSize > 16) throw Fail(file, "its 'byteorder' entry is not 'little' or 'big'");
        string order = Encoding.ASCII.GetString(file.Span(e.DataOffset, e.UncompressedSize)).Trim();
        if (order == "little") return;
        if (order == "big")
            throw new CheckpointFormatException(file.Path,
                $"checkpoint '{file.Name}' was saved on a big-endian machine; load and re-save it with torch on a little-endian (x86/ARM) machine.");
        throw Fail(file, $"its 'byteorder' entry reads '{order}'");
    }

    private static void RequireStored(MappedFile file, ZipEntry e)
    {
        if (!e.IsStored)
            throw new CheckpointFormatException(file.Path,
                $"checkpoint '{file.Name}' has a compressed entry '{e.Name}' (method {e.Method}); torch.save stores entries uncompressed, so it was re-zipped. Re-save it with torch.save.");
    }

    private static CheckpointFormatException Fail(MappedFile file, string what) =>
        new(file.Path, $"checkpoint '{file.Name}' is not a valid PyTorch checkpoint: {what}. Re-save it with torch.save.");
}
