using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nn.Activations;

/// <summary>Rectified linear unit: g(z) = max(0, z), g′(z) = 1 for z &gt; 0 and 0 otherwise (0 at the kink, as PyTorch), g″(z) = 0.</summary>
/// <remarks>
/// Exact: a comparison and a selection, the same in the vector body and the scalar tail, so results do not depend on
/// where a value sits in a span. g(−0) = +0. NaN in z gives NaN in a, in g′ and g″, and in the backward pass.
/// </remarks>
public sealed record ReluActivation : ElementwiseActivation
{
    private ReluActivation()
    {
    }

    /// <summary>The single instance.</summary>
    public static ReluActivation Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "relu";

    /// <inheritdoc />
    public override T Apply<T>(T z) => z > T.Zero ? z : (T.IsNaN(z) ? z : T.Zero);

    /// <inheritdoc />
    public override T Derivative<T>(T z) => z > T.Zero ? T.One : (T.IsNaN(z) ? z : T.Zero);

    /// <summary>g″(z) = 0 away from the kink (taken as 0 at z = 0 too; NaN stays NaN).</summary>
    internal override T SecondDerivative<T>(T z) => T.IsNaN(z) ? z : T.Zero;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var zv = new Vector<T>(z[i..]);
                var positive = Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<T>.Zero), zv, Vector<T>.Zero);
                Vector.ConditionalSelect(Vector.Equals(zv, zv), positive, zv).CopyTo(a[i..]);
            }
        }

        for (; i < z.Length; i++)
        {
            a[i] = Apply(z[i]);
        }
    }

    /// <summary>dz = da where z &gt; 0, 0 elsewhere, NaN where z is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var zv = new Vector<T>(z[i..]);
                var passed = Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<T>.Zero), new Vector<T>(da[i..]), Vector<T>.Zero);
                Vector.ConditionalSelect(Vector.Equals(zv, zv), passed, zv).CopyTo(dz[i..]);
            }
        }

        for (; i < z.Length; i++)
        {
            dz[i] = z[i] > T.Zero ? da[i] : (T.IsNaN(z[i]) ? z[i] : T.Zero);
        }
    }

    /// <summary>R{dz} = g′(z) ⊙ R{da}: with g″ = 0 the R-operator of the backward pass is the backward pass of R{da}.</summary>
    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units) =>
        Backward(z, a, rda, rdz, units);
}
