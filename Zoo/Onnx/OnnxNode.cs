namespace MLNetAttn.Zoo.Onnx;

/// <summary>One operator invocation (ONNX <c>NodeProto</c>) as recorded by <see cref="GraphBuilder"/>.</summary>
internal sealed class OnnxNode(string name, string opType, string domain, string[] inputs, string[] outputs, OnnxAttribute[] attributes)
{
    public string Name { get; } = name;

    public string OpType { get; } = opType;

    /// <summary>Operator domain; empty for the default ONNX domain.</summary>
    public string Domain { get; } = domain;

    public string[] Inputs { get; } = inputs;

    public string[] Outputs { get; } = outputs;

    public OnnxAttribute[] Attributes { get; } = attributes;

    public long BodySize()
    {
        long size = ProtoSize.String(OnnxFields.Node.Name, Name) + ProtoSize.String(OnnxFields.Node.OpType, OpType);
        if (Domain.Length > 0)
        {
            size += ProtoSize.String(OnnxFields.Node.Domain, Domain);
        }

        foreach (string input in Inputs)
        {
            size += ProtoSize.String(OnnxFields.Node.Input, input);
        }

        foreach (string output in Outputs)
        {
            size += ProtoSize.String(OnnxFields.Node.Output, output);
        }

        foreach (OnnxAttribute attribute in Attributes)
        {
            size += ProtoSize.LengthDelimited(OnnxFields.Node.Attribute, attribute.BodySize());
        }

        return size;
    }

    public void WriteBody(ProtoOutput output)
    {
        foreach (string input in Inputs)
        {
            output.String(OnnxFields.Node.Input, input);
        }

        foreach (string o in Outputs)
        {
            output.String(OnnxFields.Node.Output, o);
        }

        output.String(OnnxFields.Node.Name, Name);
        output.String(OnnxFields.Node.OpType, OpType);
        if (Domain.Length > 0)
        {
            output.String(OnnxFields.Node.Domain, Domain);
        }

        foreach (OnnxAttribute attribute in Attributes)
        {
            output.BeginLengthDelimited(OnnxFields.Node.Attribute, attribute.BodySize());
            attribute.WriteBody(output);
        }
    }
}
