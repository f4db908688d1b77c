namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>Finds the state dict inside an unpickled checkpoint, following <see cref="CheckpointReadOptions"/>.</summary>
internal static class StateDictSelector
{
    private static readonly string[] EmaKeys = ["model_ema", "state_dict_ema", "ema"];
    private static readonly string[] PlainKeys = ["model", "state_dict", "model_state_dict", "net"];

    /// <summary>Returns the chosen dict and the top-level key it came from (null for a bare state dict).</summary>
    public static (PickleDict StateDict, string? Entry) Select(object? root, CheckpointReadOptions options, string path)
    {
        string name = Path.GetFileName(path);
        if (root is not PickleDict top)
            throw new CheckpointFormatException(path,
                $"checkpoint '{name}' holds a {Describe(root)}, not a dict of tensors; save model.state_dict() instead.");

        if (options.Entry is { } wanted)
        {
            if (top.TryGet(wanted, out object? v) && v is PickleDict d && HasTensor(d)) return (d, wanted);
            throw new CheckpointFormatException(path,
                $"checkpoint '{name}' has no state dict under '{wanted}'; its top-level keys are [{Keys(top)}].");
        }

        IEnumerable<string> order = options.PreferEma ? EmaKeys.Concat(PlainKeys) : PlainKeys.Concat(EmaKeys);
        foreach (string key in order)
            if (top.TryGet(key, out object? v) && v is PickleDict d && HasTensor(d)) return (d, key);
        if (HasTensor(top)) return (top, null);

        throw new CheckpointFormatException(path,
            $"checkpoint '{name}' holds no state dict: none of its top-level keys [{Keys(top)}] is a dict of tensors. "
            + "Pass CheckpointReadOptions.Entry to name the one holding the weights.");
    }

    private static bool HasTensor(PickleDict d)
    {
        foreach (var kv in d.Items)
            if (kv.Value is TensorRef) return true;
        return false;
    }

    private static string Keys(PickleDict d)
    {
        var keys = d.Items.Select(kv => kv.Key is string s ? $"'{s}'" : Describe(kv.Key)).Take(20).ToList();
        return string.Join(", ", keys) + (d.Items.Count > 20 ? ", ..." : "");
    }

    private static string Describe(object? v) => v switch
    {
        null => "None",
        PickleList => "list",
        PickleTuple => "tuple",
        TensorRef => "single tensor",
        _ => v.GetType().Name,
    };
}
