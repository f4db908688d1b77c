using System.IO.MemoryMappedFiles;

namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>
/// A read-only memory mapping of a whole file. Tensor bytes are read through it on demand, so opening a
/// large checkpoint costs address space, not managed memory.
/// </summary>
/// <remarks>Spans handed out are valid only until <see cref="Dispose"/>; the owner checks that first.</remarks>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    private MappedFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        Length = length;
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _pointer = p + _view.PointerOffset;
    }

    /// <summary>The full path of the mapped file.</summary>
    public string Path { get; }

    /// <summary>The file name, used in error messages.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>The file length in bytes.</summary>
    public long Length { get; }

    /// <summary>True once disposed; no span may be taken after that.</summary>
    public bool IsDisposed => _pointer == null;

    /// <summary>Maps <paramref name="path"/> read-only. An empty file is refused (it cannot be mapped).</summary>
    public static MappedFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            long length = stream.Length;
            if (length == 0)
                throw new CheckpointFormatException(full,
                    $"checkpoint '{System.IO.Path.GetFileName(full)}' is empty (0 bytes); download or save it again.");
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedFile(full, map, view, length);
        }
        catch
        {
            view?.Dispose();
            if (map is not null) map.Dispose(); else stream.Dispose();
            throw;
        }
    }

    /// <summary>The base address of the mapping. Valid until <see cref="Dispose"/>.</summary>
    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    /// <summary>True when [<paramref name="offset"/>, <paramref name="offset"/>+<paramref name="count"/>) lies inside the file.</summary>
    public bool Contains(long offset, long count) => offset >= 0 && count >= 0 && offset <= Length && count <= Length - offset;

    /// <summary>A span over file bytes; the range must lie inside the file and fit an <see cref="int"/>.</summary>
    public ReadOnlySpan<byte> Span(long offset, long count)
    {
        if (!Contains(offset, count) || count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range [{offset}, +{count}) is outside '{Name}' ({Length} bytes)");
        return new ReadOnlySpan<byte>(Pointer + offset, (int)count);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_pointer == null) return;
        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
