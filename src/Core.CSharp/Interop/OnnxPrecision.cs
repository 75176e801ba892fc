namespace Nn.Interop;

/// <summary>The element type of every tensor in an exported ONNX graph.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "float32 and float64 are the names ONNX and IEEE 754 give these element types.")]
public enum OnnxPrecision
{
    /// <summary>TensorProto.DataType.FLOAT: IEEE 754 binary32.</summary>
    Float32 = 1,

    /// <summary>TensorProto.DataType.DOUBLE: IEEE 754 binary64.</summary>
    Float64 = 2,
}
