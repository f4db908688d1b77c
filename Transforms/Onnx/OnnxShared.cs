namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// A disposable shared by counted references: its owner holds the first, and every run or binding that uses it holds
/// one more, so disposing the owner mid-run defers the release until the last user lets go. The managed ONNX Runtime
/// objects are plain <see cref="IDisposable"/>s, not reference-counted handles, so this keeps a disposed tensor's memory
/// pinned while a binding still points at it and a disposed session alive under a run in progress.
/// </summary>
internal sealed class OnnxShared<T>(T value, Action? afterRelease = null) where T : class, IDisposable
{
    private int _references = 1;

    /// <summary>The shared object; use it only between <see cref="Acquire"/> and <see cref="Release"/>.</summary>
    public T Value { get; } = value;

    /// <summary>True once every reference was released and the object disposed.</summary>
    public bool IsReleased => Volatile.Read(ref _references) == 0;

    /// <summary>Adds a reference; throws <see cref="ObjectDisposedException"/> when the object is already released.</summary>
    public OnnxShared<T> Acquire()
    {
        while (true)
        {
            var seen = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(seen == 0, Value);
            if (Interlocked.CompareExchange(ref _references, seen + 1, seen) == seen)
                return this;
        }
    }

    /// <summary>Drops a reference; the last one disposes the object (then runs the follow-up, e.g. an unpin).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
            return;
        Value.Dispose();
        afterRelease?.Invoke();
    }
}
