namespace MLNetAttn.Estimators;

/// <summary>Prediction engines and saved pipelines (ML.NET's <c>ModelOperationsCatalog</c>).</summary>
public sealed class ModelOperationsCatalog
{
    internal ModelOperationsCatalog(VisionContext context) => Context = context;

    /// <summary>The context.</summary>
    public VisionContext Context { get; }

    /// <summary>A single-threaded engine that runs <paramref name="transformer"/> on one object at a time.</summary>
    /// <typeparam name="TSrc">Input type: its members are the input columns.</typeparam>
    /// <typeparam name="TDst">Output type: members are filled from columns of the same name.</typeparam>
    /// <param name="transformer">A fitted pipeline.</param>
    /// <param name="ignoreMissingColumns">Leave output members without a column alone instead of failing.</param>
    /// <exception cref="ArgumentOutOfRangeException">The input type lacks a column the pipeline needs, or a type does not fit.</exception>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true)
        where TSrc : class where TDst : class, new()
        => new(transformer, ignoreMissingColumns);

    /// <summary>A thread-safe pool of engines over one pipeline.</summary>
    /// <typeparam name="TSrc">Input type.</typeparam>
    /// <typeparam name="TDst">Output type.</typeparam>
    /// <param name="transformer">A fitted pipeline.</param>
    /// <param name="ignoreMissingColumns">Leave output members without a column alone.</param>
    /// <param name="maximumRetained">Idle engines kept; default = processor count.</param>
    public PredictionEnginePool<TSrc, TDst> CreatePredictionEnginePool<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true, int? maximumRetained = null)
        where TSrc : class where TDst : class, new()
    {
        var retained = maximumRetained ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(retained, 1, nameof(maximumRetained));
        return new(transformer, ignoreMissingColumns, retained);
    }

    /// <summary>Saves a fitted pipeline and its input schema as one zip (format: <see cref="PipelineFormat"/>), ONNX models included.</summary>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">The schema of the data it was fitted on (checked against the pipeline now).</param>
    /// <param name="filePath">The file to write (replaced atomically).</param>
    public void Save(ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var temporary = filePath + ".tmp";
        using (var stream = File.Create(temporary))
            Save(model, inputSchema, stream);
        File.Move(temporary, filePath, overwrite: true);
    }

    /// <summary>Saves a fitted pipeline into a stream (left open).</summary>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">The schema of the data it was fitted on.</param>
    /// <param name="stream">A writable stream.</param>
    public void Save(ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(stream);
        model.GetOutputSchema(inputSchema);
        PipelineFormat.Save(model, inputSchema, stream);
    }

    /// <summary>Loads a pipeline saved by <see cref="Save(ITransformer, DataViewSchema, string)"/>, checking every value.</summary>
    /// <param name="filePath">The file.</param>
    /// <param name="inputSchema">The schema it was saved with.</param>
    /// <exception cref="InvalidDataException">The file is not a valid saved pipeline (the message names the value).</exception>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var stream = File.OpenRead(filePath);
        return PipelineFormat.Load(Context, stream, filePath, out inputSchema);
    }

    /// <summary>Loads a saved pipeline from a stream.</summary>
    /// <param name="stream">A readable, seekable stream.</param>
    /// <param name="inputSchema">The schema it was saved with.</param>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return PipelineFormat.Load(Context, stream, "<stream>", out inputSchema);
    }
}
