using System.Globalization;

namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// Builds an ONNX inference graph operator by operator and writes it as a model file, with no native
/// dependency and no generated protobuf code. Operator helpers (in the other parts of this class) return
/// <see cref="GraphValue"/>s, so a builder reads like the model's forward pass:
/// <code>
/// var g = new GraphBuilder("shvit_s1");
/// var x = g.Input("input", TensorElementType.Float, ["batch", 3, 224, 224]);
/// x = g.Relu(g.Conv(x, g.Initializer("stem.weight", w, [16, 3, 3, 3]), g.Initializer("stem.bias", b, [16]), stride: 2, padding: 1));
/// g.Output(g.GlobalAveragePool(x), TensorElementType.Float, ["batch", 16, 1, 1], "features");
/// g.Save("shvit_s1.onnx");
/// </code>
/// </summary>
/// <remarks>
/// Not thread-safe. Float32 initializers added from an array or <see cref="ReadOnlyMemory{T}"/> are
/// borrowed (not copied) until the model is written, so the caller must not change them before that;
/// span overloads copy. Writing streams every initializer straight to the output, so peak memory is the
/// weights themselves plus a small buffer. Models must stay under protobuf's 2 GiB limit.
/// </remarks>
public sealed partial class GraphBuilder
{
    /// <summary>The default ONNX operator set version (the default domain).</summary>
    public const int DefaultOpset = 17;

    /// <summary>The lowest operator set the helpers support (LayerNormalization needs 17).</summary>
    public const int MinimumOpset = 17;

    /// <summary>The newest operator set the helpers are written for (ReduceMean switches form at 18).</summary>
    public const int MaximumOpset = 21;

    /// <summary>The producer name written into every model.</summary>
    public const string ProducerName = "MLNetAttn";

    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxInitializer> _initializers = [];
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nameCounters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GraphValue> _constants = new(StringComparer.Ordinal);
    private readonly List<string> _scopes = [];

    /// <summary>Starts an empty graph.</summary>
    /// <param name="graphName">The graph's name (usually the model variant, such as "shvit_s4").</param>
    /// <param name="opset">The default-domain operator set; at least <see cref="MinimumOpset"/>. Default = 17.</param>
    /// <param name="weightStorage">How float initializers are stored unless a call says otherwise. Default = float32.</param>
    public GraphBuilder(string graphName, int opset = DefaultOpset, WeightStorage weightStorage = WeightStorage.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        if (opset is < MinimumOpset or > MaximumOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(opset), opset, $"Operator set {opset} for graph '{graphName}' is outside {MinimumOpset}..{MaximumOpset}, the range the operator helpers are written for.");
        }

        if (!Enum.IsDefined(weightStorage))
        {
            throw new ArgumentOutOfRangeException(nameof(weightStorage), weightStorage, "Unknown weight storage; use Float32 or Float16.");
        }

