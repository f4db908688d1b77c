namespace MLNetAttn.Transforms.Native;

/// <summary>
/// Indexes into ONNX Runtime's <c>OrtApi</c> function table (include/onnxruntime/core/session/onnxruntime_c_api.h,
/// counted in the ORT_API_VERSION 30 header of the 1.30 release). The table only ever grows at its end, so an
/// index stays valid for every runtime that answers <see cref="RequiredApiVersion"/> or newer.
/// </summary>
/// <remarks>
/// Every slot bound here existed by API version 11 (ORT 1.11, where the CUDA V2 provider-options calls
/// arrived), so that is the version requested: older CUDA builds a user points us at still load.
/// OrtStatus* is null on success; every other status goes through <see cref="OrtStatus.ThrowIfError"/>.
/// </remarks>
internal static class OrtSlot
{
    /// <summary>The API version passed to <c>OrtApiBase::GetApi</c>: the newest "\since" among the slots below.</summary>
    public const uint RequiredApiVersion = 11;

    #region Status

    /// <summary><c>OrtStatus* CreateStatus(OrtErrorCode code, const char* msg)</c></summary>
    public const int CreateStatus = 0;
    /// <summary><c>OrtErrorCode GetErrorCode(const OrtStatus* status)</c></summary>
    public const int GetErrorCode = 1;
    /// <summary><c>const char* GetErrorMessage(const OrtStatus* status)</c></summary>
    public const int GetErrorMessage = 2;
    /// <summary><c>void ReleaseStatus(OrtStatus* input)</c></summary>
    public const int ReleaseStatus = 93;

    #endregion

    #region Env

    /// <summary><c>OrtStatus* CreateEnvWithCustomLogger(OrtLoggingFunction logging_function, void* logger_param, OrtLoggingLevel log_severity_level, const char* logid, OrtEnv** out)</c></summary>
    public const int CreateEnvWithCustomLogger = 4;
    /// <summary><c>void ReleaseEnv(OrtEnv* input)</c></summary>
    public const int ReleaseEnv = 92;
    /// <summary><c>OrtStatus* GetAvailableProviders(char*** out_ptr, int* provider_length)</c></summary>
    public const int GetAvailableProviders = 125;
    /// <summary><c>OrtStatus* ReleaseAvailableProviders(char** ptr, int providers_length)</c></summary>
    public const int ReleaseAvailableProviders = 126;

    #endregion

    #region Session

    /// <summary><c>OrtStatus* CreateSession(const OrtEnv* env, const ORTCHAR_T* model_path, const OrtSessionOptions* options, OrtSession** out)</c></summary>
    public const int CreateSession = 7;
    /// <summary><c>OrtStatus* CreateSessionFromArray(const OrtEnv* env, const void* model_data, size_t model_data_length, const OrtSessionOptions* options, OrtSession** out)</c></summary>
    public const int CreateSessionFromArray = 8;
    /// <summary><c>OrtStatus* Run(OrtSession* session, const OrtRunOptions* run_options, const char* const* input_names, const OrtValue* const* inputs, size_t input_len, const char* const* output_names, size_t output_names_len, OrtValue** outputs)</c></summary>
    public const int Run = 9;
    /// <summary><c>OrtStatus* SessionGetInputCount(const OrtSession* session, size_t* out)</c></summary>
    public const int SessionGetInputCount = 30;
    /// <summary><c>OrtStatus* SessionGetOutputCount(const OrtSession* session, size_t* out)</c></summary>
    public const int SessionGetOutputCount = 31;
    /// <summary><c>OrtStatus* SessionGetInputTypeInfo(const OrtSession* session, size_t index, OrtTypeInfo** type_info)</c></summary>
    public const int SessionGetInputTypeInfo = 33;
    /// <summary><c>OrtStatus* SessionGetOutputTypeInfo(const OrtSession* session, size_t index, OrtTypeInfo** type_info)</c></summary>
    public const int SessionGetOutputTypeInfo = 34;
    /// <summary><c>OrtStatus* SessionGetInputName(const OrtSession* session, size_t index, OrtAllocator* allocator, char** value)</c></summary>
    public const int SessionGetInputName = 36;
    /// <summary><c>OrtStatus* SessionGetOutputName(const OrtSession* session, size_t index, OrtAllocator* allocator, char** value)</c></summary>
    public const int SessionGetOutputName = 37;
    /// <summary><c>void ReleaseSession(OrtSession* input)</c></summary>
    public const int ReleaseSession = 95;

