namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>Checks a tensor view (shape, strides, storage offset) against the storage it reads.</summary>
internal static class TensorLayout
{
    /// <summary>The highest rank accepted; vision weights use at most 4 or 5.</summary>
    public const int MaxRank = 32;

    /// <summary>
    /// Returns the element count of the view, or a reason it is refused: negative sizes, strides or offset,
    /// counts that overflow, or elements outside the storage's <paramref name="storageElements"/>.
    /// </summary>
    public static long Validate(ReadOnlySpan<long> shape, ReadOnlySpan<long> strides, long offset, long storageElements,
        int itemSize, out string? problem)
    {
        problem = null;
        if (shape.Length > MaxRank) { problem = $"has rank {shape.Length}, above the {MaxRank} a weight could need"; return -1; }
        if (offset < 0) { problem = $"has a negative storage offset {offset}"; return -1; }
        long count = 1, last = offset;
        try
        {
            for (int i = 0; i < shape.Length; i++)
            {
                if (shape[i] < 0 || strides[i] < 0)
                {
                    problem = $"has a negative size or stride (shape [{string.Join(", ", shape.ToArray())}], strides [{string.Join(", ", strides.ToArray())}])";
                    return -1;
                }
                count = checked(count * shape[i]);
            }
            _ = checked(count * itemSize);
            if (count > 0)
                for (int i = 0; i < shape.Length; i++) last = checked(last + (shape[i] - 1) * strides[i]);
        }
        catch (OverflowException)
        {
            problem = $"has an absurd shape [{string.Join(", ", shape.ToArray())}] whose size overflows a 64-bit count";
            return -1;
        }
        long needed = count == 0 ? offset : last + 1;
        if (needed > storageElements)
        {
            problem = $"reads elements up to {needed} (offset {offset}, shape [{string.Join(", ", shape.ToArray())}], strides [{string.Join(", ", strides.ToArray())}]) of a storage holding only {storageElements}";
            return -1;
        }
        return count;
    }

    /// <summary>True when the view is row-major contiguous (dimensions of size 1 may have any stride).</summary>
    public static bool IsContiguous(ReadOnlySpan<long> shape, ReadOnlySpan<long> strides)
    {
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 0) return true;
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <summary>Row-major strides for <paramref name="shape"/>.</summary>
    public static long[] ContiguousStrides(ReadOnlySpan<long> shape)
    {
        var s = new long[shape.Length];
        long step = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = step; step *= Math.Max(1, shape[i]); }
        return s;
    }
}