        GraphName = graphName;
        Opset = opset;
        WeightStorage = weightStorage;
    }

    /// <summary>The graph's name.</summary>
    public string GraphName { get; }

    /// <summary>The default-domain operator set the graph is written for.</summary>
    public int Opset { get; }

    /// <summary>
    /// The ONNX IR version written into the model: the lowest that allows <see cref="Opset"/>
    /// (8 for opsets 17 and 18, 9 for 19 and 20, 10 for 21), so older runtimes can still load it.
    /// </summary>
    public long IrVersion => Opset switch
    {
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    /// <summary>How float initializers are stored unless a call overrides it.</summary>
    public WeightStorage WeightStorage { get; }

    /// <summary>Free text written as the model's doc_string. Default = null (none).</summary>
    public string? DocString { get; set; }

    /// <summary>
    /// Model metadata (ONNX <c>metadata_props</c>), written in insertion order. See <see cref="OnnxMetadataKeys"/>
    /// for the keys the model zoo writes.
    /// </summary>
    public OrderedDictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Number of nodes added so far.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Number of initializers added so far (weights and constants).</summary>
    public int InitializerCount => _initializers.Count;

    /// <summary>
    /// Prefixes automatically generated names with <paramref name="prefix"/> until the returned scope is
    /// disposed (scopes nest, joined by '/'), so node and value names follow the module tree.
    /// Explicit names are used verbatim.
    /// </summary>
    /// <param name="prefix">A module path such as "stages.0.blocks.1".</param>
    public IDisposable Scope(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        _scopes.Add(prefix);
        return new ScopeExit(this, _scopes.Count);
    }

    /// <summary>
    /// Returns a value name not used yet: <paramref name="hint"/> under the current scope, with "_1", "_2", …
    /// appended when taken. The name is reserved.
    /// </summary>
    /// <param name="hint">The preferred name.</param>
    public string UniqueName(string hint)
    {
        ArgumentException.ThrowIfNullOrEmpty(hint);
        string name = Unique(_valueNames, Scoped(hint));
        _valueNames.Add(name);
        return name;
    }

    /// <summary>Declares a graph input.</summary>
    /// <param name="name">The input name callers bind to (for example "input").</param>
    /// <param name="elementType">The element type.</param>
    /// <param name="shape">The dimensions; numbers or symbolic names such as "batch".</param>
    public GraphValue Input(string name, TensorElementType elementType, IReadOnlyList<TensorDim> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Reserve(name, "graph input");
        _inputs.Add(new OnnxValueInfo(name, elementType, [.. shape]));
        return new GraphValue(name);
    }

    /// <summary>
    /// Declares <paramref name="value"/> as a graph output. When <paramref name="name"/> differs from the
    /// value's name an Identity node gives it that name.
    /// </summary>
    /// <param name="value">The value to expose.</param>
    /// <param name="elementType">Its element type.</param>
    /// <param name="shape">Its dimensions (the ONNX checker requires a shape on graph outputs; use names for dynamic ones).</param>
    /// <param name="name">The output name callers read (for example "logits"); null keeps the value's name.</param>
    /// <returns>The output value.</returns>
    public GraphValue Output(GraphValue value, TensorElementType elementType, IReadOnlyList<TensorDim> shape, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        RequireDefined(value, "graph output");
        if (name is not null && name != value.Name)
        {
            value = Op("Identity", [value], name: name);
        }

        if (_outputs.Exists(o => o.Name == value.Name))
        {
            throw new ArgumentException($"'{value.Name}' is already a graph output of '{GraphName}'; declare each output once.", nameof(value));
        }

        _outputs.Add(new OnnxValueInfo(value.Name, elementType, [.. shape]));
        return value;
    }

    /// <summary>
    /// Adds a node of any operator and returns its outputs. The typed helpers are built on this.
    /// </summary>
    /// <param name="opType">The operator name (for example "Conv").</param>
    /// <param name="inputs">Its inputs in the operator's order; <see cref="GraphValue.None"/> for an omitted optional one.</param>
    /// <param name="attributes">Its attributes.</param>
    /// <param name="outputCount">How many outputs to create.</param>
    /// <param name="name">Name of the first output (verbatim, must be unused); null generates one from the operator name.</param>
    /// <param name="domain">Operator domain; empty for the default ONNX domain.</param>
    public GraphValue[] Node(string opType, ReadOnlySpan<GraphValue> inputs, ReadOnlySpan<OnnxAttribute> attributes, int outputCount = 1, string? name = null, string domain = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputCount);
        // Omitted optional inputs at the end are dropped; those before a present input stay as empty names.
        while (inputs.Length > 0 && inputs[^1].IsNone)
        {
            inputs = inputs[..^1];
        }

        var inputNames = new string[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].IsNone)
            {
                RequireDefined(inputs[i], $"input {i} of {opType}");
            }

            inputNames[i] = inputs[i].Name ?? string.Empty;
        }

        var outputs = new GraphValue[outputCount];
        var outputNames = new string[outputCount];
        for (int i = 0; i < outputCount; i++)
        {
            if (i == 0 && name is not null)
            {
                Reserve(name, $"output of {opType}");
                outputNames[i] = name;
            }
            else
            {
                outputNames[i] = UniqueName(name is null ? opType : $"{name}_{i}");
            }

            outputs[i] = new GraphValue(outputNames[i]);
        }

        string nodeName = Unique(_nodeNames, name ?? outputNames[0]);
        _nodeNames.Add(nodeName);
        _nodes.Add(new OnnxNode(nodeName, opType, domain, inputNames, outputNames, attributes.ToArray()));
        return outputs;
    }

    /// <summary>Adds a single-output node of any operator.</summary>
    /// <param name="opType">The operator name.</param>
    /// <param name="inputs">Its inputs in the operator's order.</param>
    /// <param name="attributes">Its attributes. Default = none.</param>
    /// <param name="name">Name of the output; null generates one.</param>
    public GraphValue Op(string opType, ReadOnlySpan<GraphValue> inputs, ReadOnlySpan<OnnxAttribute> attributes = default, string? name = null)
        => Node(opType, inputs, attributes, 1, name)[0];

    /// <summary>Writes the model to <paramref name="stream"/> (which stays open), streaming the initializers.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="InvalidOperationException">The graph is incomplete (no output) or over 2 GiB.</exception>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        new OnnxModelWriter(this).Write(stream);
    }

    /// <summary>
    /// Writes the model to a file, replacing it. The bytes go to a temporary file beside it that is renamed
    /// over <paramref name="path"/> at the end, so a failed or interrupted write never leaves a truncated model.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                WriteTo(file);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Returns the model as bytes (convenient for small models and for loading from memory).</summary>
    public byte[] ToArray()
    {
        var writer = new OnnxModelWriter(this);
        var bytes = new byte[writer.ModelSize];
        using var memory = new MemoryStream(bytes, writable: true);
        writer.Write(memory);
        if (memory.Position != bytes.Length)
        {
            throw new InvalidOperationException($"Graph '{GraphName}' was written as {memory.Position} bytes but measured as {bytes.Length}; this is a bug in the ONNX writer.");
        }

        return bytes;
    }

    internal IReadOnlyList<OnnxNode> Nodes => _nodes;

    internal IReadOnlyList<OnnxInitializer> Initializers => _initializers;

    internal IReadOnlyList<OnnxValueInfo> Inputs => _inputs;

    internal IReadOnlyList<OnnxValueInfo> Outputs => _outputs;

    private void Reserve(string name, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_valueNames.Add(name))
        {
            throw new ArgumentException($"The name '{name}' for a {what} is already used in graph '{GraphName}'; pick another or pass null to generate one.", nameof(name));
        }
    }

    private void RequireDefined(GraphValue value, string what)
    {
        if (value.IsNone || !_valueNames.Contains(value.Name))
        {
            throw new ArgumentException($"The {what} '{value.Name}' is not a value of graph '{GraphName}'; pass a value returned by this builder.", nameof(value));
        }
    }

    private string Scoped(string hint) => _scopes.Count == 0 ? hint : string.Join('/', _scopes) + "/" + hint;

    private string Unique(HashSet<string> used, string candidate)
    {
        if (!used.Contains(candidate))
        {
            return candidate;
        }

        _nameCounters.TryGetValue(candidate, out int n);
        string name;
        do
        {
            n++;
            name = string.Create(CultureInfo.InvariantCulture, $"{candidate}_{n}");
        }
        while (used.Contains(name));
        _nameCounters[candidate] = n;
        return name;
    }

    private sealed class ScopeExit(GraphBuilder owner, int depth) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done)
            {
                return;
            }

            _done = true;
            if (owner._scopes.Count != depth)
            {
                throw new InvalidOperationException("Name scopes must be closed in reverse order of opening; use them in nested using statements.");
            }

            owner._scopes.RemoveAt(depth - 1);
        }
    }
}
