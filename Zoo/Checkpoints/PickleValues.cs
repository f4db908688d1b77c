namespace MLNetAttn.Zoo.Checkpoints;

// The values the restricted unpickler builds. Plain data maps to .NET values (null, bool, long, BigInteger,
// double, string, byte[]); the types below stand for what Python would have built, as inert records.

/// <summary>A Python tuple. Tuples are immutable, so their nesting depth is fixed when built (and bounded by
/// the unpickler: tuple keys are hashed recursively).</summary>
internal sealed record PickleTuple(object?[] Items)
{
    public int Depth { get; } = 1 + Items.Select(i => i is PickleTuple t ? t.Depth : 0).DefaultIfEmpty(0).Max();
}

/// <summary>A Python list (mutable while unpickling: APPEND/APPENDS).</summary>
internal sealed class PickleList(List<object?> items)
{
    public List<object?> Items { get; } = items;
}

/// <summary>A Python dict or OrderedDict, in insertion order; later keys replace earlier equal ones.</summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = new(PickleKeyComparer.Instance);

    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    public void Set(object? key, object? value)
    {
        object k = key ?? PickleNone.Instance;
        if (_index.TryGetValue(k, out int at)) _items[at] = new(key, value);
        else { _index[k] = _items.Count; _items.Add(new(key, value)); }
    }

    public bool TryGet(string key, out object? value)
    {
        if (_index.TryGetValue(key, out int at)) { value = _items[at].Value; return true; }
        value = null;
        return false;
    }
}

/// <summary>Stands in for None as a dictionary key.</summary>
internal sealed class PickleNone
{
    public static readonly PickleNone Instance = new();
}

/// <summary>Dictionary keys compare like Python's for the hashable plain values (strings, numbers, tuples).</summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>
{
    public static readonly PickleKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => (x, y) switch
    {
        (PickleTuple a, PickleTuple b) => a.Items.Length == b.Items.Length
            && a.Items.Zip(b.Items).All(p => Equals(p.First ?? PickleNone.Instance, p.Second ?? PickleNone.Instance)),
        (bool a, long b) => (a ? 1 : 0) == b,
        (long a, bool b) => a == (b ? 1 : 0),
        _ => object.Equals(x, y),
    };

    public int GetHashCode(object obj) => obj switch
    {
        PickleTuple t => t.Items.Aggregate(17, (h, v) => h * 31 + GetHashCode(v ?? PickleNone.Instance)),
        bool b => (b ? 1L : 0L).GetHashCode(),
        _ => obj.GetHashCode(),
    };
}

/// <summary>The kinds of global the unpickler accepts; anything else is refused at the GLOBAL opcode.</summary>
internal enum PickleGlobalKind
{
    /// <summary>collections.OrderedDict: called with no arguments, it makes an empty dict.</summary>
    OrderedDict,
    /// <summary>torch._utils._rebuild_tensor_v2: (storage, offset, size, stride, requires_grad, hooks[, metadata]).</summary>
    RebuildTensorV2,
    /// <summary>torch._utils._rebuild_parameter(_with_state): wraps a tensor; the tensor is kept.</summary>
    RebuildParameter,
    /// <summary>torch.*Storage: names a storage's element type inside a persistent id; never called.</summary>
    StorageType,
    /// <summary>argparse.Namespace: training arguments; kept as an inert record of its attributes.</summary>
    Namespace,
    /// <summary>_codecs.encode: how protocol 2 spells a bytes object (text, "latin1").</summary>
    CodecsEncode,
}

/// <summary>A resolved, allowed global such as collections.OrderedDict.</summary>
internal sealed record PickleGlobal(string Module, string Name, PickleGlobalKind Kind, CheckpointDType DType = default)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>An inert object (argparse.Namespace): its class name and the attribute dict BUILD gave it.</summary>
internal sealed class PickleObject(string typeName)
{
    public string TypeName { get; } = typeName;
    public object? State { get; set; }
}

/// <summary>A storage named by a persistent id: ('storage', torch.FloatStorage, key, location, numel).</summary>
internal sealed record StorageRef(string Key, CheckpointDType DType, long ElementCount, string Location);

/// <summary>A tensor view described by torch._utils._rebuild_tensor_v2: storage, offset, shape, strides.</summary>
internal sealed record TensorRef(StorageRef Storage, long StorageOffset, long[] Shape, long[] Strides);
