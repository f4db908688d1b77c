using System.Runtime.InteropServices;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Cli.Scoring.DuckDb;

/// <summary>DuckDB's <c>duckdb_state</c>: every fallible C call returns one.</summary>
internal enum DuckDbState
{
    Success = 0,
    Error = 1,
}

/// <summary>
/// DuckDB's <c>duckdb_result</c> (48 bytes on 64-bit). Only <see cref="InternalData"/> is meaningful
/// to callers; the other fields are deprecated and read through the accessor functions instead.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbResultStruct
{
    public ulong DeprecatedColumnCount;
    public ulong DeprecatedRowCount;
    public ulong DeprecatedRowsChanged;
    public IntPtr DeprecatedColumns;
    public IntPtr DeprecatedErrorMessage;
    public IntPtr InternalData;
}

/// <summary>DuckDB's <c>duckdb_timestamp</c>: microseconds since 1970-01-01 00:00:00.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbTimestampStruct
{
    public long Micros;
}

/// <summary>DuckDB's <c>duckdb_list_entry</c>: where one row's list lies in the child vector.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbListEntry
{
    public ulong Offset;
    public ulong Length;
}

/// <summary>
/// The slice of DuckDB's C API (duckdb.h, v1.5 branch, no deprecated calls) the scoring job uses, bound once
/// from the bundled <c>libduckdb.so</c>. Parameters carry their C types as comments. C <c>bool</c> is one byte,
/// so it travels as <see cref="byte"/>: the runtime would otherwise treat it as a 4-byte BOOL and misread returns.
/// </summary>
internal static unsafe class DuckDbNative
{
    /// <summary>Environment variable naming a libduckdb to load instead of the bundled one.</summary>
    public const string PathVariable = "MLNETATTN_DUCKDB_PATH";

    public static readonly LoadedLibrary Library;

    #region Database and configuration
    public static readonly delegate* unmanaged<byte* /*path*/, IntPtr* /*duckdb_database* */, IntPtr /*duckdb_config*/, byte** /*char** out_error*/, DuckDbState> OpenExt;
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_database* */, void> Close;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_instance_cache*/> CreateInstanceCache;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_instance_cache*/, byte* /*path*/, IntPtr* /*duckdb_database* */, IntPtr /*duckdb_config*/, byte** /*char** out_error*/, DuckDbState> GetOrCreateFromCache;
    public static readonly delegate* unmanaged<byte* /*const char* */> LibraryVersion;
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_config* */, DuckDbState> CreateConfig;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_config*/, byte* /*name*/, byte* /*option*/, DuckDbState> SetConfig;
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_config* */, void> DestroyConfig;
    public static readonly delegate* unmanaged<void* /*ptr*/, void> Free;
    #endregion

    #region Connection and query
    public static readonly delegate* unmanaged<IntPtr /*duckdb_database*/, IntPtr* /*duckdb_connection* */, DuckDbState> Connect;
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_connection* */, void> Disconnect;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_connection*/, byte* /*query*/, DuckDbResultStruct* /*out_result*/, DuckDbState> Query;
    #endregion

    #region Result
    public static readonly delegate* unmanaged<DuckDbResultStruct*, void> DestroyResult;
    public static readonly delegate* unmanaged<DuckDbResultStruct*, byte* /*const char* */> ResultError;
    public static readonly delegate* unmanaged<DuckDbResultStruct*, int /*duckdb_error_type*/> ResultErrorType;
    public static readonly delegate* unmanaged<DuckDbResultStruct*, ulong /*idx_t*/> ColumnCount;
    public static readonly delegate* unmanaged<DuckDbResultStruct*, ulong /*col*/, byte* /*const char* */> ColumnName;
    public static readonly delegate* unmanaged<DuckDbResultStruct*, ulong /*col*/, DuckDbType> ColumnType;
    public static readonly delegate* unmanaged<DuckDbResultStruct*, ulong /*col*/, IntPtr /*duckdb_logical_type*/> ColumnLogicalType;
    public static readonly delegate* unmanaged<DuckDbResultStruct*, ulong /*idx_t*/> RowsChanged;
    public static readonly delegate* unmanaged<DuckDbResultStruct /*by value*/, IntPtr /*duckdb_data_chunk*/> FetchChunk;
    #endregion

    #region Logical types
    public static readonly delegate* unmanaged<IntPtr /*duckdb_logical_type*/, DuckDbType> GetTypeId;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_logical_type*/, IntPtr /*duckdb_logical_type*/> ListTypeChildType;
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_logical_type* */, void> DestroyLogicalType;
    #endregion

