namespace MLNetAttn.Estimators;

/// <summary>
/// Turns logits into a classification: probabilities (softmax), the predicted label, and the top-k labels,
/// scores and class indices. Labels default to ImageNet-1k's (torchvision's list) for 1000 classes.
/// </summary>
/// <remarks>
/// | Estimator characteristics | |
/// | --- | --- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Vector&lt;Single, C&gt; (logits) |
/// | Output column data type | Score: Vector&lt;Single, C&gt;; PredictedLabel: Text; TopKLabels: Vector&lt;Text, k&gt;; TopKScores: Vector&lt;Single, k&gt;; TopKIndices: Vector&lt;Int32, k&gt; |
/// | Saved with the pipeline | Yes |
/// Softmax subtracts the row's maximum and sums in double precision. Rows with an error get a null label and zeros.
/// Ties in top-k keep the lower class index first.
/// </remarks>
public sealed class ClassificationHeadTransformer : RowMappingTransformer
{
    private static readonly Lazy<string[]> ImageNet = new(LoadImageNetLabels);

    internal ClassificationHeadTransformer(VisionContext context, ClassificationHeadOptions options) : base(context) => Options = options;

    /// <summary>The options.</summary>
    public ClassificationHeadOptions Options { get; }

    /// <summary>The 1000 ImageNet-1k class names, in class-index order (embedded resource "MLNetAttn.imagenet1k_labels.txt").</summary>
    public static IReadOnlyList<string> ImageNetLabels => ImageNet.Value;

    internal override string Kind => "ClassificationHead";

    private static string[] LoadImageNetLabels()
    {
        using var stream = typeof(ClassificationHeadTransformer).Assembly.GetManifestResourceStream("MLNetAttn.imagenet1k_labels.txt")
            ?? throw new InvalidOperationException("The ImageNet-1k labels resource is missing from the assembly; rebuild MLNetAttn.Estimators.");
        using var reader = new StreamReader(stream);
        var labels = reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        return labels.Length == 1000 ? labels : throw new InvalidOperationException($"The ImageNet-1k labels resource has {labels.Length} lines, not 1000.");
    }

    private protected override IBatchMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    internal override void Save(PipelineWriter writer)
    {
        writer.Set("inputColumnName", Options.InputColumnName);
        writer.Set("scoreColumnName", Options.ScoreColumnName);
        writer.Set("predictedLabelColumnName", Options.PredictedLabelColumnName);
        writer.Set("topKPrefix", Options.TopKPrefix);
        writer.Set("topK", Options.TopK);
        writer.Set("applySoftmax", Options.ApplySoftmax);
        writer.Set("labels", Options.Labels?.ToArray());
    }

    internal static ClassificationHeadTransformer Load(VisionContext context, PipelineReader reader) => new(context, new ClassificationHeadOptions
    {
        InputColumnName = reader.GetString("inputColumnName"),
        ScoreColumnName = reader.GetString("scoreColumnName"),
        PredictedLabelColumnName = reader.GetString("predictedLabelColumnName"),
        TopKPrefix = reader.GetString("topKPrefix"),
        TopK = reader.GetInt("topK", 1, 1 << 20),
        ApplySoftmax = reader.GetBool("applySoftmax"),
        Labels = reader.GetOptionalStrings("labels"),
    });

