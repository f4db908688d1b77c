using System.Buffers.Binary;
using System.Text;

namespace MLNetAttn.Zoo.Tests.Checkpoints;

/// <summary>
/// Writes torch-style zip checkpoints from tests: stored entries, an optional ZIP64 layout, and the pickle torch.save
/// writes for a dict of tensors. CRC fields are left zero (the reader does not check them).
/// </summary>
internal sealed class TestCheckpointWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly bool _zip64;
    private readonly List<(byte[] Name, long Offset, long Size)> _entries = [];

    public TestCheckpointWriter(string path, bool zip64 = false)
    {
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        _zip64 = zip64;
    }

    /// <summary>Adds a stored entry; <paramref name="claimedSize"/> makes the headers lie about its size.</summary>
    public void Add(string name, ReadOnlySpan<byte> data, long? claimedSize = null)
    {
        Begin(name, claimedSize ?? data.Length);
        _stream.Write(data);
    }

    /// <summary>Adds an entry of <paramref name="size"/> bytes produced in chunks by <paramref name="fill"/>.</summary>
    public void Add(string name, long size, Action<Stream> fill)
    {
        Begin(name, size);
        long start = _stream.Position;
        fill(_stream);
        if (_stream.Position - start != size) throw new InvalidOperationException("fill wrote the wrong size");
    }

    private void Begin(string name, long size)
    {
        byte[] n = Encoding.UTF8.GetBytes(name);
        _entries.Add((n, _stream.Position, size));
        Span<byte> h = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], (ushort)(_zip64 ? 45 : 20));
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 0x0800);
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], _zip64 ? uint.MaxValue : (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], _zip64 ? uint.MaxValue : (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)n.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)(_zip64 ? 20 : 0));
        _stream.Write(h);
        _stream.Write(n);
        if (_zip64)
        {
            Span<byte> x = stackalloc byte[20];
            BinaryPrimitives.WriteUInt16LittleEndian(x, 1);
            BinaryPrimitives.WriteUInt16LittleEndian(x[2..], 16);
            BinaryPrimitives.WriteInt64LittleEndian(x[4..], size);
            BinaryPrimitives.WriteInt64LittleEndian(x[12..], size);
            _stream.Write(x);
        }
    }

    public void Dispose()
    {
        long cdStart = _stream.Position;
        Span<byte> h = stackalloc byte[46];
        Span<byte> x = stackalloc byte[28];
        foreach (var (name, offset, size) in _entries)
        {
            h.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)(_zip64 ? 45 : 20));
            BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0x0800);
            BinaryPrimitives.WriteUInt32LittleEndian(h[20..], _zip64 ? uint.MaxValue : (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[24..], _zip64 ? uint.MaxValue : (uint)size);
            BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(h[30..], (ushort)(_zip64 ? 28 : 0));
            BinaryPrimitives.WriteUInt32LittleEndian(h[42..], _zip64 ? uint.MaxValue : (uint)offset);
            _stream.Write(h);
            _stream.Write(name);
            if (_zip64)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(x, 1);
                BinaryPrimitives.WriteUInt16LittleEndian(x[2..], 24);
                BinaryPrimitives.WriteInt64LittleEndian(x[4..], size);
                BinaryPrimitives.WriteInt64LittleEndian(x[12..], size);
                BinaryPrimitives.WriteInt64LittleEndian(x[20..], offset);
                _stream.Write(x);
            }
        }
        long cdSize = _stream.Position - cdStart;
        if (_zip64)
        {
            long recordAt = _stream.Position;
            Span<byte> r = stackalloc byte[56];
            r.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(r, 0x06064b50);
            BinaryPrimitives.WriteInt64LittleEndian(r[4..], 44);
            BinaryPrimitives.WriteUInt16LittleEndian(r[12..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(r[14..], 45);
            BinaryPrimitives.WriteInt64LittleEndian(r[24..], _entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(r[32..], _entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(r[40..], cdSize);
            BinaryPrimitives.WriteInt64LittleEndian(r[48..], cdStart);
            _stream.Write(r);
            Span<byte> l = stackalloc byte[20];
            l.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(l, 0x07064b50);
            BinaryPrimitives.WriteInt64LittleEndian(l[8..], recordAt);
            BinaryPrimitives.WriteUInt32LittleEndian(l[16..], 1);
            _stream.Write(l);
        }
        Span<byte> e = stackalloc byte[22];
        e.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(e, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(e[8..], (ushort)(_zip64 ? 0xFFFF : _entries.Count));
        BinaryPrimitives.WriteUInt16LittleEndian(e[10..], (ushort)(_zip64 ? 0xFFFF : _entries.Count));
        BinaryPrimitives.WriteUInt32LittleEndian(e[12..], _zip64 ? uint.MaxValue : (uint)cdSize);
        BinaryPrimitives.WriteUInt32LittleEndian(e[16..], _zip64 ? uint.MaxValue : (uint)cdStart);
        _stream.Write(e);
        _stream.Dispose();
    }

    /// <summary>One tensor of a state dict as torch pickles it.</summary>
    public sealed record Tensor(string Name, string StorageType, string Key, long StorageElements, long Offset, long[] Shape, long[] Strides);

    /// <summary>The protocol 2 pickle torch.save writes for a dict of tensors (tensor names and views as given).</summary>
    public static byte[] StateDictPickle(params Tensor[] tensors)
    {
        var p = new List<byte> { 0x80, 2, (byte)'}', (byte)'(' };
        foreach (Tensor t in tensors)
        {
            Text(p, t.Name);
            Global(p, "torch._utils", "_rebuild_tensor_v2");
            p.Add((byte)'(');
            p.Add((byte)'(');
            Text(p, "storage");
            Global(p, "torch", t.StorageType);
            Text(p, t.Key);
            Text(p, "cpu");
            Int(p, t.StorageElements);
            p.Add((byte)'t');
            p.Add((byte)'Q');
            Int(p, t.Offset);
            Tuple(p, t.Shape);
            Tuple(p, t.Strides);
            p.Add(0x89);
            Global(p, "collections", "OrderedDict");
            p.Add((byte)')');
            p.Add((byte)'R');
            p.Add((byte)'t');
            p.Add((byte)'R');
        }
        p.Add((byte)'u');
        p.Add((byte)'.');
        return [.. p];
    }

    private static void Text(List<byte> p, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        p.Add((byte)'X');
        p.AddRange(BitConverter.GetBytes((uint)b.Length));
        p.AddRange(b);
    }

    private static void Global(List<byte> p, string module, string name) =>
        p.AddRange(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

    private static void Int(List<byte> p, long v)
    {
        // LONG1 with 8 bytes covers every value torch writes here.
        p.Add(0x8a);
        p.Add(8);
        p.AddRange(BitConverter.GetBytes(v));
    }

    private static void Tuple(List<byte> p, long[] items)
    {
        p.Add((byte)'(');
        foreach (long v in items) Int(p, v);
        p.Add((byte)'t');
    }
}