    #region Data chunks and vectors
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_data_chunk* */, void> DestroyDataChunk;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_data_chunk*/, ulong /*idx_t*/> DataChunkGetSize;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_data_chunk*/, ulong /*col_idx*/, IntPtr /*duckdb_vector*/> DataChunkGetVector;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_vector*/, void*> VectorGetData;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_vector*/, ulong* /*uint64_t* validity, may be null*/> VectorGetValidity;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_vector*/, IntPtr /*duckdb_vector child*/> ListVectorGetChild;
    #endregion

    #region Prepared statements
    public static readonly delegate* unmanaged<IntPtr /*duckdb_connection*/, byte* /*query*/, IntPtr* /*duckdb_prepared_statement* */, DuckDbState> Prepare;
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_prepared_statement* */, void> DestroyPrepare;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_prepared_statement*/, byte* /*const char* */> PrepareError;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_prepared_statement*/, ulong /*idx_t*/> NParams;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_prepared_statement*/, DuckDbState> ClearBindings;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, byte /*bool*/, DuckDbState> BindBoolean;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, int, DuckDbState> BindInt32;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, long, DuckDbState> BindInt64;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, float, DuckDbState> BindFloat;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, double, DuckDbState> BindDouble;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, DuckDbTimestampStruct, DuckDbState> BindTimestamp;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, byte* /*val*/, ulong /*length*/, DuckDbState> BindVarcharLength;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, void* /*data*/, ulong /*length*/, DuckDbState> BindBlob;
    public static readonly delegate* unmanaged<IntPtr, ulong /*param_idx*/, DuckDbState> BindNull;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_prepared_statement*/, DuckDbResultStruct* /*out_result*/, DuckDbState> ExecutePrepared;
    #endregion

    #region Appender
    public static readonly delegate* unmanaged<IntPtr /*duckdb_connection*/, byte* /*catalog*/, byte* /*schema*/, byte* /*table*/, IntPtr* /*duckdb_appender* */, DuckDbState> AppenderCreateExt;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_appender*/, IntPtr /*duckdb_error_data*/> AppenderErrorData;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_appender*/, DuckDbState> AppenderFlush;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_appender*/, DuckDbState> AppenderClear;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_appender*/, DuckDbState> AppenderClose;
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_appender* */, DuckDbState> AppenderDestroy;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_appender*/, DuckDbState> AppenderEndRow;
    public static readonly delegate* unmanaged<IntPtr, byte /*bool*/, DuckDbState> AppendBool;
    public static readonly delegate* unmanaged<IntPtr, int, DuckDbState> AppendInt32;
    public static readonly delegate* unmanaged<IntPtr, long, DuckDbState> AppendInt64;
    public static readonly delegate* unmanaged<IntPtr, float, DuckDbState> AppendFloat;
    public static readonly delegate* unmanaged<IntPtr, double, DuckDbState> AppendDouble;
    public static readonly delegate* unmanaged<IntPtr, DuckDbTimestampStruct, DuckDbState> AppendTimestamp;
    public static readonly delegate* unmanaged<IntPtr, byte* /*val*/, ulong /*length*/, DuckDbState> AppendVarcharLength;
    public static readonly delegate* unmanaged<IntPtr, void* /*data*/, ulong /*length*/, DuckDbState> AppendBlob;
    public static readonly delegate* unmanaged<IntPtr, DuckDbState> AppendNull;
    #endregion

    #region Error data
    public static readonly delegate* unmanaged<IntPtr* /*duckdb_error_data* */, void> DestroyErrorData;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_error_data*/, int /*duckdb_error_type*/> ErrorDataErrorType;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_error_data*/, byte* /*const char* */> ErrorDataMessage;
    public static readonly delegate* unmanaged<IntPtr /*duckdb_error_data*/, byte /*bool*/> ErrorDataHasError;
    #endregion

