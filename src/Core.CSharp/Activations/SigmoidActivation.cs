using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nn.Activations;

/// <summary>
/// Logistic sigmoid: σ(z) = 1 / (1 + e⁻ᶻ), σ′(z) = σ(z)(1 − σ(z)) (lecture 003), σ″(z) = σ′(z)(1 − 2σ(z)).
/// </summary>
/// <remarks>
/// Computed from e = e^−|z| ∈ (0, 1], which never overflows: σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z &lt; 0,
/// σ′(z) = e/(1 + e)² and σ″(z) = −sign(z)·σ′(z)·tanh(|z|/2), since 1 − 2σ(z) = −tanh(z/2) — written with e^−|z| − 1 so
/// that it keeps its relative accuracy near z = 0, where 1 − 2σ cancels. Each is within a few ulps of the exact
/// value for every double z (float32 values are computed in double and rounded once). NaN propagates.
/// </remarks>
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
    public override T Apply<T>(T z) => Elementwise.Value(default(Kernel), z);

    /// <inheritdoc />
    public override T Derivative<T>(T z) => Elementwise.Slope(default(Kernel), z);

    /// <summary>σ″(z) = σ′(z)(1 − 2σ(z)), from differentiating σ′ = σ − σ².</summary>
    internal override T SecondDerivative<T>(T z) => Elementwise.Curvature(default(Kernel), z);

    /// <inheritdoc />
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => Elementwise.Forward(default(Kernel), z, a);

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units) =>
        Elementwise.Backward(default(Kernel), z, da, dz);

    /// <summary>σ and σ′ share e^−|z|: a training pass keeps σ′ from the forward pass for the backward pass.</summary>
    internal override bool KeepsSlope => true;

    /// <inheritdoc />
    internal override void ForwardWithSlope<T>(ReadOnlySpan<T> z, Span<T> a, Span<double> slope) =>
        Elementwise.ForwardWithSlope(default(Kernel), z, a, slope);

    /// <summary>R{dz} = R{da} ⊙ σ′(z) + da ⊙ σ″(z) ⊙ R{z}.</summary>
    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units) =>
        Elementwise.BackwardTangent(default(Kernel), z, da, rz, rda, rdz);

    /// <summary>σ, σ′ and σ″ on vectors of doubles.</summary>
    private readonly struct Kernel : ISlopeKeepingKernel
    {
        /// <summary>σ and σ′ from one e^−|z|, each by exactly the operations of <see cref="Value"/> and <see cref="Slope"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector<double> Value, Vector<double> Slope) ValueAndSlope(Vector<double> z)
        {
            var e = Exponential.Exp(-Vector.Abs(z));
            var d = Vector<double>.One + e;
            return (Vector.ConditionalSelect(Vector.LessThan(z, Vector<double>.Zero), e / d, Vector<double>.One / d), e / (d * d));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Value(Vector<double> z)
        {
            var e = Exponential.Exp(-Vector.Abs(z));
            var d = Vector<double>.One + e;
            return Vector.ConditionalSelect(Vector.LessThan(z, Vector<double>.Zero), e / d, Vector<double>.One / d);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Slope(Vector<double> z)
        {
            var e = Exponential.Exp(-Vector.Abs(z));
            var d = Vector<double>.One + e;
            return e / (d * d);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Curvature(Vector<double> z)
        {
            var magnitude = Slope(z) * Exponential.TanhOfHalf(Vector.Abs(z));
            return Vector.ConditionalSelect(Vector.LessThan(z, Vector<double>.Zero), magnitude, -magnitude);
        }
    }
}
