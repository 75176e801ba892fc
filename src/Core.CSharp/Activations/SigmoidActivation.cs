using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Activations;

/// <summary>Logistic sigmoid: σ(z) = 1 / (1 + e⁻ᶻ), σ′(z) = σ(z)(1 − σ(z)) (lecture 003), σ″(z) = σ′(z)(1 − 2σ(z)).</summary>
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
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override T Apply<T>(T z) => T.One / (T.One + T.Exp(-z));

    /// <inheritdoc />
    public override T Derivative<T>(T z, T a) => a * (T.One - a);

    /// <summary>σ″(z) = σ(1 − σ)(1 − 2σ), from differentiating σ′ = σ − σ².</summary>
    internal override T SecondDerivative<T>(T z, T a) => a * (T.One - a) * (T.One - (a + a));

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => TensorPrimitives.Sigmoid(z, a);

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units) => Kernels.SigmoidBackward(a, da, dz);
}
