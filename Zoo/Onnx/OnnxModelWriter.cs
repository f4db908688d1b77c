namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// Serializes a <see cref="GraphBuilder"/> as an ONNX <c>ModelProto</c>. Every length prefix is computed
/// up front from the recorded nodes and tensor sizes, so the initializers' bytes can be streamed from the
/// caller's arrays without assembling the graph in memory first.
/// </summary>
internal sealed class OnnxModelWriter
{
    private readonly GraphBuilder _graph;
    private readonly long _graphSize;

    public OnnxModelWriter(GraphBuilder graph)
    {
        _graph = graph;
        Validate();
        _graphSize = ProtoSize.Checked(GraphBodySize(), $"Graph '{graph.GraphName}'");
        ModelSize = (int)ProtoSize.Checked(ModelBodySize(), $"Model '{graph.GraphName}'");
    }

    /// <summary>The exact number of bytes <see cref="Write"/> produces.</summary>
    public int ModelSize { get; }

    /// <summary>"major.minor.patch" of this library, written as producer_version.</summary>
    internal static string ProducerVersion { get; } = typeof(OnnxModelWriter).Assembly.GetName().Version is { } v
        ? $"{v.Major}.{v.Minor}.{v.Build}"
        : "0.0.0";

    public void Write(Stream stream)
    {
        using var output = new ProtoOutput(stream);

        // ModelProto
        output.Int64(OnnxFields.Model.IrVersion, _graph.IrVersion);
        output.String(OnnxFields.Model.ProducerName, GraphBuilder.ProducerName);
        output.String(OnnxFields.Model.ProducerVersion, ProducerVersion);
        if (_graph.DocString is { } doc)
        {
            output.String(OnnxFields.Model.DocString, doc);
        }

        output.BeginLengthDelimited(OnnxFields.Model.OpsetImport, OpsetSize());
        output.String(OnnxFields.OperatorSetId.Domain, string.Empty);
        output.Int64(OnnxFields.OperatorSetId.Version, _graph.Opset);

        foreach (KeyValuePair<string, string> entry in _graph.Metadata)
        {
            output.BeginLengthDelimited(OnnxFields.Model.MetadataProps, EntrySize(entry));
            output.String(OnnxFields.StringStringEntry.Key, entry.Key);
            output.String(OnnxFields.StringStringEntry.Value, entry.Value);
        }

        // GraphProto: small parts first, then the initializers streamed one by one.
        output.BeginLengthDelimited(OnnxFields.Model.Graph, _graphSize);
        output.String(OnnxFields.Graph.Name, _graph.GraphName);
        foreach (OnnxNode node in _graph.Nodes)
        {
            output.BeginLengthDelimited(OnnxFields.Graph.Node, node.BodySize());
            node.WriteBody(output);
        }

        foreach (OnnxValueInfo input in _graph.Inputs)
        {
            output.BeginLengthDelimited(OnnxFields.Graph.Input, input.BodySize());
            input.WriteBody(output);
        }

        foreach (OnnxValueInfo o in _graph.Outputs)
        {
            output.BeginLengthDelimited(OnnxFields.Graph.Output, o.BodySize());
            o.WriteBody(output);
        }

        foreach (OnnxInitializer initializer in _graph.Initializers)
        {
            output.BeginLengthDelimited(OnnxFields.Graph.Initializer, initializer.BodySize());
            initializer.WriteBody(output);
        }

        output.Flush();
    }

    private long ModelBodySize()
    {
        long size = ProtoSize.Int64(OnnxFields.Model.IrVersion, _graph.IrVersion)
                  + ProtoSize.String(OnnxFields.Model.ProducerName, GraphBuilder.ProducerName)
                  + ProtoSize.String(OnnxFields.Model.ProducerVersion, ProducerVersion)
                  + ProtoSize.LengthDelimited(OnnxFields.Model.OpsetImport, OpsetSize())
                  + ProtoSize.LengthDelimited(OnnxFields.Model.Graph, _graphSize);
        if (_graph.DocString is { } doc)
        {
            size += ProtoSize.String(OnnxFields.Model.DocString, doc);
        }

        foreach (KeyValuePair<string, string> entry in _graph.Metadata)
        {
            size += ProtoSize.LengthDelimited(OnnxFields.Model.MetadataProps, EntrySize(entry));
        }

        return size;
    }

    private long GraphBodySize()
    {
        long size = ProtoSize.String(OnnxFields.Graph.Name, _graph.GraphName);
        foreach (OnnxNode node in _graph.Nodes)
        {
            size += ProtoSize.LengthDelimited(OnnxFields.Graph.Node, node.BodySize());
        }

        foreach (OnnxValueInfo input in _graph.Inputs)
        {
            size += ProtoSize.LengthDelimited(OnnxFields.Graph.Input, input.BodySize());
        }

        foreach (OnnxValueInfo o in _graph.Outputs)
        {
            size += ProtoSize.LengthDelimited(OnnxFields.Graph.Output, o.BodySize());
        }

        foreach (OnnxInitializer initializer in _graph.Initializers)
        {
            size += ProtoSize.LengthDelimited(OnnxFields.Graph.Initializer, initializer.BodySize());
        }

        return size;
    }

    private long OpsetSize()
        => ProtoSize.String(OnnxFields.OperatorSetId.Domain, string.Empty) + ProtoSize.Int64(OnnxFields.OperatorSetId.Version, _graph.Opset);

    private static long EntrySize(KeyValuePair<string, string> entry)
        => ProtoSize.String(OnnxFields.StringStringEntry.Key, entry.Key) + ProtoSize.String(OnnxFields.StringStringEntry.Value, entry.Value);

    /// <summary>Checks what the ONNX checker would reject, naming the graph and value, before any byte is written.</summary>
    private void Validate()
    {
        if (_graph.Outputs.Count == 0)
        {
            throw new InvalidOperationException($"Graph '{_graph.GraphName}' has no outputs; declare at least one with Output(...) before writing.");
        }

        foreach (KeyValuePair<string, string> entry in _graph.Metadata)
        {
            if (entry.Key.Length == 0 || entry.Value is null)
            {
                throw new InvalidOperationException($"Graph '{_graph.GraphName}' has a metadata entry with an empty key or a null value; remove it.");
            }
        }

        // Nodes are recorded in the order helpers were called, so every input must already be known: that
        // is the topological order ONNX requires.
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (OnnxValueInfo input in _graph.Inputs)
        {
            defined.Add(input.Name);
        }

        foreach (OnnxInitializer initializer in _graph.Initializers)
        {
            defined.Add(initializer.Name);
        }

        foreach (OnnxNode node in _graph.Nodes)
        {
            foreach (string input in node.Inputs)
            {
                if (input.Length > 0 && !defined.Contains(input))
                {
                    throw new InvalidOperationException($"Node '{node.Name}' ({node.OpType}) in graph '{_graph.GraphName}' reads '{input}' before it is produced.");
                }
            }

            foreach (string output in node.Outputs)
            {
                defined.Add(output);
            }
        }
    }
}
