using System.Buffers;
using Microsoft.Extensions.Logging;
using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Estimators;

/// <summary>
/// Runs an ONNX model over vector columns (ML.NET's <c>OnnxTransformer</c>): each input column (float, or byte for a
/// uint8 input) feeds the tensor of the same name as a batch [rows, dims…], each requested output becomes a float vector column.
/// </summary>
/// <remarks>
/// | Estimator characteristics | |
/// | --- | --- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Vector&lt;Single&gt; (Vector&lt;Byte&gt; for a uint8 input) of the model input's size |
/// | Output column data type | Vector&lt;Single&gt; shaped as the model output without its batch dimension |
/// | Saved with the pipeline | Yes, with the model bytes |
/// Only apply models you trust: a model is a program the runtime executes. The session is loaded once, when the
/// estimator is created, and shared by every thread (ONNX Runtime sessions are thread-safe). Input batches are
/// handed to the runtime without a copy when no row of the batch has an error; rows with errors are left out of
/// the run and get zero outputs. Models whose batch dimension is fixed run in chunks of that size.
/// </remarks>
public sealed class OnnxTransformer : RowMappingTransformer, IDisposable
{
    private readonly OnnxSession _session;
    private readonly string[] _inputs;
    private readonly string[] _outputs;

    internal OnnxTransformer(VisionContext context, OnnxOptions options) : base(context)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var log = context.LoggerFactory.CreateLogger<OnnxTransformer>();
        var sessionOptions = new OnnxSessionOptions
        {
            GpuDeviceId = options.GpuDeviceId,
            FallbackToCpu = options.FallbackToCpu,
            IntraOpNumThreads = options.IntraOpNumThreads,
            InterOpNumThreads = options.InterOpNumThreads,
            AllowSpinning = options.AllowSpinning,
            StopSpinningAfterRun = true,
        };
        ModelBytes = options.ModelBytes ?? File.ReadAllBytes(options.ModelFile!);
        _session = OnnxSession.FromBytes(ModelBytes, sessionOptions, options.ModelFile ?? $"<{ModelBytes.Length} bytes>");
        try
        {
            if (_session.FallbackReason is { } reason)
                log.LogWarning("Model {Model}: CUDA device {Device} unavailable, running on CPU: {Reason}", _session.ModelName, options.GpuDeviceId, reason);
            _inputs = (options.InputColumns ?? _session.Inputs.Select(i => i.Name).ToArray()).ToArray();
            _outputs = (options.OutputColumns ?? _session.Outputs.Select(o => o.Name).ToArray()).ToArray();
            foreach (var name in _inputs)
                CheckTensor(_session.GetInput(name), "input", OnnxElementType.Float, OnnxElementType.UInt8);
            foreach (var name in _outputs)
                CheckTensor(_session.GetOutput(name), "output", OnnxElementType.Float);
            if (_inputs.Length == 0 || _outputs.Length == 0)
                throw new ArgumentException($"Model '{_session.ModelName}': name at least one input and one output.");
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        Options = options;
        Metadata = OnnxModelMetadata.Read(ModelBytes);
    }

    /// <summary>The options it was created with.</summary>
    public OnnxOptions Options { get; }

    /// <summary>The serialized model (kept for saving the pipeline).</summary>
    internal byte[] ModelBytes { get; }

    /// <summary>The model's custom metadata (ONNX <c>metadata_props</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Where the model runs: "CPU" or "CUDA".</summary>
    public string ExecutionProvider => _session.ExecutionProvider;

    /// <summary>The input columns (= tensor names).</summary>
    public IReadOnlyList<string> InputColumnNames => _inputs;

    /// <summary>The output columns (= tensor names).</summary>
    public IReadOnlyList<string> OutputColumnNames => _outputs;

    internal OnnxSession Session => _session;

    internal override string Kind => "ApplyOnnxModel";

    private static void CheckTensor(OnnxTensorInfo info, string role, params ReadOnlySpan<OnnxElementType> allowed)
    {
        if (!allowed.Contains(info.ElementType))
            throw new ArgumentException($"Model {role} '{info.Name}' holds {info.ElementType}; only {string.Join(" or ", allowed.ToArray())} {role} tensors map to columns.");
        if (info.Rank < 1)
            throw new ArgumentException($"Model {role} '{info.Name}' is a scalar; columns need a batch dimension first.");
    }

    private protected override IBatchMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    internal override void Save(PipelineWriter writer)
    {
        writer.SetModel("model", ModelBytes);
        writer.Set("inputColumns", _inputs);
        writer.Set("outputColumns", _outputs);
        writer.Set("gpuDeviceId", Options.GpuDeviceId);
        writer.Set("fallbackToCpu", Options.FallbackToCpu);
        writer.Set("batchSize", Options.BatchSize);
        writer.Set("intraOpNumThreads", Options.IntraOpNumThreads);
        writer.Set("interOpNumThreads", Options.InterOpNumThreads);
        writer.Set("allowSpinning", Options.AllowSpinning);
    }

