using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>
/// A pickle reader that only builds data. It understands the opcodes torch.save writes for state dicts and
/// training checkpoints (protocol 2 by default; the pure-data opcodes of protocols 3 and 4 too), accepts a short
/// list of globals whose effect it emulates with inert records, and refuses everything else. Nothing named in a
/// pickle is ever looked up or called.
/// </summary>
/// <remarks>
/// <para>Opcodes accepted (Python's pickletools names), by what they do:</para>
/// <list type="bullet">
/// <item>framing: PROTO (versions 2-5), FRAME (protocol 4 framing, skipped), STOP;</item>
/// <item>scalars: NONE, NEWTRUE, NEWFALSE, BININT, BININT1, BININT2, LONG1, BINFLOAT, BINUNICODE,
///   SHORT_BINUNICODE, BINBYTES, SHORT_BINBYTES;</item>
/// <item>containers: MARK, EMPTY_TUPLE, TUPLE, TUPLE1, TUPLE2, TUPLE3, EMPTY_LIST, APPEND, APPENDS,
///   EMPTY_DICT, SETITEM, SETITEMS;</item>
/// <item>memo: BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET;</item>
/// <item>objects, only over allowed globals: GLOBAL, STACK_GLOBAL, REDUCE, NEWOBJ, BUILD, BINPERSID.</item>
/// </list>
/// <para>Text-protocol opcodes (INT, STRING, DICT, LIST, PUT, GET, PERSID), INST/OBJ, EXT*, LONG4, sets,
/// out-of-band buffers, POP/DUP are never written by torch.save for tensors and are refused.</para>
/// <para>Globals accepted: collections.OrderedDict; torch._utils._rebuild_tensor_v2, _rebuild_parameter,
/// _rebuild_parameter_with_state; torch.{Float,Half,BFloat16,Double,Long,Int,Short,Char,Byte,Bool}Storage (only
/// as the type inside a storage's persistent id); argparse.Namespace (training scripts save their arguments as
/// one; kept as an inert attribute record); _codecs.encode (protocol 2's spelling of a bytes object, latin-1 only).</para>
/// <para>Limits: <see cref="MaxMarkDepth"/> open MARKs, <see cref="MaxMemoEntries"/> memo entries,
/// <see cref="MaxStringBytes"/> per string, <see cref="MaxStackItems"/> stack items, <see cref="MaxTupleDepth"/>
/// nested tuples. No part of the reader recurses over lists or dicts, so self-referencing containers are harmless.</para>
/// </remarks>
internal sealed class RestrictedUnpickler
{
    /// <summary>The most MARKs open at once; torch nests about four per tensor.</summary>
    public const int MaxMarkDepth = 256;
    /// <summary>The most memo entries; a state dict needs a few per tensor.</summary>
    public const int MaxMemoEntries = 4_000_000;
    /// <summary>The longest string or bytes value; tensor names are short.</summary>
    public const int MaxStringBytes = 16 << 20;
    /// <summary>The most values on the stack at once.</summary>
    public const int MaxStackItems = 16_000_000;
    /// <summary>The deepest tuple nesting; torch writes two levels (a tensor's argument tuple holding its shape).</summary>
    public const int MaxTupleDepth = 64;

    private readonly byte[] _data;
    private readonly string _path;
    private readonly string _name;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<string, StorageRef> _storages = new(StringComparer.Ordinal);
    private int _pos;

    /// <summary>Prepares to read <paramref name="data"/>, the pickle of checkpoint <paramref name="path"/>.</summary>
    public RestrictedUnpickler(byte[] data, string path)
    {
        _data = data;
        _path = path;
        _name = Path.GetFileName(path);
    }

    /// <summary>Storages named by persistent ids, by key, after <see cref="Load"/>.</summary>
    public IReadOnlyDictionary<string, StorageRef> Storages => _storages;

    /// <summary>Reads the pickle up to STOP and returns the top-level value.</summary>
    public object? Load()
    {
        while (true)
        {
            int at = _pos;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    byte proto = ReadByte();
                    if (proto is < 2 or > 5) throw Malformed($"pickle protocol {proto} is not one torch.save writes", at);
                    break;
                case 0x95: Take(8); break; // FRAME: a length prefix only; the bytes follow inline.
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) throw Malformed("STOP with an unbalanced stack", at);
                    return _stack[0];

                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8a: Push(ReadLong1()); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case (byte)'X': Push(ReadText(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at)); break;
                case 0x8c: Push(ReadText(ReadByte(), at)); break;
                case (byte)'B': Push(ReadBytes(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at)); break;
                case (byte)'C': Push(ReadBytes(ReadByte(), at)); break;