    static DuckDbNative()
    {
        Library = NativeLibraryResolver.Load("DuckDB", null, PathVariable, "libduckdb.so", "libduckdb.so");
        var lib = Library;

        OpenExt = (delegate* unmanaged<byte*, IntPtr*, IntPtr, byte**, DuckDbState>)lib.Export("duckdb_open_ext");
        Close = (delegate* unmanaged<IntPtr*, void>)lib.Export("duckdb_close");
        CreateInstanceCache = (delegate* unmanaged<IntPtr>)lib.Export("duckdb_create_instance_cache");
        GetOrCreateFromCache = (delegate* unmanaged<IntPtr, byte*, IntPtr*, IntPtr, byte**, DuckDbState>)lib.Export("duckdb_get_or_create_from_cache");
        LibraryVersion = (delegate* unmanaged<byte*>)lib.Export("duckdb_library_version");
        CreateConfig = (delegate* unmanaged<IntPtr*, DuckDbState>)lib.Export("duckdb_create_config");
        SetConfig = (delegate* unmanaged<IntPtr, byte*, byte*, DuckDbState>)lib.Export("duckdb_set_config");
        DestroyConfig = (delegate* unmanaged<IntPtr*, void>)lib.Export("duckdb_destroy_config");
        Free = (delegate* unmanaged<void*, void>)lib.Export("duckdb_free");

        Connect = (delegate* unmanaged<IntPtr, IntPtr*, DuckDbState>)lib.Export("duckdb_connect");
        Disconnect = (delegate* unmanaged<IntPtr*, void>)lib.Export("duckdb_disconnect");
        Query = (delegate* unmanaged<IntPtr, byte*, DuckDbResultStruct*, DuckDbState>)lib.Export("duckdb_query");

        DestroyResult = (delegate* unmanaged<DuckDbResultStruct*, void>)lib.Export("duckdb_destroy_result");
        ResultError = (delegate* unmanaged<DuckDbResultStruct*, byte*>)lib.Export("duckdb_result_error");
        ResultErrorType = (delegate* unmanaged<DuckDbResultStruct*, int>)lib.Export("duckdb_result_error_type");
        ColumnCount = (delegate* unmanaged<DuckDbResultStruct*, ulong>)lib.Export("duckdb_column_count");
        ColumnName = (delegate* unmanaged<DuckDbResultStruct*, ulong, byte*>)lib.Export("duckdb_column_name");
        ColumnType = (delegate* unmanaged<DuckDbResultStruct*, ulong, DuckDbType>)lib.Export("duckdb_column_type");
        ColumnLogicalType = (delegate* unmanaged<DuckDbResultStruct*, ulong, IntPtr>)lib.Export("duckdb_column_logical_type");
        RowsChanged = (delegate* unmanaged<DuckDbResultStruct*, ulong>)lib.Export("duckdb_rows_changed");
        FetchChunk = (delegate* unmanaged<DuckDbResultStruct, IntPtr>)lib.Export("duckdb_fetch_chunk");

        GetTypeId = (delegate* unmanaged<IntPtr, DuckDbType>)lib.Export("duckdb_get_type_id");
        ListTypeChildType = (delegate* unmanaged<IntPtr, IntPtr>)lib.Export("duckdb_list_type_child_type");
        DestroyLogicalType = (delegate* unmanaged<IntPtr*, void>)lib.Export("duckdb_destroy_logical_type");

        DestroyDataChunk = (delegate* unmanaged<IntPtr*, void>)lib.Export("duckdb_destroy_data_chunk");
        DataChunkGetSize = (delegate* unmanaged<IntPtr, ulong>)lib.Export("duckdb_data_chunk_get_size");
        DataChunkGetVector = (delegate* unmanaged<IntPtr, ulong, IntPtr>)lib.Export("duckdb_data_chunk_get_vector");
        VectorGetData = (delegate* unmanaged<IntPtr, void*>)lib.Export("duckdb_vector_get_data");
        VectorGetValidity = (delegate* unmanaged<IntPtr, ulong*>)lib.Export("duckdb_vector_get_validity");
        ListVectorGetChild = (delegate* unmanaged<IntPtr, IntPtr>)lib.Export("duckdb_list_vector_get_child");

        Prepare = (delegate* unmanaged<IntPtr, byte*, IntPtr*, DuckDbState>)lib.Export("duckdb_prepare");
        DestroyPrepare = (delegate* unmanaged<IntPtr*, void>)lib.Export("duckdb_destroy_prepare");
        PrepareError = (delegate* unmanaged<IntPtr, byte*>)lib.Export("duckdb_prepare_error");
        NParams = (delegate* unmanaged<IntPtr, ulong>)lib.Export("duckdb_nparams");
        ClearBindings = (delegate* unmanaged<IntPtr, DuckDbState>)lib.Export("duckdb_clear_bindings");
        BindBoolean = (delegate* unmanaged<IntPtr, ulong, byte, DuckDbState>)lib.Export("duckdb_bind_boolean");
        BindInt32 = (delegate* unmanaged<IntPtr, ulong, int, DuckDbState>)lib.Export("duckdb_bind_int32");
        BindInt64 = (delegate* unmanaged<IntPtr, ulong, long, DuckDbState>)lib.Export("duckdb_bind_int64");
        BindFloat = (delegate* unmanaged<IntPtr, ulong, float, DuckDbState>)lib.Export("duckdb_bind_float");
        BindDouble = (delegate* unmanaged<IntPtr, ulong, double, DuckDbState>)lib.Export("duckdb_bind_double");
        BindTimestamp = (delegate* unmanaged<IntPtr, ulong, DuckDbTimestampStruct, DuckDbState>)lib.Export("duckdb_bind_timestamp");
        BindVarcharLength = (delegate* unmanaged<IntPtr, ulong, byte*, ulong, DuckDbState>)lib.Export("duckdb_bind_varchar_length");
        BindBlob = (delegate* unmanaged<IntPtr, ulong, void*, ulong, DuckDbState>)lib.Export("duckdb_bind_blob");
        BindNull = (delegate* unmanaged<IntPtr, ulong, DuckDbState>)lib.Export("duckdb_bind_null");
        ExecutePrepared = (delegate* unmanaged<IntPtr, DuckDbResultStruct*, DuckDbState>)lib.Export("duckdb_execute_prepared");

        AppenderCreateExt = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, IntPtr*, DuckDbState>)lib.Export("duckdb_appender_create_ext");
        AppenderErrorData = (delegate* unmanaged<IntPtr, IntPtr>)lib.Export("duckdb_appender_error_data");
        AppenderFlush = (delegate* unmanaged<IntPtr, DuckDbState>)lib.Export("duckdb_appender_flush");
        AppenderClear = (delegate* unmanaged<IntPtr, DuckDbState>)lib.Export("duckdb_appender_clear");
        AppenderClose = (delegate* unmanaged<IntPtr, DuckDbState>)lib.Export("duckdb_appender_close");
        AppenderDestroy = (delegate* unmanaged<IntPtr*, DuckDbState>)lib.Export("duckdb_appender_destroy");
        AppenderEndRow = (delegate* unmanaged<IntPtr, DuckDbState>)lib.Export("duckdb_appender_end_row");
        AppendBool = (delegate* unmanaged<IntPtr, byte, DuckDbState>)lib.Export("duckdb_append_bool");
        AppendInt32 = (delegate* unmanaged<IntPtr, int, DuckDbState>)lib.Export("duckdb_append_int32");
        AppendInt64 = (delegate* unmanaged<IntPtr, long, DuckDbState>)lib.Export("duckdb_append_int64");
        AppendFloat = (delegate* unmanaged<IntPtr, float, DuckDbState>)lib.Export("duckdb_append_float");
        AppendDouble = (delegate* unmanaged<IntPtr, double, DuckDbState>)lib.Export("duckdb_append_double");
        AppendTimestamp = (delegate* unmanaged<IntPtr, DuckDbTimestampStruct, DuckDbState>)lib.Export("duckdb_append_timestamp");
        AppendVarcharLength = (delegate* unmanaged<IntPtr, byte*, ulong, DuckDbState>)lib.Export("duckdb_append_varchar_length");
        AppendBlob = (delegate* unmanaged<IntPtr, void*, ulong, DuckDbState>)lib.Export("duckdb_append_blob");
        AppendNull = (delegate* unmanaged<IntPtr, DuckDbState>)lib.Export("duckdb_append_null");

        DestroyErrorData = (delegate* unmanaged<IntPtr*, void>)lib.Export("duckdb_destroy_error_data");
        ErrorDataErrorType = (delegate* unmanaged<IntPtr, int>)lib.Export("duckdb_error_data_error_type");
        ErrorDataMessage = (delegate* unmanaged<IntPtr, byte*>)lib.Export("duckdb_error_data_message");
        ErrorDataHasError = (delegate* unmanaged<IntPtr, byte>)lib.Export("duckdb_error_data_has_error");
    }

    /// <summary>Reads a NUL-terminated UTF-8 string that DuckDB owns (never freed here); null stays null.</summary>
    public static string? ReadUtf8(byte* text) => text == null ? null : Marshal.PtrToStringUTF8((IntPtr)text);
}
