using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>
/// The tensors of a PyTorch (<c>.pth</c>/<c>.pt</c>, torch.save's zip format) or safetensors checkpoint, by name,
/// read safely: the pickle is interpreted by a restricted reader that only builds data (no code is run, unknown
/// globals are refused), and tensor bytes stay in a read-only memory mapping until asked for.
/// </summary>
/// <remarks>
/// <para>Training checkpoints are unwrapped (<c>model</c>, <c>state_dict</c>, … see <see cref="CheckpointReadOptions"/>),
/// <c>module.</c> prefixes are stripped, and non-tensor entries (epoch numbers, arguments) are skipped and listed in
/// <see cref="SkippedKeys"/>. Enumeration follows the file's order.</para>
/// <para>Spans from the tensors are valid until <see cref="Dispose"/>. Reading from several threads is safe;
/// disposing while another thread reads is not.</para>
/// <code>using var ckpt = Checkpoint.Open("shvit_s4.pth"); float[] w = ckpt["patch_embed.0.c.weight"].ToFloat32();</code>
/// </remarks>
public sealed class Checkpoint : IReadOnlyDictionary<string, CheckpointTensor>, IDisposable
{
    private readonly MappedFile _file;
    private readonly IReadOnlyList<CheckpointTensor> _ordered;
    private readonly Dictionary<string, CheckpointTensor> _byName;
    private string? _sha256;

    private Checkpoint(MappedFile file, CheckpointContent content)
    {
        _file = file;
        _ordered = content.Tensors;
        _byName = new Dictionary<string, CheckpointTensor>(content.Tensors.Count, StringComparer.Ordinal);
        foreach (CheckpointTensor t in content.Tensors)
            if (!_byName.TryAdd(t.Name, t))
                throw new CheckpointFormatException(file.Path,
                    $"checkpoint '{file.Name}' has two tensors named '{t.Name}' (with and without a 'module.' prefix?); read it with StripModulePrefix = false.");
        Format = content.Format;
        Entry = content.Entry;
        SkippedKeys = content.SkippedKeys;
        Metadata = content.Metadata;
    }

    /// <summary>Opens and validates a checkpoint. The format is recognised from the file's first bytes.</summary>
    /// <param name="path">A <c>.pth</c>/<c>.pt</c>/<c>.bin</c> written by torch.save (torch ≥ 1.6) or a <c>.safetensors</c> file.</param>
    /// <param name="options">How to find the state dict; <see cref="CheckpointReadOptions.Default"/> when null.</param>
    /// <exception cref="CheckpointFormatException">The file is malformed, truncated, in the legacy format, or refused as unsafe.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Checkpoint Open(string path, CheckpointReadOptions? options = null)
    {
        options ??= CheckpointReadOptions.Default;
        MappedFile file = MappedFile.Open(path);
        try
        {
            ReadOnlySpan<byte> head = file.Span(0, Math.Min(file.Length, 512));
            CheckpointContent content = Sniff(file, head) switch
            {
                CheckpointFileFormat.PyTorchZip => TorchZipReader.Read(file, options),
                _ => SafetensorsReader.Read(file, options),
            };
            return new Checkpoint(file, content);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static CheckpointFileFormat Sniff(MappedFile file, ReadOnlySpan<byte> head)
    {
        if (head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] is 3 or 5 && head[3] is 4 or 6)
            return CheckpointFileFormat.PyTorchZip;
        if (SafetensorsReader.LooksLikeSafetensors(head))
            return CheckpointFileFormat.Safetensors;
        // Before torch 1.6, torch.save wrote pickles back to back (the first is the magic number
        // 0x1950a86a20f9469cfc6c as a LONG1), and before 0.4 a tar archive; both need the pickle's code paths.
        bool pickle = head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;
        bool tar = head.Length >= 262 && head[257..262].SequenceEqual("ustar"u8);
        if (pickle || tar)
            throw new CheckpointFormatException(file.Path,
                $"checkpoint '{file.Name}' uses PyTorch's legacy format; re-save it with torch>=1.6 (torch.save(torch.load(p), q)).");
        string start = Convert.ToHexString(head[..Math.Min(head.Length, 8)]);
        throw new CheckpointFormatException(file.Path,
            $"'{file.Name}' is neither a PyTorch checkpoint (a zip written by torch.save) nor a safetensors file (its first bytes are {start}); check that the download is complete and is the weights file.");
    }

    /// <summary>The full path of the file.</summary>
    public string FilePath => _file.Path;

    /// <summary>The file's length in bytes.</summary>
    public long FileLength => _file.Length;

    /// <summary>The container format.</summary>
    public CheckpointFileFormat Format { get; }

    /// <summary>The top-level key the state dict came from (<c>model</c>, <c>state_dict</c>, …); null for a bare state dict or safetensors.</summary>
    public string? Entry { get; }

    /// <summary>Keys of the state dict whose values were not tensors (and so were skipped), as written in the file.</summary>
    public IReadOnlyList<string> SkippedKeys { get; }

    /// <summary>The safetensors <c>__metadata__</c> map; empty for PyTorch checkpoints.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in file order.</summary>
    public IReadOnlyList<CheckpointTensor> Tensors => _ordered;

    /// <summary>
    /// The file's SHA-256 as lowercase hex, computed on first use by streaming the mapped file through the hash
    /// (no copy of the file is made), then remembered.
    /// </summary>
    public string Sha256 => _sha256 ??= ComputeSha256();

    private string ComputeSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        const long chunk = 64L << 20;
        for (long at = 0; at < _file.Length; at += chunk)
            hash.AppendData(_file.Span(at, Math.Min(chunk, _file.Length - at)));
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <inheritdoc />
    public CheckpointTensor this[string key] => _byName.TryGetValue(key, out CheckpointTensor? t) ? t
        : throw new KeyNotFoundException($"checkpoint '{_file.Name}' has no tensor '{key}' ({_byName.Count} tensors; first: {string.Join(", ", _ordered.Take(3).Select(x => x.Name))}).");

    /// <inheritdoc />
    public IEnumerable<string> Keys => _ordered.Select(t => t.Name);

    /// <inheritdoc />
    public IEnumerable<CheckpointTensor> Values => _ordered;

    /// <inheritdoc />
    public int Count => _ordered.Count;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _byName.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out CheckpointTensor value) => _byName.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, CheckpointTensor>> GetEnumerator() =>
        _ordered.Select(t => new KeyValuePair<string, CheckpointTensor>(t.Name, t)).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Unmaps the file; spans taken from the tensors become invalid.</summary>
    public void Dispose() => _file.Dispose();
}
