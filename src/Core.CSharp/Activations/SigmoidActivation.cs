using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Activations;

/// <summary>Logistic sigmoid: σ(z) = 1 / (1 + e⁻ᶻ), σ′(z) = σ(z)(1 − σ(z)) (lecture 003).</summary>
public sealed record SigmoidActivation : ElementwiseActivation
{
    private SigmoidActivation()
    {
    }

    /// <summary>The single instance.</summary>
    public static SigmoidActivation Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "sigmoid";

    /// <inheritdoc />
    public override T Apply<T>(T z) => T.One / (T.One + T.Exp(-z));

    /// <inheritdoc />
    public override T Derivative<T>(T z, T a) => a * (T.One - a);

    /// <inheritdoc />
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => TensorPrimitives.Sigmoid(z, a);
}