    #endregion

    #region SessionOptions

    /// <summary><c>OrtStatus* CreateSessionOptions(OrtSessionOptions** options)</c></summary>
    public const int CreateSessionOptions = 10;
    /// <summary><c>OrtStatus* SetSessionExecutionMode(OrtSessionOptions* options, ExecutionMode execution_mode)</c></summary>
    public const int SetSessionExecutionMode = 13;
    /// <summary><c>OrtStatus* SetSessionLogId(OrtSessionOptions* options, const char* logid)</c></summary>
    public const int SetSessionLogId = 20;
    /// <summary><c>OrtStatus* SetSessionGraphOptimizationLevel(OrtSessionOptions* options, GraphOptimizationLevel graph_optimization_level)</c></summary>
    public const int SetSessionGraphOptimizationLevel = 23;
    /// <summary><c>OrtStatus* SetIntraOpNumThreads(OrtSessionOptions* options, int intra_op_num_threads)</c></summary>
    public const int SetIntraOpNumThreads = 24;
    /// <summary><c>OrtStatus* SetInterOpNumThreads(OrtSessionOptions* options, int inter_op_num_threads)</c></summary>
    public const int SetInterOpNumThreads = 25;
    /// <summary><c>OrtStatus* AddSessionConfigEntry(OrtSessionOptions* options, const char* config_key, const char* config_value)</c></summary>
    public const int AddSessionConfigEntry = 130;
    /// <summary><c>void ReleaseSessionOptions(OrtSessionOptions* input)</c></summary>
    public const int ReleaseSessionOptions = 100;

    #endregion

    #region Values and type information

    /// <summary><c>OrtStatus* CreateTensorWithDataAsOrtValue(const OrtMemoryInfo* info, void* p_data, size_t p_data_len, const int64_t* shape, size_t shape_len, ONNXTensorElementDataType type, OrtValue** out)</c></summary>
    public const int CreateTensorWithDataAsOrtValue = 49;
    /// <summary><c>OrtStatus* IsTensor(const OrtValue* value, int* out)</c></summary>
    public const int IsTensor = 50;
    /// <summary><c>OrtStatus* GetTensorMutableData(OrtValue* value, void** out)</c></summary>
    public const int GetTensorMutableData = 51;
    /// <summary><c>OrtStatus* CastTypeInfoToTensorInfo(const OrtTypeInfo* type_info, const OrtTensorTypeAndShapeInfo** out)</c> (out is owned by the type info)</summary>
    public const int CastTypeInfoToTensorInfo = 55;
    /// <summary><c>OrtStatus* GetTensorElementType(const OrtTensorTypeAndShapeInfo* info, ONNXTensorElementDataType* out)</c></summary>
    public const int GetTensorElementType = 60;
    /// <summary><c>OrtStatus* GetDimensionsCount(const OrtTensorTypeAndShapeInfo* info, size_t* out)</c></summary>
    public const int GetDimensionsCount = 61;
    /// <summary><c>OrtStatus* GetDimensions(const OrtTensorTypeAndShapeInfo* info, int64_t* dim_values, size_t dim_values_length)</c></summary>
    public const int GetDimensions = 62;
    /// <summary><c>OrtStatus* GetSymbolicDimensions(const OrtTensorTypeAndShapeInfo* info, const char* dim_params[], size_t dim_params_length)</c></summary>
    public const int GetSymbolicDimensions = 63;
    /// <summary><c>OrtStatus* GetTensorTypeAndShape(const OrtValue* value, OrtTensorTypeAndShapeInfo** out)</c></summary>
    public const int GetTensorTypeAndShape = 65;
    /// <summary><c>void ReleaseValue(OrtValue* input)</c></summary>
    public const int ReleaseValue = 96;
    /// <summary><c>void ReleaseTypeInfo(OrtTypeInfo* input)</c></summary>
    public const int ReleaseTypeInfo = 98;
    /// <summary><c>void ReleaseTensorTypeAndShapeInfo(OrtTensorTypeAndShapeInfo* input)</c></summary>
    public const int ReleaseTensorTypeAndShapeInfo = 99;

