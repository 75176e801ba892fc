using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nn.Activations;

/// <summary>Leaky ReLU: g(z) = z for z &gt; 0 and s·z otherwise; g′(z) = 1 for z &gt; 0 and s otherwise; g″(z) = 0 (z ≠ 0).</summary>
/// <remarks>
/// One comparison and at most one correctly rounded product s·z, the same in the vector body and the scalar tail, so
/// results do not depend on where a value sits in a span. A float32 network uses s rounded to float32. NaN in z gives
/// NaN in a, in g′ and g″, and in the backward pass.
/// </remarks>
public sealed record LeakyReluActivation : ElementwiseActivation
{
    private readonly double slope;

    /// <summary>Creates a leaky ReLU with negative-side slope <paramref name="slope"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slope"/> is outside [0, 1) or not finite.</exception>
    public LeakyReluActivation(double slope)
    {
        Slope = slope;
    }

    /// <summary>The slope s for negative inputs, in [0, 1).</summary>
    public double Slope
    {
        get => slope;
        init => slope = double.IsFinite(value) && value >= 0 && value < 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Slope), value, $"Leaky ReLU slope must be in [0, 1) but is {value}.");
    }

    /// <inheritdoc />
    public override string Name => "leaky_relu";

    /// <inheritdoc />
    public override T Apply<T>(T z) => z > T.Zero ? z : T.CreateTruncating(slope) * z;

    /// <inheritdoc />
    public override T Derivative<T>(T z) => z > T.Zero ? T.One : (T.IsNaN(z) ? z : T.CreateTruncating(slope));

    /// <summary>g″(z) = 0 away from the kink (taken as 0 at z = 0 too; NaN stays NaN).</summary>
    internal override T SecondDerivative<T>(T z) => T.IsNaN(z) ? z : T.Zero;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units)
    {
        var s = T.CreateTruncating(slope);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var sv = new Vector<T>(s);
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var zv = new Vector<T>(z[i..]);
                Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<T>.Zero), zv, zv * sv).CopyTo(a[i..]);
            }
        }

        for (; i < z.Length; i++)
        {
            a[i] = z[i] > T.Zero ? z[i] : s * z[i];
        }
    }

    /// <summary>dz = da where z &gt; 0, s·da elsewhere, NaN where z is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units)
    {
        var s = T.CreateTruncating(slope);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var sv = new Vector<T>(s);
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var zv = new Vector<T>(z[i..]);
                var dav = new Vector<T>(da[i..]);
                var passed = Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<T>.Zero), dav, dav * sv);
                Vector.ConditionalSelect(Vector.Equals(zv, zv), passed, zv).CopyTo(dz[i..]);
            }
        }

        for (; i < z.Length; i++)
        {
            dz[i] = z[i] > T.Zero ? da[i] : (T.IsNaN(z[i]) ? z[i] : s * da[i]);
        }
    }

    /// <summary>R{dz} = g′(z) ⊙ R{da}: with g″ = 0 the R-operator of the backward pass is the backward pass of R{da}.</summary>
    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units) =>
        Backward(z, a, rda, rdz, units);

    /// <inheritdoc />
    public override string ToString() => $"leaky_relu({slope})";
}
