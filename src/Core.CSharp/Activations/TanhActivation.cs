using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Activations;

/// <summary>Hyperbolic tangent: g(z) = tanh z, g′(z) = 1 − tanh² z (lecture 004: f′ = 1 − f²), g″(z) = −2f(1 − f²).</summary>
public sealed record TanhActivation : ElementwiseActivation
{
    private TanhActivation()
    {
    }

    /// <summary>The single instance.</summary>
    public static TanhActivation Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "tanh";

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override T Apply<T>(T z) => T.Tanh(z);

    /// <inheritdoc />
    public override T Derivative<T>(T z, T a) => T.One - (a * a);

    /// <summary>g″(z) = −2 tanh z (1 − tanh² z), from differentiating 1 − f².</summary>
    internal override T SecondDerivative<T>(T z, T a) => -(a + a) * (T.One - (a * a));

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => TensorPrimitives.Tanh(z, a);

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units) => Kernels.TanhBackward(a, da, dz);
}
