namespace MLNetAttn.Transforms.Native;

// One typed wrapper per OrtApi slot we call. Pointers are raw IntPtr here; the SafeHandle owners keep them
// alive across a call. Wrappers that return OrtStatus* take a "doing" text and throw through OrtStatus.
internal static unsafe partial class OrtApi
{
    #region Status

    /// <summary><c>OrtErrorCode GetErrorCode(const OrtStatus*)</c></summary>
    public static int GetErrorCode(IntPtr status)
        => ((delegate* unmanaged<IntPtr, int>)Slot(OrtSlot.GetErrorCode))(status);

    /// <summary><c>const char* GetErrorMessage(const OrtStatus*)</c>: owned by the status.</summary>
    public static IntPtr GetErrorMessage(IntPtr status)
        => ((delegate* unmanaged<IntPtr, IntPtr>)Slot(OrtSlot.GetErrorMessage))(status);

    /// <summary><c>void ReleaseStatus(OrtStatus*)</c></summary>
    public static void ReleaseStatus(IntPtr status)
        => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseStatus))(status);

    /// <summary><c>OrtStatus* CreateStatus(OrtErrorCode, const char*)</c>: only used to check the funnel.</summary>
    public static IntPtr CreateStatus(int code, byte* message)
        => ((delegate* unmanaged<int, byte*, IntPtr>)Slot(OrtSlot.CreateStatus))(code, message);

    #endregion

    #region Env

    /// <summary><c>CreateEnvWithCustomLogger(OrtLoggingFunction, void* param, OrtLoggingLevel, const char* logid, OrtEnv** out)</c></summary>
    public static IntPtr CreateEnvWithCustomLogger(IntPtr loggingFunction, int level, byte* logId)
    {
        IntPtr env;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr, int, byte*, IntPtr*, IntPtr>)Slot(OrtSlot.CreateEnvWithCustomLogger))(
            loggingFunction, IntPtr.Zero, level, logId, &env), "creating the ONNX Runtime environment");
        return env;
    }

    /// <summary><c>void ReleaseEnv(OrtEnv*)</c></summary>
    public static void ReleaseEnv(IntPtr env) => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseEnv))(env);

    /// <summary><c>GetAvailableProviders(char*** out_ptr, int* provider_length)</c> then <c>ReleaseAvailableProviders(char**, int)</c>.</summary>
    public static string[] GetAvailableProviders()
    {
        IntPtr* names;
        int count;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr**, int*, IntPtr>)Slot(OrtSlot.GetAvailableProviders))(&names, &count),
            "listing the execution providers of the loaded ONNX Runtime");
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++)
                result[i] = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(names[i]) ?? "";
            return result;
        }
        finally
        {
            OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr*, int, IntPtr>)Slot(OrtSlot.ReleaseAvailableProviders))(names, count),
                "releasing the list of execution providers");
        }
    }

    #endregion

    #region Session

    /// <summary><c>CreateSession(const OrtEnv*, const ORTCHAR_T* model_path, const OrtSessionOptions*, OrtSession** out)</c>; ORTCHAR_T is char on Linux/macOS, wchar_t on Windows.</summary>
    public static IntPtr CreateSession(IntPtr env, void* modelPath, IntPtr options, string doing)
    {
        IntPtr session;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, void*, IntPtr, IntPtr*, IntPtr>)Slot(OrtSlot.CreateSession))(
            env, modelPath, options, &session), doing);
        return session;
    }

    /// <summary><c>CreateSessionFromArray(const OrtEnv*, const void* model_data, size_t model_data_length, const OrtSessionOptions*, OrtSession** out)</c></summary>
    public static IntPtr CreateSessionFromArray(IntPtr env, byte* data, nuint length, IntPtr options, string doing)
    {
        IntPtr session;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, byte*, nuint, IntPtr, IntPtr*, IntPtr>)Slot(OrtSlot.CreateSessionFromArray))(
            env, data, length, options, &session), doing);
        return session;
    }

    /// <summary><c>Run(OrtSession*, const OrtRunOptions*, const char* const* input_names, const OrtValue* const* inputs, size_t input_len, const char* const* output_names, size_t output_names_len, OrtValue** outputs)</c></summary>
    public static void Run(IntPtr session, IntPtr* inputNames, IntPtr* inputs, nuint inputCount, IntPtr* outputNames, nuint outputCount, IntPtr* outputs, string doing)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)Slot(OrtSlot.Run))(
            session, IntPtr.Zero, inputNames, inputs, inputCount, outputNames, outputCount, outputs), doing);

    /// <summary><c>SessionGetInputCount</c> / <c>SessionGetOutputCount(const OrtSession*, size_t* out)</c></summary>
    public static int SessionGetCount(IntPtr session, bool inputs, string doing)
    {
        nuint count;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)Slot(inputs ? OrtSlot.SessionGetInputCount : OrtSlot.SessionGetOutputCount))(
            session, &count), doing);
        return checked((int)count);
    }

    /// <summary><c>SessionGetInputName</c> / <c>SessionGetOutputName(const OrtSession*, size_t index, OrtAllocator*, char** value)</c>; the name is freed with <c>AllocatorFree</c>.</summary>
    public static string SessionGetName(IntPtr session, bool input, int index, string doing)
    {
        var allocator = GetAllocatorWithDefaultOptions();
        IntPtr name;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr>)Slot(input ? OrtSlot.SessionGetInputName : OrtSlot.SessionGetOutputName))(
            session, (nuint)index, allocator, &name), doing);
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(name) ?? "";
        }
        finally
        {
            OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr, IntPtr>)Slot(OrtSlot.AllocatorFree))(allocator, name), doing);
        }
    }

    /// <summary><c>SessionGetInputTypeInfo</c> / <c>SessionGetOutputTypeInfo(const OrtSession*, size_t index, OrtTypeInfo** type_info)</c>; release with <see cref="ReleaseTypeInfo"/>.</summary>
    public static IntPtr SessionGetTypeInfo(IntPtr session, bool input, int index, string doing)
    {
        IntPtr info;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)Slot(input ? OrtSlot.SessionGetInputTypeInfo : OrtSlot.SessionGetOutputTypeInfo))(
            session, (nuint)index, &info), doing);
        return info;
    }

    /// <summary><c>void ReleaseSession(OrtSession*)</c></summary>
    public static void ReleaseSession(IntPtr session) => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseSession))(session);

    #endregion

    #region SessionOptions

    /// <summary><c>CreateSessionOptions(OrtSessionOptions** options)</c></summary>
    public static IntPtr CreateSessionOptions()
    {
        IntPtr options;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr*, IntPtr>)Slot(OrtSlot.CreateSessionOptions))(&options), "creating ONNX Runtime session options");
        return options;
    }

    /// <summary><c>SetSessionExecutionMode(OrtSessionOptions*, ExecutionMode)</c></summary>
    public static void SetSessionExecutionMode(IntPtr options, int mode)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, int, IntPtr>)Slot(OrtSlot.SetSessionExecutionMode))(options, mode), "setting the execution mode");

    /// <summary><c>SetSessionLogId(OrtSessionOptions*, const char* logid)</c></summary>
    public static void SetSessionLogId(IntPtr options, byte* logId)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, byte*, IntPtr>)Slot(OrtSlot.SetSessionLogId))(options, logId), "setting the session log id");

    /// <summary><c>SetSessionGraphOptimizationLevel(OrtSessionOptions*, GraphOptimizationLevel)</c></summary>
    public static void SetSessionGraphOptimizationLevel(IntPtr options, int level)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, int, IntPtr>)Slot(OrtSlot.SetSessionGraphOptimizationLevel))(options, level), "setting the graph optimization level");

    /// <summary><c>SetIntraOpNumThreads(OrtSessionOptions*, int)</c></summary>
    public static void SetIntraOpNumThreads(IntPtr options, int threads)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, int, IntPtr>)Slot(OrtSlot.SetIntraOpNumThreads))(options, threads), "setting the intra-op thread count");

    /// <summary><c>SetInterOpNumThreads(OrtSessionOptions*, int)</c></summary>
    public static void SetInterOpNumThreads(IntPtr options, int threads)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, int, IntPtr>)Slot(OrtSlot.SetInterOpNumThreads))(options, threads), "setting the inter-op thread count");

    /// <summary><c>AddSessionConfigEntry(OrtSessionOptions*, const char* key, const char* value)</c>; both strings NUL-terminated UTF-8.</summary>
    public static void AddSessionConfigEntry(IntPtr options, byte* key, byte* value, string keyForMessage)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, byte*, byte*, IntPtr>)Slot(OrtSlot.AddSessionConfigEntry))(options, key, value), $"setting the session config entry '{keyForMessage}'");

    /// <summary><c>void ReleaseSessionOptions(OrtSessionOptions*)</c></summary>
    public static void ReleaseSessionOptions(IntPtr options) => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseSessionOptions))(options);

    #endregion

    #region CUDA

    /// <summary><c>CreateCUDAProviderOptions(OrtCUDAProviderOptionsV2** out)</c>; returns the raw status (null = success) so the caller can decide to fall back.</summary>
    public static IntPtr CreateCudaProviderOptions(out IntPtr cudaOptions)
    {
        IntPtr created = IntPtr.Zero;
        var status = ((delegate* unmanaged<IntPtr*, IntPtr>)Slot(OrtSlot.CreateCUDAProviderOptions))(&created);
        cudaOptions = created;
        return status;
    }

    /// <summary><c>UpdateCUDAProviderOptions(OrtCUDAProviderOptionsV2*, const char* const* keys, const char* const* values, size_t num_keys)</c>; returns the raw status.</summary>
    public static IntPtr UpdateCudaProviderOptions(IntPtr cudaOptions, byte** keys, byte** values, nuint count)
        => ((delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr>)Slot(OrtSlot.UpdateCUDAProviderOptions))(cudaOptions, keys, values, count);

    /// <summary><c>SessionOptionsAppendExecutionProvider_CUDA_V2(OrtSessionOptions*, const OrtCUDAProviderOptionsV2*)</c>; returns the raw status.</summary>
    public static IntPtr AppendCudaProvider(IntPtr options, IntPtr cudaOptions)
        => ((delegate* unmanaged<IntPtr, IntPtr, IntPtr>)Slot(OrtSlot.SessionOptionsAppendExecutionProvider_CUDA_V2))(options, cudaOptions);

    /// <summary><c>void ReleaseCUDAProviderOptions(OrtCUDAProviderOptionsV2*)</c></summary>
    public static void ReleaseCudaProviderOptions(IntPtr cudaOptions)
        => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseCUDAProviderOptions))(cudaOptions);

    #endregion

    #region Values and type information

    /// <summary><c>CreateTensorWithDataAsOrtValue(const OrtMemoryInfo*, void* p_data, size_t p_data_len, const int64_t* shape, size_t shape_len, ONNXTensorElementDataType, OrtValue** out)</c>: borrows p_data.</summary>
    public static IntPtr CreateTensorWithData(IntPtr memoryInfo, void* data, nuint byteLength, long* shape, nuint rank, int elementType, string doing)
    {
        IntPtr value;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)Slot(OrtSlot.CreateTensorWithDataAsOrtValue))(
            memoryInfo, data, byteLength, shape, rank, elementType, &value), doing);
        return value;
    }

    /// <summary><c>IsTensor(const OrtValue*, int* out)</c></summary>
    public static bool IsTensor(IntPtr value)
    {
        int result;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, int*, IntPtr>)Slot(OrtSlot.IsTensor))(value, &result), "checking an output value");
        return result != 0;
    }

    /// <summary><c>GetTensorMutableData(OrtValue*, void** out)</c>: valid while the value lives.</summary>
    public static IntPtr GetTensorMutableData(IntPtr value, string doing)
    {
        IntPtr data;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)Slot(OrtSlot.GetTensorMutableData))(value, &data), doing);
        return data;
    }

    /// <summary><c>CastTypeInfoToTensorInfo(const OrtTypeInfo*, const OrtTensorTypeAndShapeInfo** out)</c>: null for non-tensors; owned by the type info.</summary>
    public static IntPtr CastTypeInfoToTensorInfo(IntPtr typeInfo, string doing)
    {
        IntPtr tensorInfo;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)Slot(OrtSlot.CastTypeInfoToTensorInfo))(typeInfo, &tensorInfo), doing);
        return tensorInfo;
    }

    /// <summary><c>GetTensorElementType(const OrtTensorTypeAndShapeInfo*, ONNXTensorElementDataType* out)</c></summary>
    public static int GetTensorElementType(IntPtr tensorInfo, string doing)
    {
        int type;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, int*, IntPtr>)Slot(OrtSlot.GetTensorElementType))(tensorInfo, &type), doing);
        return type;
    }

    /// <summary><c>GetDimensionsCount</c> then <c>GetDimensions(const OrtTensorTypeAndShapeInfo*, int64_t* dim_values, size_t dim_values_length)</c>; -1 marks a dimension with no fixed size.</summary>
    public static long[] GetDimensions(IntPtr tensorInfo, string doing)
    {
        nuint rank;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)Slot(OrtSlot.GetDimensionsCount))(tensorInfo, &rank), doing);
        var dims = new long[(int)rank];
        fixed (long* p = dims)
            OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, long*, nuint, IntPtr>)Slot(OrtSlot.GetDimensions))(tensorInfo, p, rank), doing);
        return dims;
    }

    /// <summary><c>GetSymbolicDimensions(const OrtTensorTypeAndShapeInfo*, const char* dim_params[], size_t dim_params_length)</c>: "" for unnamed dimensions (null here).</summary>
    public static string?[] GetSymbolicDimensions(IntPtr tensorInfo, int rank, string doing)
    {
        var result = new string?[rank];
        if (rank == 0)
            return result;
        var names = stackalloc IntPtr[rank];
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr*, nuint, IntPtr>)Slot(OrtSlot.GetSymbolicDimensions))(tensorInfo, names, (nuint)rank), doing);
        for (var i = 0; i < rank; i++)
        {
            var name = names[i] == IntPtr.Zero ? null : System.Runtime.InteropServices.Marshal.PtrToStringUTF8(names[i]);
            result[i] = string.IsNullOrEmpty(name) ? null : name;
        }
        return result;
    }

    /// <summary><c>GetTensorTypeAndShape(const OrtValue*, OrtTensorTypeAndShapeInfo** out)</c>; release with <see cref="ReleaseTensorTypeAndShapeInfo"/>.</summary>
    public static IntPtr GetTensorTypeAndShape(IntPtr value, string doing)
    {
        IntPtr info;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)Slot(OrtSlot.GetTensorTypeAndShape))(value, &info), doing);
        return info;
    }

    /// <summary><c>void ReleaseValue(OrtValue*)</c></summary>
    public static void ReleaseValue(IntPtr value) => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseValue))(value);

    /// <summary><c>void ReleaseTypeInfo(OrtTypeInfo*)</c></summary>
    public static void ReleaseTypeInfo(IntPtr typeInfo) => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseTypeInfo))(typeInfo);

    /// <summary><c>void ReleaseTensorTypeAndShapeInfo(OrtTensorTypeAndShapeInfo*)</c></summary>
    public static void ReleaseTensorTypeAndShapeInfo(IntPtr info) => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseTensorTypeAndShapeInfo))(info);

    #endregion

    #region Memory

    /// <summary><c>CreateCpuMemoryInfo(OrtAllocatorType, OrtMemType, OrtMemoryInfo** out)</c></summary>
    public static IntPtr CreateCpuMemoryInfo(int allocatorType, int memType)
    {
        IntPtr info;
        OrtStatus.ThrowIfError(((delegate* unmanaged<int, int, IntPtr*, IntPtr>)Slot(OrtSlot.CreateCpuMemoryInfo))(allocatorType, memType, &info), "describing CPU memory");
        return info;
    }

    /// <summary><c>MemoryInfoGetName(const OrtMemoryInfo*, const char** out)</c>: the name is owned by the memory info.</summary>
    public static string MemoryInfoGetName(IntPtr info)
    {
        IntPtr name;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)Slot(OrtSlot.MemoryInfoGetName))(info, &name), "reading a memory info name");
        return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(name) ?? "";
    }

    /// <summary><c>GetAllocatorWithDefaultOptions(OrtAllocator** out)</c>: a process-wide allocator, never released.</summary>
    public static IntPtr GetAllocatorWithDefaultOptions()
    {
        IntPtr allocator;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr*, IntPtr>)Slot(OrtSlot.GetAllocatorWithDefaultOptions))(&allocator), "getting the default allocator");
        return allocator;
    }

    /// <summary><c>void ReleaseMemoryInfo(OrtMemoryInfo*)</c></summary>
    public static void ReleaseMemoryInfo(IntPtr info) => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseMemoryInfo))(info);

    #endregion

    #region IoBinding

    /// <summary><c>CreateIoBinding(OrtSession*, OrtIoBinding** out)</c></summary>
    public static IntPtr CreateIoBinding(IntPtr session, string doing)
    {
        IntPtr binding;
        OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)Slot(OrtSlot.CreateIoBinding))(session, &binding), doing);
        return binding;
    }

    /// <summary><c>BindInput</c> / <c>BindOutput(OrtIoBinding*, const char* name, const OrtValue*)</c></summary>
    public static void Bind(IntPtr binding, bool input, IntPtr name, IntPtr value, string doing)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr>)Slot(input ? OrtSlot.BindInput : OrtSlot.BindOutput))(binding, name, value), doing);

    /// <summary><c>void ClearBoundInputs</c> / <c>void ClearBoundOutputs(OrtIoBinding*)</c></summary>
    public static void ClearBound(IntPtr binding, bool inputs)
        => ((delegate* unmanaged<IntPtr, void>)Slot(inputs ? OrtSlot.ClearBoundInputs : OrtSlot.ClearBoundOutputs))(binding);

    /// <summary><c>RunWithBinding(OrtSession*, const OrtRunOptions*, const OrtIoBinding*)</c>; null run options = defaults.</summary>
    public static void RunWithBinding(IntPtr session, IntPtr binding, string doing)
        => OrtStatus.ThrowIfError(((delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr>)Slot(OrtSlot.RunWithBinding))(session, IntPtr.Zero, binding), doing);

    /// <summary><c>void ReleaseIoBinding(OrtIoBinding*)</c></summary>
    public static void ReleaseIoBinding(IntPtr binding) => ((delegate* unmanaged<IntPtr, void>)Slot(OrtSlot.ReleaseIoBinding))(binding);

    #endregion
}
