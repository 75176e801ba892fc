using System.Collections.Immutable;

namespace Nn.Interop;

/// <summary>
/// How <see cref="OnnxExport"/> writes a network: tensor names, the graph's precision and an optional
/// standardisation x′ = (x − μ) / σ per feature applied before the first layer.
/// </summary>
/// <remarks>
/// Sizes are checked against the network when it is exported (<see cref="OnnxExport.ToBytes(Layers.Network{double}, OnnxExportOptions?)"/>),
/// since only then is the number of input features known.
/// </remarks>
public sealed record OnnxExportOptions
{
    private readonly string inputName = "input";
    private readonly string outputName = "probabilities";

    /// <summary>The graph input's name, shape [N, features] with symbolic batch size N. Default <c>input</c>.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public string InputName
    {
        get => inputName;
        init => inputName = value ?? throw new ArgumentNullException(nameof(InputName));
    }

    /// <summary>The graph output's name, shape [N, outputs]. Default <c>probabilities</c>.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public string OutputName
    {
        get => outputName;
        init => outputName = value ?? throw new ArgumentNullException(nameof(OutputName));
    }

    /// <summary>
    /// The element type of the graph's tensors; null (the default) keeps the network's own precision, float64 for a
    /// <c>Network&lt;double&gt;</c> and float32 for a <c>Network&lt;float&gt;</c>. Exporting float64 values as
    /// float32 rounds each to the nearest float32.
    /// </summary>
    public OnnxPrecision? Precision { get; init; }

    /// <summary>
    /// μ, one mean per input feature, subtracted from the input before the first layer. Default (or empty): no
    /// standardisation. Must be given together with <see cref="Scales"/>.
    /// </summary>
    public ImmutableArray<double> Means { get; init; }

    /// <summary>
    /// σ, one positive scale per input feature (for example the training data's standard deviation) that the
    /// centred input is divided by. Default (or empty): no standardisation. Must be given together with <see cref="Means"/>.
    /// </summary>
    public ImmutableArray<double> Scales { get; init; }

    /// <summary>Whether a standardisation is given (<see cref="Means"/> is neither default nor empty).</summary>
    public bool Standardises => !Means.IsDefaultOrEmpty;
}