    internal static OnnxTransformer Load(VisionContext context, PipelineReader reader) => new(context, new OnnxOptions
    {
        ModelBytes = reader.GetModel("model"),
        InputColumns = reader.GetStrings("inputColumns"),
        OutputColumns = reader.GetStrings("outputColumns"),
        GpuDeviceId = reader.GetOptionalInt("gpuDeviceId", 0, 1024),
        FallbackToCpu = reader.GetBool("fallbackToCpu"),
        BatchSize = reader.GetInt("batchSize", 1, 1 << 20),
        IntraOpNumThreads = reader.GetInt("intraOpNumThreads", 0, 4096),
        InterOpNumThreads = reader.GetInt("interOpNumThreads", 0, 4096),
        // Pipelines saved before the setting existed keep today's default.
        AllowSpinning = reader.GetOptionalBool("allowSpinning") ?? new OnnxOptions().AllowSpinning,
    });

    /// <summary>Releases the session.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>The shape of one row of a tensor: its dimensions after the batch one, with 0 for unknown.</summary>
    private static int[] RowDims(OnnxTensorInfo info) => info.Dimensions.Skip(1).Select(d => d > 0 ? (int)d : 0).ToArray();

    private sealed class Mapper : IBatchMapper
    {
        private readonly OnnxTransformer _parent;
        private readonly int[] _inputIndex;
        private readonly int[][] _inputDims;
        private readonly bool[] _inputIsByte;
        private readonly int[] _outputIndex;
        private readonly int _fixedBatch;