    #endregion

    #region Memory

    /// <summary><c>OrtStatus* CreateCpuMemoryInfo(OrtAllocatorType type, OrtMemType mem_type, OrtMemoryInfo** out)</c></summary>
    public const int CreateCpuMemoryInfo = 69;
    /// <summary><c>OrtStatus* MemoryInfoGetName(const OrtMemoryInfo* ptr, const char** out)</c></summary>
    public const int MemoryInfoGetName = 71;
    /// <summary><c>OrtStatus* AllocatorFree(OrtAllocator* ort_allocator, void* p)</c></summary>
    public const int AllocatorFree = 76;
    /// <summary><c>OrtStatus* GetAllocatorWithDefaultOptions(OrtAllocator** out)</c> (the allocator is never released)</summary>
    public const int GetAllocatorWithDefaultOptions = 78;
    /// <summary><c>void ReleaseMemoryInfo(OrtMemoryInfo* input)</c></summary>
    public const int ReleaseMemoryInfo = 94;

    #endregion

    #region IoBinding

    /// <summary><c>OrtStatus* RunWithBinding(OrtSession* session, const OrtRunOptions* run_options, const OrtIoBinding* binding_ptr)</c></summary>
    public const int RunWithBinding = 133;
    /// <summary><c>OrtStatus* CreateIoBinding(OrtSession* session, OrtIoBinding** out)</c></summary>
    public const int CreateIoBinding = 134;
    /// <summary><c>void ReleaseIoBinding(OrtIoBinding* input)</c></summary>
    public const int ReleaseIoBinding = 135;
    /// <summary><c>OrtStatus* BindInput(OrtIoBinding* binding_ptr, const char* name, const OrtValue* val_ptr)</c></summary>
    public const int BindInput = 136;
    /// <summary><c>OrtStatus* BindOutput(OrtIoBinding* binding_ptr, const char* name, const OrtValue* val_ptr)</c></summary>
    public const int BindOutput = 137;
    /// <summary><c>void ClearBoundInputs(OrtIoBinding* binding_ptr)</c></summary>
    public const int ClearBoundInputs = 141;
    /// <summary><c>void ClearBoundOutputs(OrtIoBinding* binding_ptr)</c></summary>
    public const int ClearBoundOutputs = 142;

    #endregion

    #region CUDA (API 11)

    /// <summary><c>OrtStatus* SessionOptionsAppendExecutionProvider_CUDA_V2(OrtSessionOptions* options, const OrtCUDAProviderOptionsV2* cuda_options)</c></summary>
    public const int SessionOptionsAppendExecutionProvider_CUDA_V2 = 204;
    /// <summary><c>OrtStatus* CreateCUDAProviderOptions(OrtCUDAProviderOptionsV2** out)</c></summary>
    public const int CreateCUDAProviderOptions = 205;
    /// <summary><c>OrtStatus* UpdateCUDAProviderOptions(OrtCUDAProviderOptionsV2* cuda_options, const char* const* provider_options_keys, const char* const* provider_options_values, size_t num_keys)</c></summary>
    public const int UpdateCUDAProviderOptions = 206;
    /// <summary><c>void ReleaseCUDAProviderOptions(OrtCUDAProviderOptionsV2* input)</c></summary>
    public const int ReleaseCUDAProviderOptions = 208;

    #endregion
}