    /// <summary>Softmax of <paramref name="logits"/> into <paramref name="probabilities"/> (max-subtracted, summed in double).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        var max = float.NegativeInfinity;
        foreach (var v in logits)
            max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in logits)
            sum += Math.Exp(v - max);
        for (var i = 0; i < logits.Length; i++)
            probabilities[i] = (float)(Math.Exp(logits[i] - max) / sum);
    }

    private sealed class Mapper : IBatchMapper
    {
        private readonly ClassificationHeadOptions _o;
        private readonly int _input;
        private readonly int _classes;
        private readonly int _k;
        private readonly string[] _labels;
        private readonly int _score, _label, _topLabels, _topScores, _topIndices;

        public Mapper(ClassificationHeadTransformer parent, DataViewSchema schema)
        {
            _o = parent.Options;
            var input = SchemaErrors.Require(schema, _o.InputColumnName);
            if (input.Type is not VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } v || n != NumberDataViewType.Single)
                throw SchemaErrors.Mismatch("input", _o.InputColumnName, "Vector<Single> of known size (the logits)", input.Type);
            _input = input.Index;
            _classes = v.Size;
            _labels = _o.Labels?.ToArray() ?? (_classes == 1000 ? ImageNet.Value : Enumerable.Range(0, _classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            if (_labels.Length != _classes)
                throw SchemaErrors.Mismatch("input", _o.InputColumnName, $"Vector<Single,{_labels.Length}> (one logit per label)", input.Type);
            _k = Math.Min(_o.TopK, _classes);
            var s = schema
                .With(_o.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, _classes))
                .With(_o.PredictedLabelColumnName, TextDataViewType.Instance)
                .With(_o.TopKPrefix + "Labels", new VectorDataViewType(TextDataViewType.Instance, _k))
                .With(_o.TopKPrefix + "Scores", new VectorDataViewType(NumberDataViewType.Single, _k))
                .With(_o.TopKPrefix + "Indices", new VectorDataViewType(NumberDataViewType.Int32, _k));
            OutputSchema = s;
            (_score, _label) = (s[_o.ScoreColumnName].Index, s[_o.PredictedLabelColumnName].Index);
            (_topLabels, _topScores, _topIndices) = (s[_o.TopKPrefix + "Labels"].Index, s[_o.TopKPrefix + "Scores"].Index, s[_o.TopKPrefix + "Indices"].Index);
        }

        public DataViewSchema OutputSchema { get; }

        public MapperStage Stage => MapperStage.Sequential;

        public int? PreferredBatchSize => null;

        public void Map(DataBatch batch, MapContext context)
        {
            var rows = batch.RowCount;
            var logits = batch.GetColumn<VectorColumn<float>>(_input);
            var scores = new DenseVectorColumn<float>((VectorDataViewType)OutputSchema[_score].Type, rows, _classes);
            var labels = new string?[rows];
            var topLabels = new DenseVectorColumn<string>((VectorDataViewType)OutputSchema[_topLabels].Type, rows, _k);
            var topScores = new DenseVectorColumn<float>((VectorDataViewType)OutputSchema[_topScores].Type, rows, _k);
            var topIndices = new DenseVectorColumn<int>((VectorDataViewType)OutputSchema[_topIndices].Type, rows, _k);
            var order = new int[_classes];
            for (var row = 0; row < rows; row++)
            {
                if (batch.IsFaulted(row))
                    continue;
                var p = scores.GetWritableRow(row);
                if (_o.ApplySoftmax)
                    Softmax(logits.GetRow(row), p);
                else
                    logits.GetRow(row).CopyTo(p);
                for (var i = 0; i < order.Length; i++)
                    order[i] = i;
                var probabilities = p.ToArray();
                // Stable: equal scores keep ascending class order.
                Array.Sort(order, (a, b) => probabilities[b] != probabilities[a] ? probabilities[b].CompareTo(probabilities[a]) : a.CompareTo(b));
                for (var j = 0; j < _k; j++)
                {
                    topIndices.GetWritableRow(row)[j] = order[j];
                    topScores.GetWritableRow(row)[j] = probabilities[order[j]];
                    topLabels.GetWritableRow(row)[j] = _labels[order[j]];
                }
                labels[row] = _labels[order[0]];
            }
            batch.SetColumn(_score, scores);
            batch.SetColumn(_label, new ScalarColumn<string?>(TextDataViewType.Instance, labels));
            batch.SetColumn(_topLabels, topLabels);
            batch.SetColumn(_topScores, topScores);
            batch.SetColumn(_topIndices, topIndices);
        }
    }
}

/// <summary>Options of <see cref="ClassificationHeadTransformer"/>.</summary>
public sealed record ClassificationHeadOptions
{
    /// <summary>The logits column. Default = "logits" (the converter's output name).</summary>
    public string InputColumnName { get; init; } = "logits";

    /// <summary>Probabilities (or raw logits without softmax). Default = "Score", as ML.NET's multiclass scorers.</summary>
    public string ScoreColumnName { get; init; } = "Score";

    /// <summary>The top-1 label. Default = "PredictedLabel", as in ML.NET.</summary>
    public string PredictedLabelColumnName { get; init; } = "PredictedLabel";

    /// <summary>Prefix of the top-k columns (…Labels, …Scores, …Indices). Default = "TopK".</summary>
    public string TopKPrefix { get; init; } = "TopK";

    /// <summary>How many classes the top-k columns list (capped at the class count). Default = 5.</summary>
    public int TopK { get; init; } = 5;

    /// <summary>Apply softmax to the logits. Default = true.</summary>
    public bool ApplySoftmax { get; init; } = true;

    /// <summary>Class names in class-index order; null = ImageNet-1k for 1000 classes, else the index as text.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    internal ClassificationHeadOptions Validated()
    {
        foreach (var (name, value) in new[] { ("InputColumnName", InputColumnName), ("ScoreColumnName", ScoreColumnName),
            ("PredictedLabelColumnName", PredictedLabelColumnName), ("TopKPrefix", TopKPrefix) })
            if (string.IsNullOrEmpty(value))
                throw new ArgumentException($"{name} cannot be empty.");
        ArgumentOutOfRangeException.ThrowIfLessThan(TopK, 1, nameof(TopK));
        if (Labels is not null && Labels.Any(l => l is null))
            throw new ArgumentException("Labels cannot contain null.", nameof(Labels));
        return this;
    }
}

/// <summary>Estimator for <see cref="ClassificationHeadTransformer"/> (created by <c>ApplyClassificationHead</c>).</summary>
public sealed class ClassificationHeadEstimator : TrivialEstimator<ClassificationHeadTransformer>
{
    internal ClassificationHeadEstimator(VisionContext context, ClassificationHeadOptions options)
        : base(new ClassificationHeadTransformer(context, options.Validated())) { }
}
