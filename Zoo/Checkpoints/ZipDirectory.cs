using System.Buffers.Binary;
using System.Text;

namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>One entry of a zip archive: where its bytes start in the file and how they are stored.</summary>
/// <param name="Name">The entry name as written in the central directory.</param>
/// <param name="DataOffset">File offset of the entry's first data byte (past its local header).</param>
/// <param name="CompressedSize">Bytes occupied in the file.</param>
/// <param name="UncompressedSize">Bytes after decompression.</param>
/// <param name="Method">Compression method: 0 = stored, 8 = deflated.</param>
internal readonly record struct ZipEntry(string Name, long DataOffset, long CompressedSize, long UncompressedSize, int Method)
{
    /// <summary>True when the bytes sit in the file as they are (torch never compresses what it writes).</summary>
    public bool IsStored => Method == 0 && CompressedSize == UncompressedSize;
}

/// <summary>
/// Reads a zip archive's central directory (with ZIP64 records) over a mapped file, without extracting
/// anything: entries are located so their stored bytes can be viewed in place.
/// </summary>
/// <remarks>
/// Layout facts (APPNOTE.TXT): the end-of-central-directory record (0x06054b50, 22 bytes + comment) closes the
/// file; when a count or offset there is saturated, a ZIP64 locator (0x07064b50, 20 bytes) just before it points
/// to the ZIP64 end record (0x06064b50). Central headers are 0x02014b50 (46 bytes + name + extra + comment); local
/// headers are 0x04034b50 (30 bytes + name + extra), and the local extra length may differ from the central one
/// (torch pads it to align storages to 64 bytes), so the data offset is read from the local header.
/// CRC-32 is not verified: data is viewed lazily, and the file as a whole is checked by its SHA-256.
/// </remarks>
internal static class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;
    private const int MaxEntries = 1_000_000;

    /// <summary>Reads every entry; refuses unsafe names, duplicates, encrypted entries and out-of-file ranges.</summary>
    public static Dictionary<string, ZipEntry> Read(MappedFile file)
    {
        long end = FindEnd(file);
        ReadOnlySpan<byte> eocd = file.Span(end, 22);
        long count = BinaryPrimitives.ReadUInt16LittleEndian(eocd[10..]);
        long cdSize = BinaryPrimitives.ReadUInt32LittleEndian(eocd[12..]);
        long cdOffset = BinaryPrimitives.ReadUInt32LittleEndian(eocd[16..]);
        long cdLimit = end;
        if (count == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF)
            (count, cdSize, cdOffset, cdLimit) = ReadZip64End(file, end);

        if (count > MaxEntries)
            throw Fail(file, $"it claims {count} entries, more than the {MaxEntries} a checkpoint could need");
        if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset)
            throw Truncated(file, $"its central directory ({cdSize} bytes at {cdOffset}) lies outside the file");

        var entries = new Dictionary<string, ZipEntry>((int)Math.Min(count, cdSize / 46), StringComparer.Ordinal);
        long pos = cdOffset, cdEnd = cdOffset + cdSize;
        for (long i = 0; i < count; i++)
        {
            if (cdEnd - pos < 46) throw Truncated(file, "its central directory ends in the middle of an entry");
            ReadOnlySpan<byte> h = file.Span(pos, 46);
            if (BinaryPrimitives.ReadUInt32LittleEndian(h) != CentralSignature)
                throw Fail(file, $"it has a damaged central directory (no entry header at offset {pos})");
            int flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            int method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            long csize = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            long usize = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLen = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLen = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLen = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            long local = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            long recordLen = 46L + nameLen + extraLen + commentLen;
            if (cdEnd - pos < recordLen) throw Truncated(file, "its central directory ends in the middle of an entry");

            string name = Encoding.UTF8.GetString(file.Span(pos + 46, nameLen));
            CheckName(file, name);
            if ((flags & 1) != 0) throw Fail(file, $"it has an encrypted entry '{name}'; checkpoints are never encrypted");
            ReadZip64Extra(file, name, file.Span(pos + 46 + nameLen, extraLen), ref usize, ref csize, ref local);

            long dataOffset = LocateData(file, name, local);
            if (!file.Contains(dataOffset, csize))
                throw Truncated(file, $"entry '{name}' needs {csize} bytes at offset {dataOffset}, past the end of the file ({file.Length} bytes)");
            if (!entries.TryAdd(name, new ZipEntry(name, dataOffset, csize, usize, method)))
                throw Fail(file, $"it has two entries named '{name}'; refusing an ambiguous archive");
            pos += recordLen;
        }
        return entries;
    }

    /// <summary>Refuses names that could escape a folder if ever extracted ("zip slip") or are otherwise odd.</summary>
    private static void CheckName(MappedFile file, string name)
    {
        bool bad = name.Length == 0 || name[0] is '/' or '\\' || name.Contains('\\') || name.Contains('\0')
            || (name.Length >= 2 && name[1] == ':');
        if (!bad)
            foreach (string part in name.Split('/'))
                if (part is ".." or ".") { bad = true; break; }
        if (bad)
            throw new CheckpointFormatException(file.Path,
                $"checkpoint '{file.Name}' has an unsafe entry name '{name}' (absolute, or with '..' or '\\'); a file written by torch.save never does; refusing to load it.");
    }

    private static long FindEnd(MappedFile file)
    {
        if (file.Length < 22) throw Truncated(file, $"it is only {file.Length} bytes long");
        long lowest = Math.Max(0, file.Length - 22 - 0xFFFF);
        for (long p = file.Length - 22; p >= lowest; p--)
        {
            ReadOnlySpan<byte> s = file.Span(p, 22);
            if (BinaryPrimitives.ReadUInt32LittleEndian(s) == EndSignature
                && p + 22 + BinaryPrimitives.ReadUInt16LittleEndian(s[20..]) == file.Length)
                return p;
        }
        throw Truncated(file, "it has no end-of-central-directory record");
    }

    private static (long Count, long Size, long Offset, long Limit) ReadZip64End(MappedFile file, long end)
    {
        if (end < 20) throw Truncated(file, "its ZIP64 locator is missing");
        ReadOnlySpan<byte> loc = file.Span(end - 20, 20);
        if (BinaryPrimitives.ReadUInt32LittleEndian(loc) != Zip64LocatorSignature)
            throw Truncated(file, "its ZIP64 locator is missing");
        long recordOffset = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(loc[8..]), long.MaxValue);
        if (!file.Contains(recordOffset, 56) || recordOffset + 56 > end - 20)
            throw Truncated(file, "its ZIP64 end record lies outside the file");
        ReadOnlySpan<byte> r = file.Span(recordOffset, 56);
        if (BinaryPrimitives.ReadUInt32LittleEndian(r) != Zip64EndSignature)
            throw Fail(file, "it has a damaged ZIP64 end record");
        return ((long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(r[32..]), long.MaxValue),
                (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(r[40..]), long.MaxValue),
                (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(r[48..]), long.MaxValue),
                recordOffset);
    }

    /// <summary>Replaces saturated 32-bit fields by the ZIP64 extra field's 64-bit values (in APPNOTE order).</summary>
    private static void ReadZip64Extra(MappedFile file, string name, ReadOnlySpan<byte> extra, ref long usize, ref long csize, ref long local)
    {
        if (usize != 0xFFFFFFFF && csize != 0xFFFFFFFF && local != 0xFFFFFFFF) return;
        while (extra.Length >= 4)
        {
            int id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int len = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (len > extra.Length - 4) break;
            if (id == 1)
            {
                ReadOnlySpan<byte> d = extra.Slice(4, len);
                if (usize == 0xFFFFFFFF) usize = Next(ref d);
                if (csize == 0xFFFFFFFF) csize = Next(ref d);
                if (local == 0xFFFFFFFF) local = Next(ref d);
                return;
            }
            extra = extra[(4 + len)..];
        }
        throw Fail(file, $"entry '{name}' lacks the ZIP64 sizes its header promises");

        long Next(ref ReadOnlySpan<byte> d)
        {
            if (d.Length < 8) throw Fail(file, $"entry '{name}' has a short ZIP64 extra field");
            ulong v = BinaryPrimitives.ReadUInt64LittleEndian(d);
            d = d[8..];
            return v > long.MaxValue ? long.MaxValue : (long)v;
        }
    }

    private static long LocateData(MappedFile file, string name, long local)
    {
        if (!file.Contains(local, 30))
            throw Truncated(file, $"entry '{name}' starts past the end of the file");
        ReadOnlySpan<byte> h = file.Span(local, 30);
        if (BinaryPrimitives.ReadUInt32LittleEndian(h) != LocalSignature)
            throw Fail(file, $"entry '{name}' has no local header at offset {local}");
        return local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(h[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
    }

    private static CheckpointFormatException Fail(MappedFile file, string what) =>
        new(file.Path, $"checkpoint '{file.Name}' is not a readable zip archive: {what}. Download or save it again.");

    private static CheckpointFormatException Truncated(MappedFile file, string what) =>
        new(file.Path, $"checkpoint '{file.Name}' is truncated or damaged: {what}. Download it again (compare its SHA-256 with the published one).");
}
