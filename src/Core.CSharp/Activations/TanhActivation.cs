using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nn.Activations;

/// <summary>Hyperbolic tangent: g(z) = tanh z, g′(z) = 1 − tanh² z (lecture 004: f′ = 1 − f²), g″(z) = −2f(1 − f²).</summary>
/// <remarks>
/// Computed from u = e^−2|z| − 1 ∈ [−1, 0], which keeps full relative accuracy at tiny |z|:
/// tanh z = sign(z)·(−u)/(2 + u); g′(z) = 4e/(1 + e)² with e = e^−2|z| (= 1 − tanh² z without the cancellation where
/// tanh z is near ±1); g″(z) = −2·tanh z·g′(z). Each is within a few ulps of the exact value for every double z,
/// from 10⁻³⁰⁰ (where tanh z = z) to the largest double (float32 values are computed in double and rounded once).
/// The sign of zero is kept; NaN propagates.
/// </remarks>
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
    public override T Apply<T>(T z) => Elementwise.Value(default(Kernel), z);

    /// <inheritdoc />
    public override T Derivative<T>(T z) => Elementwise.Slope(default(Kernel), z);

    /// <summary>g″(z) = −2 tanh z (1 − tanh² z), from differentiating 1 − f².</summary>
    internal override T SecondDerivative<T>(T z) => Elementwise.Curvature(default(Kernel), z);

    /// <inheritdoc />
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => Elementwise.Forward(default(Kernel), z, a);

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units) =>
        Elementwise.Backward(default(Kernel), z, da, dz);

    /// <summary>R{dz} = R{da} ⊙ g′(z) + da ⊙ g″(z) ⊙ R{z}.</summary>
    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units) =>
        Elementwise.BackwardTangent(default(Kernel), z, da, rz, rda, rdz);

    /// <summary>tanh, tanh′ and tanh″ on vectors of doubles.</summary>
    private readonly struct Kernel : IElementwiseKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Value(Vector<double> z)
        {
            // tanh|z| = tanh(2|z| / 2); 2|z| is exact (or +∞, which gives 1).
            var magnitude = Exponential.TanhOfHalf(Vector.Abs(z) * new Vector<double>(2));
            return WithSignOf(z, magnitude);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Slope(Vector<double> z)
        {
            var e = Exponential.Exp(Vector.Abs(z) * new Vector<double>(-2));
            var d = Vector<double>.One + e;
            return new Vector<double>(4) * e / (d * d);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Curvature(Vector<double> z) => new Vector<double>(-2) * Value(z) * Slope(z);

        /// <summary>|m| with the sign bit of z (m is non-negative or NaN).</summary>
        private static Vector<double> WithSignOf(Vector<double> z, Vector<double> m) =>
            Vector.BitwiseOr(m, Vector.BitwiseAnd(z, new Vector<double>(-0.0)));
    }
}
