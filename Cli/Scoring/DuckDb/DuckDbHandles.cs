using System.Runtime.InteropServices;

namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>
/// Base of the DuckDB SafeHandles. A child (connection, statement, appender) holds a reference on its parent,
/// so native objects are destroyed children first whatever order managed code disposes them in, and a
/// database file is only closed (and its lock released) once nothing opened from it is alive.
/// </summary>
internal abstract class DuckDbHandle : SafeHandle
{
    private DuckDbHandle? _parent;

    protected DuckDbHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Takes the native pointer and a reference on <paramref name="parent"/> for as long as this handle lives.</summary>
    internal void Attach(IntPtr native, DuckDbHandle? parent)
    {
        if (parent is not null)
        {
            var added = false;
            parent.DangerousAddRef(ref added);
            _parent = parent;
        }
        SetHandle(native);
    }

    /// <summary>Keeps the handle open for the span of one native call; throws if it was already disposed.</summary>
    public Lease Borrow() => new(this);

    protected sealed override bool ReleaseHandle()
    {
        var ok = Release(handle);
        handle = IntPtr.Zero;
        _parent?.DangerousRelease();
        _parent = null;
        return ok;
    }

    /// <summary>The one native close/destroy call for this kind of object.</summary>
    protected abstract bool Release(IntPtr native);

    /// <summary>A reference held for the span of one native call, so a concurrent Dispose cannot free the object under it.</summary>
    public readonly ref struct Lease
    {
        private readonly SafeHandle _owner;

        public Lease(SafeHandle owner)
        {
            var added = false;
            owner.DangerousAddRef(ref added); // throws ObjectDisposedException once closed
            _owner = owner;
            Pointer = owner.DangerousGetHandle();
        }

        public IntPtr Pointer { get; }

        public void Dispose() => _owner.DangerousRelease();
    }
}

/// <summary>Owns a <c>duckdb_database</c>; released with <c>duckdb_close</c>.</summary>
internal sealed unsafe class DatabaseHandle : DuckDbHandle
{
    protected override bool Release(IntPtr native)
    {
        DuckDbNative.Close(&native);
        return true;
    }
}

/// <summary>Owns a <c>duckdb_connection</c>; released with <c>duckdb_disconnect</c>.</summary>
internal sealed unsafe class ConnectionHandle : DuckDbHandle
{
    protected override bool Release(IntPtr native)
    {
        DuckDbNative.Disconnect(&native);
        return true;
    }
}

/// <summary>Owns a <c>duckdb_prepared_statement</c>; released with <c>duckdb_destroy_prepare</c>.</summary>
internal sealed unsafe class PreparedStatementHandle : DuckDbHandle
{
    protected override bool Release(IntPtr native)
    {
        DuckDbNative.DestroyPrepare(&native);
        return true;
    }
}

/// <summary>
/// Owns a <c>duckdb_appender</c>; released with <c>duckdb_appender_destroy</c>. Destroy flushes what is still
/// buffered, so rows are cleared first: only an explicit Flush or Close writes, and an appender abandoned
/// after an exception does not write half a batch.
/// </summary>
internal sealed unsafe class AppenderHandle : DuckDbHandle
{
    protected override bool Release(IntPtr native)
    {
        DuckDbNative.AppenderClear(native);
        // An appender invalidated by an error reports DuckDBError here; it is destroyed all the same.
        DuckDbNative.AppenderDestroy(&native);
        return true;
    }
}

/// <summary>
/// Owns a <c>duckdb_result</c>. The struct itself lives in unmanaged memory owned by this handle (the C API
/// fills a caller-provided struct); release is <c>duckdb_destroy_result</c>, then the struct's memory is freed.
/// </summary>
internal sealed unsafe class ResultHandle : DuckDbHandle
{
    /// <summary>Allocates an empty (zeroed) result struct for a query to fill; valid until disposed.</summary>
    public static ResultHandle Allocate(DuckDbHandle connection)
    {
        var result = new ResultHandle();
        result.Attach((IntPtr)NativeMemory.AllocZeroed((nuint)sizeof(DuckDbResultStruct)), connection);
        return result;
    }

    public DuckDbResultStruct* Result => (DuckDbResultStruct*)handle;

    protected override bool Release(IntPtr native)
    {
        DuckDbNative.DestroyResult((DuckDbResultStruct*)native);
        NativeMemory.Free((void*)native);
        return true;
    }
}

/// <summary>Owns a <c>duckdb_data_chunk</c> fetched from a result; released with <c>duckdb_destroy_data_chunk</c>.</summary>
internal sealed unsafe class DataChunkHandle : DuckDbHandle
{
    protected override bool Release(IntPtr native)
    {
        DuckDbNative.DestroyDataChunk(&native);
        return true;
    }
}
