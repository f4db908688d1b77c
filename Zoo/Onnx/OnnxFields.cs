namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// Field numbers of the onnx.proto messages the writer emits (proto2 syntax, so repeated scalars are
/// written unpacked, one tag per element, which every reader accepts). Only the fields in use are listed;
/// the numbers are part of the ONNX file format and never change.
/// </summary>
internal static class OnnxFields
{
    /// <summary>ModelProto.</summary>
    internal static class Model
    {
        public const int IrVersion = 1;
        public const int ProducerName = 2;
        public const int ProducerVersion = 3;
        public const int Domain = 4;
        public const int ModelVersion = 5;
        public const int DocString = 6;
        public const int Graph = 7;
        public const int OpsetImport = 8;
        public const int MetadataProps = 14;
    }

    /// <summary>OperatorSetIdProto.</summary>
    internal static class OperatorSetId
    {
        public const int Domain = 1;
        public const int Version = 2;
    }

    /// <summary>StringStringEntryProto.</summary>
    internal static class StringStringEntry
    {
        public const int Key = 1;
        public const int Value = 2;
    }

    /// <summary>GraphProto.</summary>
    internal static class Graph
    {
        public const int Node = 1;
        public const int Name = 2;
        public const int Initializer = 5;
        public const int DocString = 10;
        public const int Input = 11;
        public const int Output = 12;
        public const int ValueInfo = 13;
    }

    /// <summary>NodeProto.</summary>
    internal static class Node
    {
        public const int Input = 1;
        public const int Output = 2;
        public const int Name = 3;
        public const int OpType = 4;
        public const int Attribute = 5;
        public const int DocString = 6;
        public const int Domain = 7;
    }

    /// <summary>AttributeProto and its AttributeType discriminator values.</summary>
    internal static class Attribute
    {
        public const int Name = 1;
        public const int F = 2;
        public const int I = 3;
        public const int S = 4;
        public const int Floats = 7;
        public const int Ints = 8;
        public const int Strings = 9;
        public const int Type = 20;

        public const int TypeFloat = 1;
        public const int TypeInt = 2;
        public const int TypeString = 3;
        public const int TypeFloats = 6;
        public const int TypeInts = 7;
        public const int TypeStrings = 8;
    }

    /// <summary>TensorProto.</summary>
    internal static class Tensor
    {
        public const int Dims = 1;
        public const int DataType = 2;
        public const int Name = 8;
        public const int RawData = 9;
    }

    /// <summary>ValueInfoProto.</summary>
    internal static class ValueInfo
    {
        public const int Name = 1;
        public const int Type = 2;
    }

    /// <summary>TypeProto (the tensor_type member of its oneof) and TypeProto.Tensor.</summary>
    internal static class Type
    {
        public const int TensorType = 1;
        public const int TensorElemType = 1;
        public const int TensorShape = 2;
    }

    /// <summary>TensorShapeProto and TensorShapeProto.Dimension.</summary>
    internal static class Shape
    {
        public const int Dim = 1;
        public const int DimValue = 1;
        public const int DimParam = 2;
    }
}