                case (byte)'(':
                    if (_marks.Count >= MaxMarkDepth) throw Malformed($"more than {MaxMarkDepth} nested MARKs", at);
                    _marks.Add(_stack.Count);
                    break;
                case (byte)')': Push(new PickleTuple([])); break;
                case (byte)'t': Push(new PickleTuple(PopMark(at).ToArray())); break;
                case 0x85: Push(new PickleTuple([Pop(at)])); break;
                case 0x86: { object? b = Pop(at), a = Pop(at); Push(new PickleTuple([a, b])); break; }
                case 0x87: { object? c = Pop(at), b = Pop(at), a = Pop(at); Push(new PickleTuple([a, b, c])); break; }
                case (byte)']': Push(new PickleList([])); break;
                case (byte)'a': { object? v = Pop(at); ListAt(Top(at), at).Items.Add(v); break; }
                case (byte)'e': { List<object?> vs = PopMark(at); ListAt(Top(at), at).Items.AddRange(vs); break; }
                case (byte)'}': Push(new PickleDict()); break;
                case (byte)'s': { object? v = Pop(at), k = Pop(at); DictAt(Top(at), at).Set(k, v); break; }
                case (byte)'u':
                {
                    List<object?> kv = PopMark(at);
                    if (kv.Count % 2 != 0) throw Malformed("SETITEMS with an odd number of items", at);
                    PickleDict d = DictAt(Top(at), at);
                    for (int i = 0; i < kv.Count; i += 2) d.Set(kv[i], kv[i + 1]);
                    break;
                }

