namespace Nn.Models;

/// <summary>The floating-point type a model was trained in and predicts in.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "float32 and float64 are the names IEEE 754 and the model file give these types.")]
public enum Precision
{
    /// <summary>IEEE 754 binary64 (<see cref="double"/>).</summary>
    Float64,

    /// <summary>IEEE 754 binary32 (<see cref="float"/>).</summary>
    Float32,
}
