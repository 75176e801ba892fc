namespace Nn.Interop;

/// <summary>
/// Field numbers and enum values of the public ONNX specification (onnx.proto), the only part of it the exporter
/// needs. Each constant is named after its message and carries the proto field name it stands for.
/// </summary>
internal static class OnnxFields
{
    /// <summary>ModelProto.</summary>
    internal static class Model
    {
        /// <summary><c>optional int64 ir_version = 1</c>.</summary>
        public const int IrVersion = 1;

        /// <summary><c>optional string producer_name = 2</c>.</summary>
        public const int ProducerName = 2;

        /// <summary><c>optional string producer_version = 3</c>.</summary>
        public const int ProducerVersion = 3;

        /// <summary><c>optional string doc_string = 6</c>.</summary>
        public const int DocString = 6;

        /// <summary><c>optional GraphProto graph = 7</c>.</summary>
        public const int Graph = 7;

        /// <summary><c>repeated OperatorSetIdProto opset_import = 8</c>.</summary>
        public const int OpsetImport = 8;
    }

    /// <summary>OperatorSetIdProto.</summary>
    internal static class OperatorSetId
    {
        /// <summary><c>optional string domain = 1</c> (empty: the default ONNX operator set).</summary>
        public const int Domain = 1;

        /// <summary><c>optional int64 version = 2</c>.</summary>
        public const int Version = 2;
    }

    /// <summary>GraphProto.</summary>
    internal static class Graph
    {
        /// <summary><c>repeated NodeProto node = 1</c>, in topological order.</summary>
        public const int Node = 1;

        /// <summary><c>optional string name = 2</c>.</summary>
        public const int Name = 2;

        /// <summary><c>repeated TensorProto initializer = 5</c>.</summary>
        public const int Initializer = 5;

        /// <summary><c>repeated ValueInfoProto input = 11</c>.</summary>
        public const int Input = 11;

        /// <summary><c>repeated ValueInfoProto output = 12</c>.</summary>
        public const int Output = 12;
    }

    /// <summary>NodeProto.</summary>
    internal static class Node
    {
        /// <summary><c>repeated string input = 1</c>.</summary>
        public const int Input = 1;

        /// <summary><c>repeated string output = 2</c>.</summary>
        public const int Output = 2;

        /// <summary><c>optional string name = 3</c>.</summary>
        public const int Name = 3;

        /// <summary><c>optional string op_type = 4</c>.</summary>
        public const int OpType = 4;

        /// <summary><c>repeated AttributeProto attribute = 5</c>.</summary>
        public const int Attribute = 5;
    }

    /// <summary>AttributeProto.</summary>
    internal static class Attribute
    {
        /// <summary><c>optional string name = 1</c>.</summary>
        public const int Name = 1;

        /// <summary><c>optional int64 i = 3</c>.</summary>
        public const int I = 3;

        /// <summary><c>optional AttributeType type = 20</c>.</summary>
        public const int Type = 20;

        /// <summary>AttributeProto.AttributeType.INT.</summary>
        public const int TypeInt = 2;
    }

    /// <summary>TensorProto.</summary>
    internal static class Tensor
    {
        /// <summary><c>repeated int64 dims = 1</c>.</summary>
        public const int Dims = 1;

        /// <summary><c>optional int32 data_type = 2</c>.</summary>
        public const int DataType = 2;

        /// <summary><c>optional string name = 8</c>.</summary>
        public const int Name = 8;

        /// <summary><c>optional bytes raw_data = 9</c>: fixed-width little-endian IEEE 754 values, row-major.</summary>
        public const int RawData = 9;

        /// <summary>TensorProto.DataType.FLOAT (float32).</summary>
        public const int DataTypeFloat = 1;

        /// <summary>TensorProto.DataType.DOUBLE (float64).</summary>
        public const int DataTypeDouble = 11;
    }

    /// <summary>ValueInfoProto.</summary>
    internal static class ValueInfo
    {
        /// <summary><c>optional string name = 1</c>.</summary>
        public const int Name = 1;

        /// <summary><c>optional TypeProto type = 2</c>.</summary>
        public const int Type = 2;
    }

    /// <summary>TypeProto.</summary>
    internal static class Type
    {
        /// <summary><c>Tensor tensor_type = 1</c> (in <c>oneof value</c>).</summary>
        public const int TensorType = 1;
    }

    /// <summary>TypeProto.Tensor.</summary>
    internal static class TensorType
    {
        /// <summary><c>optional int32 elem_type = 1</c> (a TensorProto.DataType value).</summary>
        public const int ElemType = 1;

        /// <summary><c>optional TensorShapeProto shape = 2</c>.</summary>
        public const int Shape = 2;
    }

    /// <summary>TensorShapeProto.</summary>
    internal static class TensorShape
    {
        /// <summary><c>repeated Dimension dim = 1</c>.</summary>
        public const int Dim = 1;
    }

    /// <summary>TensorShapeProto.Dimension.</summary>
    internal static class Dimension
    {
        /// <summary><c>int64 dim_value = 1</c> (in <c>oneof value</c>).</summary>
        public const int DimValue = 1;

        /// <summary><c>string dim_param = 2</c> (in <c>oneof value</c>): a symbolic size such as the batch size.</summary>
        public const int DimParam = 2;
    }
}