                case (byte)'q': Memo(ReadByte(), at); break;
                case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at); break;
                case 0x94: Memo(_memo.Count, at); break;
                case (byte)'h': Push(Recall(ReadByte(), at)); break;
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at)); break;

                case (byte)'c': { string module = ReadLine(at), name = ReadLine(at); Push(ResolveGlobal(module, name)); break; }
                case 0x93:
                {
                    object? name = Pop(at), module = Pop(at);
                    if (module is not string m || name is not string n) throw Malformed("STACK_GLOBAL without two strings", at);
                    Push(ResolveGlobal(m, n));
                    break;
                }
                case (byte)'R': { object? args = Pop(at), f = Pop(at); Push(Reduce(f, args, at)); break; }
                case 0x81: { object? args = Pop(at), cls = Pop(at); Push(NewObject(cls, args, at)); break; }
                case (byte)'b': { object? state = Pop(at); Build(Top(at), state, at); break; }
                case (byte)'Q': Push(PersistentLoad(Pop(at), at)); break;

                default:
                    char shown = op is >= 0x20 and < 0x7f ? (char)op : '?';
                    throw new CheckpointFormatException(_path,
                        $"checkpoint '{_name}' uses pickle opcode 0x{op:x2} ('{shown}') at byte {at} of its pickle, which torch.save never writes for tensors; refusing to load it.");
            }
        }
    }

    private object ResolveGlobal(string module, string name)
    {
        PickleGlobal? g = (module, name) switch
        {
            ("collections", "OrderedDict") => new(module, name, PickleGlobalKind.OrderedDict),
            ("torch._utils", "_rebuild_tensor_v2") => new(module, name, PickleGlobalKind.RebuildTensorV2),
            ("torch._utils", "_rebuild_parameter" or "_rebuild_parameter_with_state") => new(module, name, PickleGlobalKind.RebuildParameter),
            ("argparse", "Namespace") => new(module, name, PickleGlobalKind.Namespace),
            ("_codecs", "encode") => new(module, name, PickleGlobalKind.CodecsEncode),
            ("torch", _) when StorageDType(name) is { } dt => new(module, name, PickleGlobalKind.StorageType, dt),
            _ => null,
        };
        return g ?? throw new CheckpointFormatException(_path,
            $"checkpoint '{_name}' refers to global '{module}.{name}', which a tensor checkpoint never needs; refusing to load it. "
            + "Nothing in it was run. If you trust its source, re-save only its state_dict with torch.");
    }

    /// <summary>The element type of a torch storage class name (torch.FloatStorage and kin).</summary>
    private static CheckpointDType? StorageDType(string name) => name switch
    {
        "FloatStorage" => CheckpointDType.Float32,
        "HalfStorage" => CheckpointDType.Float16,
        "BFloat16Storage" => CheckpointDType.BFloat16,
        "DoubleStorage" => CheckpointDType.Float64,
        "LongStorage" => CheckpointDType.Int64,
        "IntStorage" => CheckpointDType.Int32,
        "ShortStorage" => CheckpointDType.Int16,
        "CharStorage" => CheckpointDType.Int8,
        "ByteStorage" => CheckpointDType.UInt8,
        "BoolStorage" => CheckpointDType.Bool,
        _ => null,
    };

    private object? Reduce(object? callable, object? args, int at)
    {
        if (callable is not PickleGlobal g) throw Malformed("REDUCE on something that is not an allowed global", at);
        if (args is not PickleTuple t) throw Malformed($"REDUCE of {g.FullName} without an argument tuple", at);
        object?[] a = t.Items;
        switch (g.Kind)
        {
            case PickleGlobalKind.OrderedDict when a.Length == 0:
                return new PickleDict();
            case PickleGlobalKind.Namespace when a.Length == 0:
                return new PickleObject(g.FullName);
            case PickleGlobalKind.RebuildTensorV2 when a.Length is 6 or 7:
                return RebuildTensor(a, at);
            case PickleGlobalKind.RebuildParameter when a.Length is 3 or 4 && a[0] is TensorRef tensor:
                return tensor;
            case PickleGlobalKind.CodecsEncode when a.Length == 2 && a[0] is string text && a[1] is "latin1" or "latin-1":
                return Encoding.Latin1.GetBytes(text);
            default:
                throw Malformed($"call of {g.FullName} with {a.Length} arguments of a form torch.save never writes", at);
        }
    }

    private object NewObject(object? cls, object? args, int at)
    {
        if (cls is PickleGlobal { Kind: PickleGlobalKind.Namespace } g && args is PickleTuple { Items.Length: 0 })
            return new PickleObject(g.FullName);
        string what = cls is PickleGlobal pg ? pg.FullName : "a non-class";
        throw Malformed($"NEWOBJ of {what}, which a tensor checkpoint never needs", at);
    }

    private void Build(object? target, object? state, int at)
    {
        switch (target)
        {
            case PickleDict: break;                    // an OrderedDict's attributes, e.g. state_dict's _metadata
            case PickleObject o: o.State = state; break;
            default: throw Malformed("BUILD on a value that has no attributes to set", at);
        }
    }

    private TensorRef RebuildTensor(object?[] a, int at)
    {
        if (a[0] is not StorageRef storage) throw Malformed("_rebuild_tensor_v2 without a storage", at);
        if (a[1] is not long offset) throw Malformed("_rebuild_tensor_v2 with a non-integer storage offset", at);
        long[] shape = Longs(a[2], "size", at), strides = Longs(a[3], "stride", at);
        if (shape.Length != strides.Length)
            throw Malformed($"_rebuild_tensor_v2 with {shape.Length} sizes but {strides.Length} strides", at);
        return new TensorRef(storage, offset, shape, strides);
    }

    private long[] Longs(object? v, string what, int at)
    {
        if (v is not PickleTuple t) throw Malformed($"_rebuild_tensor_v2 {what} is not a tuple", at);
        var r = new long[t.Items.Length];
        for (int i = 0; i < r.Length; i++)
            r[i] = t.Items[i] as long? ?? throw Malformed($"_rebuild_tensor_v2 {what} holds a non-integer", at);
        return r;
    }

    private StorageRef PersistentLoad(object? pid, int at)
    {
        if (pid is not PickleTuple { Items: ["storage", PickleGlobal { Kind: PickleGlobalKind.StorageType } type, string key, string location, long numel] })
            throw Malformed("a persistent id that is not ('storage', type, key, location, numel)", at);
        if (key.Length == 0 || key.Length > 64 || !key.All(char.IsAsciiLetterOrDigit))
            throw Malformed($"a storage key '{Shorten(key)}' that is not a plain name", at);
        if (numel < 0) throw Malformed($"storage '{key}' with a negative size {numel}", at);
        var storage = new StorageRef(key, type.DType, numel, location);
        if (_storages.TryGetValue(key, out StorageRef? seen))
        {
            if (seen.DType != storage.DType || seen.ElementCount != numel)
                throw Malformed($"storage '{key}' described twice, as {seen.ElementCount} x {seen.DType} and {numel} x {storage.DType}", at);
            return seen;
        }
        _storages[key] = storage;
        return storage;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private void Push(object? v)
    {
        if (_stack.Count >= MaxStackItems) throw Malformed($"more than {MaxStackItems} values on the stack", _pos);
        if (v is PickleTuple { Depth: > MaxTupleDepth }) throw Malformed($"tuples nested more than {MaxTupleDepth} deep", _pos);
        _stack.Add(v);
    }

    private object? Pop(int at)
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count <= floor) throw Malformed("an opcode needs a value but the stack is empty", at);
        object? v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Top(int at)
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count <= floor) throw Malformed("an opcode needs a value but the stack is empty", at);
        return _stack[^1];
    }

    private List<object?> PopMark(int at)
    {
        if (_marks.Count == 0) throw Malformed("an opcode needs a MARK but none is open", at);
        int m = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        List<object?> items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private PickleList ListAt(object? v, int at) => v as PickleList ?? throw Malformed("APPEND to a value that is not a list", at);

    private PickleDict DictAt(object? v, int at) => v as PickleDict ?? throw Malformed("SETITEM on a value that is not a dict", at);

    private void Memo(long index, int at)
    {
        if (_memo.Count >= MaxMemoEntries && !_memo.ContainsKey(index))
            throw Malformed($"more than {MaxMemoEntries} memo entries", at);
        _memo[index] = Top(at);
    }

    private object? Recall(long index, int at) =>
        _memo.TryGetValue(index, out object? v) ? v : throw Malformed($"a memo lookup of {index}, which was never stored", at);

    private byte ReadByte() => Take(1)[0];

    private ReadOnlySpan<byte> Take(long count)
    {
        if (count > _data.Length - _pos)
            throw Malformed($"the pickle ends early (needs {count} more bytes)", _pos);
        var s = new ReadOnlySpan<byte>(_data, _pos, (int)count);
        _pos += (int)count;
        return s;
    }

    private string ReadText(uint length, int at)
    {
        if (length > MaxStringBytes) throw Malformed($"a {length}-byte string, longer than the {MaxStringBytes}-byte limit", at);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length));
        }
        catch (DecoderFallbackException e)
        {
            throw Malformed($"a string that is not valid UTF-8 ({e.Message})", at);
        }
    }

    private byte[] ReadBytes(uint length, int at)
    {
        if (length > MaxStringBytes) throw Malformed($"a {length}-byte bytes value, longer than the {MaxStringBytes}-byte limit", at);
        return Take(length).ToArray();
    }

    private object ReadLong1()
    {
        ReadOnlySpan<byte> b = Take(ReadByte());
        if (b.Length == 0) return 0L;
        if (b.Length <= 8)
        {
            long v = 0;
            for (int i = b.Length - 1; i >= 0; i--) v = (v << 8) | b[i];
            int unused = 64 - 8 * b.Length;
            return unused == 0 ? v : (v << unused) >> unused; // sign-extend two's complement
        }
        return new BigInteger(b, isUnsigned: false, isBigEndian: false);
    }

    private string ReadLine(int at)
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos, Math.Min(256, _data.Length - _pos));
        if (end < 0) throw Malformed("a GLOBAL name that is not a short line", at);
        ReadOnlySpan<byte> line = Take(end - _pos);
        _pos++; // the newline
        foreach (byte c in line)
            if (c is < 0x21 or > 0x7e) throw Malformed("a GLOBAL name with non-printable characters", at);
        return Encoding.ASCII.GetString(line);
    }

    private CheckpointFormatException Malformed(string what, int at) => new(_path,
        $"checkpoint '{_name}' has a malformed or unsupported pickle: {what} (at byte {at} of its pickle); refusing to load it. Re-save it with torch.save(state_dict).");
}
