using System.Globalization;

namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>Start-up options for <see cref="DuckDbDatabase.Open(string, DuckDbOptions?)"/>.</summary>
public sealed class DuckDbOptions
{
    /// <summary>Worker threads DuckDB may use (its <c>threads</c> setting). Default = null (DuckDB's default: all cores).</summary>
    public int? Threads { get; init; }

    /// <summary>DuckDB's <c>memory_limit</c>, for example "2GB". Default = null (DuckDB's default: 80% of RAM).</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>Open the file read-only (<c>access_mode=READ_ONLY</c>), so several processes may read it. Default = false.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Any other DuckDB setting by name (see DuckDB's configuration reference). Default = empty.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A DuckDB database: a file (created when missing) or <c>:memory:</c>. Thread-safe: open one
/// <see cref="DuckDbConnection"/> per thread with <see cref="Connect"/>. Disposing closes the database once every
/// connection opened from it is disposed too. Opening the same file twice in one process gives two handles on one
/// shared engine (DuckDB's instance cache), never two engines writing one file; the second Open must then ask for the
/// same options as the first, or it is refused.
/// </summary>
/// <remarks>
/// <code>using var db = DuckDbDatabase.Open("results.duckdb"); using var con = db.Connect(); con.Execute("CREATE TABLE t(x INT)");</code>
/// Durability (DuckDB v1.5 sources): COMMIT writes the transaction to the write-ahead log <c>&lt;file&gt;.wal</c> and
/// syncs it before returning (<c>SingleFileStorageCommitState::FlushCommit</c> calls <c>WriteAheadLog::Flush</c>, which
/// calls <c>Sync()</c>: src/storage/storage_manager.cpp, src/storage/write_ahead_log.cpp); opening the file replays that
/// log (<c>WriteAheadLog::Replay</c> from <c>StorageManager</c>'s load: src/storage/wal_replay.cpp), and a checkpoint later
/// folds it into the file. duckdb.h on <c>duckdb_close</c>: "failing to call duckdb_close (in case of e.g. a program crash)
/// will not cause data corruption". So a transaction is durable once COMMIT returns, one not committed leaves nothing,
/// and a process killed with kill -9 loses at most its open transaction; the scoring job's resume tests kill real processes.
/// </remarks>
public sealed unsafe class DuckDbDatabase : IDisposable
{
    // duckdb.h: an instance cache "is necessary if a client/program (re)opens multiple databases to the same file within
    // the same process". Without it a second Open of one file starts a second, independent engine on it (the file lock
    // is per process, so nothing stops it) and the two overwrite each other's changes. It lives as long as the process.
    private static readonly Lazy<IntPtr> InstanceCache = new(() => DuckDbNative.CreateInstanceCache());

    private readonly DatabaseHandle _handle;

    private DuckDbDatabase(DatabaseHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The path of a database that lives only in memory, private to one <see cref="Open"/>.</summary>
    public const string MemoryPath = ":memory:";

    /// <summary>The path the database was opened with, or <c>:memory:</c>.</summary>
    public string Path { get; }

    /// <summary>The version of the loaded DuckDB library, for example "v1.5.6".</summary>
    public static string LibraryVersion => DuckDbNative.ReadUtf8(DuckDbNative.LibraryVersion()) ?? "unknown";

    /// <summary>Where the DuckDB library was loaded from (bundled file, <c>MLNETATTN_DUCKDB_PATH</c>, or the system).</summary>
    public static string LibraryPath => DuckDbNative.Library.Path;

    /// <summary>Opens (or creates) a database file, or an in-memory database for <c>:memory:</c>.</summary>
    /// <param name="path">The database file; its folder must exist. <c>:memory:</c> for a database that lives only in this process.</param>
    /// <param name="options">Start-up settings; null for DuckDB's defaults.</param>
    /// <exception cref="DuckDbException">DuckDB could not open the file (locked by another process, not a DuckDB file, bad setting).</exception>
    public static DuckDbDatabase Open(string path, DuckDbOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var config = IntPtr.Zero;
        try
        {
            if (options is not null)
                config = CreateConfig(options, path);

            var handle = new DatabaseHandle();
            IntPtr database;
            byte* error = null;
            DuckDbState state;
            using (var nativePath = new Utf8Z(path))
            {
                // In-memory databases are private to each Open, as DuckDB's own open does; files go through the cache.
                state = path == MemoryPath
                    ? DuckDbNative.OpenExt(nativePath.Pointer, &database, config, &error)
                    : DuckDbNative.GetOrCreateFromCache(InstanceCache.Value, nativePath.Pointer, &database, config, &error);
            }
            if (state != DuckDbState.Success)
            {
                // The error string is allocated for the caller and freed with duckdb_free (duckdb.h, duckdb_open_ext).
                var message = DuckDbNative.ReadUtf8(error) ?? "no message from DuckDB";
                if (error != null)
                    DuckDbNative.Free(error);
                if (database != IntPtr.Zero)
                    DuckDbNative.Close(&database);
                handle.Dispose();
                throw new DuckDbException(
                    $"DuckDB could not open '{path}': {message}. Check that the folder exists, the file is a DuckDB database, " +
                    "no other process holds it open for writing, and an Open of the same file already in this process used the same options.", message);
            }
            handle.Attach(database, null);
            return new DuckDbDatabase(handle, path);
        }
        finally
        {
            if (config != IntPtr.Zero)
                DuckDbNative.DestroyConfig(&config);
        }
    }

    /// <summary>Opens a connection; each thread should use its own.</summary>
    /// <exception cref="ObjectDisposedException">The database was disposed.</exception>
    public DuckDbConnection Connect()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var connection = new ConnectionHandle();
        using (var lease = _handle.Borrow())
        {
            IntPtr native;
            if (DuckDbNative.Connect(lease.Pointer, &native) != DuckDbState.Success)
            {
                if (native != IntPtr.Zero)
                    DuckDbNative.Disconnect(&native);
                throw new DuckDbException($"DuckDB could not open a connection to '{Path}'.");
            }
            connection.Attach(native, _handle);
        }
        return new DuckDbConnection(connection);
    }

    /// <summary>Closes the database (after its last connection is disposed). Safe to call more than once.</summary>
    public void Dispose() => _handle.Dispose();

    private static IntPtr CreateConfig(DuckDbOptions options, string path)
    {
        IntPtr config;
        if (DuckDbNative.CreateConfig(&config) != DuckDbState.Success)
            throw new DuckDbException("DuckDB could not create a configuration object (out of memory?).");
        try
        {
            var settings = new List<KeyValuePair<string, string>>();
            if (options.Threads is { } threads)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(options.Threads));
                settings.Add(new("threads", threads.ToString(CultureInfo.InvariantCulture)));
            }
            if (options.MemoryLimit is { } memory)
                settings.Add(new("memory_limit", memory));
            if (options.ReadOnly)
                settings.Add(new("access_mode", "READ_ONLY"));
            settings.AddRange(options.Settings);

            foreach (var (name, value) in settings)
            {
                using var nativeName = new Utf8Z(name);
                using var nativeValue = new Utf8Z(value);
                if (DuckDbNative.SetConfig(config, nativeName.Pointer, nativeValue.Pointer) != DuckDbState.Success)
                    throw new DuckDbException(
                        $"DuckDB rejected the setting {name}='{value}' for '{path}': the name is unknown or the value invalid. " +
                        "See DuckDB's configuration reference for the accepted names and values.",
                        errorKind: DuckDbErrorKind.InvalidConfiguration);
            }
            return config;
        }
        catch
        {
            DuckDbNative.DestroyConfig(&config);
            throw;
        }
    }
}