        public Mapper(OnnxTransformer parent, DataViewSchema schema)
        {
            _parent = parent;
            var session = parent._session;
            _inputIndex = new int[parent._inputs.Length];
            _inputDims = new int[parent._inputs.Length][];
            _inputIsByte = new bool[parent._inputs.Length];
            _fixedBatch = 0;
            for (var i = 0; i < parent._inputs.Length; i++)
            {
                var info = session.GetInput(parent._inputs[i]);
                var column = SchemaErrors.Require(schema, info.Name);
                var rowDims = RowDims(info);
                var item = info.ElementType == OnnxElementType.UInt8 ? NumberDataViewType.Byte : NumberDataViewType.Single;
                var expected = rowDims.All(d => d > 0) ? new VectorDataViewType(item, rowDims).ToString()
                    : $"Vector<{item}> of shape {string.Join("x", rowDims.Select(d => d > 0 ? d.ToString() : "?"))}";
                if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } v || n != item
                    || v.Dimensions.Count != rowDims.Length || v.Dimensions.Where((d, k) => rowDims[k] > 0 && rowDims[k] != d).Any())
                    throw SchemaErrors.Mismatch("input", info.Name, expected, column.Type);
                _inputIndex[i] = column.Index;
                _inputDims[i] = v.Dimensions.ToArray();
                _inputIsByte[i] = item == NumberDataViewType.Byte;
                if (info.Dimensions[0] > 0)
                    _fixedBatch = (int)info.Dimensions[0];
            }
            var output = schema;
            foreach (var name in parent._outputs)
            {
                var dims = RowDims(session.GetOutput(name));
                output = output.With(name, dims.All(d => d > 0) ? new VectorDataViewType(NumberDataViewType.Single, dims) : new VectorDataViewType(NumberDataViewType.Single));
            }
            OutputSchema = output;
            _outputIndex = parent._outputs.Select(n => output[n].Index).ToArray();
        }

        public DataViewSchema OutputSchema { get; }

        public MapperStage Stage => MapperStage.Sequential;

        public int? PreferredBatchSize => _parent.Options.BatchSize;

        // The runtime's 0 means one intra-op thread per physical core: every core.
        public bool UsesEveryCore => _parent.ExecutionProvider == "CPU"
            && (_parent.Options.IntraOpNumThreads == 0 || _parent.Options.IntraOpNumThreads >= Environment.ProcessorCount);

        public void Map(DataBatch batch, MapContext context)
        {
            // Rows to score: all but those with errors.
            var good = Enumerable.Range(0, batch.RowCount).Where(r => !batch.IsFaulted(r)).ToArray();
            var chunk = _fixedBatch > 0 ? _fixedBatch : _parent.Options.BatchSize;
            var outputs = new DenseVectorColumn<float>?[_outputIndex.Length];
            try
            {
                for (var start = 0; start < good.Length; start += chunk)
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    RunChunk(batch, good.AsSpan(start, Math.Min(chunk, good.Length - start)), outputs);
                }
                for (var o = 0; o < outputs.Length; o++)
                {
                    outputs[o] ??= new DenseVectorColumn<float>(FixedType(o), batch.RowCount, Math.Max(FixedType(o).Size, 1));
                    batch.SetColumn(_outputIndex[o], outputs[o]!);
                }
            }
            catch
            {
                foreach (var column in outputs)
                    column?.Dispose();
                throw;
            }
        }

        private VectorDataViewType FixedType(int output) => (VectorDataViewType)OutputSchema[_outputIndex[output]].Type;

        private void RunChunk(DataBatch batch, ReadOnlySpan<int> rows, DenseVectorColumn<float>?[] outputs)
        {
            var n = rows.Length;
            var runRows = _fixedBatch > 0 ? _fixedBatch : n; // a fixed batch dimension is padded with zero rows
            var contiguous = runRows == n;
            for (var k = 1; k < n && contiguous; k++)
                contiguous = rows[k] == rows[0] + k;

            var tensors = new Dictionary<string, OnnxTensor>(_inputIndex.Length, StringComparer.Ordinal);
            var rented = new List<Action>();
            try
            {
                for (var i = 0; i < _inputIndex.Length; i++)
                {
                    long[] shape = [runRows, .. _inputDims[i].Select(d => (long)d)];
                    var tensor = _inputIsByte[i]
                        ? InputTensor(batch.GetColumn<DenseVectorColumn<byte>>(_inputIndex[i]), rows, runRows, contiguous, shape, rented)
                        : InputTensor(batch.GetColumn<DenseVectorColumn<float>>(_inputIndex[i]), rows, runRows, contiguous, shape, rented);
                    tensors.Add(_parent._inputs[i], tensor);
                }
                using var results = _parent._session.Run(tensors, _parent._outputs);
                for (var o = 0; o < _outputIndex.Length; o++)
                    Scatter(batch, rows, results[o], o, outputs);
            }
            finally
            {
                foreach (var t in tensors.Values)
                    t.Dispose();
                foreach (var giveBack in rented)
                    giveBack();
            }
        }

        /// <summary>The tensor of one input: the batch buffer itself when the rows are contiguous, else a pooled gather (zero-padded to <paramref name="runRows"/>).</summary>
        private static OnnxTensor InputTensor<T>(DenseVectorColumn<T> column, ReadOnlySpan<int> rows, int runRows, bool contiguous, long[] shape, List<Action> rented)
            where T : unmanaged
        {
            var len = column.RowLength;
            if (contiguous)
                return OnnxTensor.FromMemory(column.Memory.Slice(rows[0] * len, rows.Length * len), shape); // zero-copy
            var buffer = ArrayPool<T>.Shared.Rent(runRows * len);
            rented.Add(() => ArrayPool<T>.Shared.Return(buffer));
            buffer.AsSpan(0, runRows * len).Clear();
            for (var k = 0; k < rows.Length; k++)
                column.GetRow(rows[k]).CopyTo(buffer.AsSpan(k * len, len));
            return OnnxTensor.FromMemory(buffer.AsMemory(0, runRows * len), shape);
        }

        private void Scatter(DataBatch batch, ReadOnlySpan<int> rows, OnnxOutputTensor result, int o, DenseVectorColumn<float>?[] outputs)
        {
            var data = result.GetSpan<float>();
            var produced = (int)result.Shape[0];
            var rowLength = produced == 0 ? 0 : data.Length / produced;
            var type = FixedType(o);
            if (type.IsKnownSize && rowLength != type.Size)
                throw new InvalidOperationException($"Model output '{result.Name}' gave {rowLength} values per row; its declared shape says {type.Size}.");
            if (outputs[o] is null)
            {
                var actual = type.IsKnownSize ? type : new VectorDataViewType(NumberDataViewType.Single, result.Shape.Skip(1).Select(d => (int)d).ToArray());
                outputs[o] = new DenseVectorColumn<float>(actual, batch.RowCount, rowLength);
            }
            else if (outputs[o]!.RowLength != rowLength)
            {
                throw new InvalidOperationException($"Model output '{result.Name}' changed its row length within a batch ({outputs[o]!.RowLength} then {rowLength}).");
            }
            for (var k = 0; k < rows.Length; k++)
                data.Slice(k * rowLength, rowLength).CopyTo(outputs[o]!.GetWritableRow(rows[k]));
        }
    }
}

/// <summary>Estimator for <see cref="OnnxTransformer"/> (created by <c>ApplyOnnxModel</c>); the model is loaded when this is created.</summary>
public sealed class OnnxScoringEstimator : TrivialEstimator<OnnxTransformer>
{
    internal OnnxScoringEstimator(VisionContext context, OnnxOptions options) : base(new OnnxTransformer(context, options)) { }

    /// <summary>The transformer that <see cref="TrivialEstimator{T}.Fit"/> returns (already loaded).</summary>
    public OnnxTransformer Model => Transformer;
}
