using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Activations;

/// <summary>
/// Softmax over the units of each observation: aₖ = e^(zₖ − max z) / Σⱼ e^(zⱼ − max z) (shifting by the column's
/// maximum changes nothing mathematically and keeps e^x finite). Its Jacobian is ∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ), so the
/// backward pass is dz = a ⊙ (da − (aᵀda)) per column; its R-operator (curvature products) is derived beside it. Meant for output layers, with
/// <see cref="Losses.Loss.SoftmaxCrossEntropy"/> (the fused gradient is a − y).
/// </summary>
public sealed record SoftmaxActivation : Activation
{
    private SoftmaxActivation()
    {
    }

    /// <summary>Units per observation from which each column is handled with whole-column vector calls.</summary>
    private const int WideColumn = 64;

    /// <summary>The single instance.</summary>
    public static SoftmaxActivation Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "softmax";

    /// <inheritdoc />
    /// <remarks>
    /// With few units per observation (the usual classifier head) the columns are short, so instead of five vector
    /// calls per column it shifts every column by its maximum in one scalar sweep, exponentiates the whole batch in a
    /// single vectorised call and then normalises each column.
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units)
    {
        if (units >= WideColumn)
        {
            for (var start = 0; start < z.Length; start += units)
            {
                var zc = z.Slice(start, units);
                var ac = a.Slice(start, units);
                var max = TensorPrimitives.Max(zc);
                TensorPrimitives.Subtract(zc, max, ac);
                TensorPrimitives.Exp(ac, ac);
                var sum = TensorPrimitives.Sum<T>(ac);
                TensorPrimitives.Divide(ac, sum, ac);
            }

            return;
        }

        for (var start = 0; start < z.Length; start += units)
        {
            var max = z[start];
            for (var k = 1; k < units; k++)
            {
                max = T.Max(max, z[start + k]);
            }

            for (var k = 0; k < units; k++)
            {
                a[start + k] = z[start + k] - max;
            }
        }

        TensorPrimitives.Exp(a[..z.Length], a);
        for (var start = 0; start < z.Length; start += units)
        {
            var sum = T.Zero;
            for (var k = 0; k < units; k++)
            {
                sum += a[start + k];
            }

            for (var k = 0; k < units; k++)
            {
                a[start + k] /= sum;
            }
        }
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units)
    {
        for (var start = 0; start < z.Length; start += units)
        {
            var ac = a.Slice(start, units);
            var dac = da.Slice(start, units);
            var dzc = dz.Slice(start, units);
            var dot = TensorPrimitives.Dot(ac, dac);
            TensorPrimitives.Subtract(dac, dot, dzc);
            TensorPrimitives.Multiply(dzc, ac, dzc);
        }
    }

    /// <summary>
    /// The R-operator of the backward pass. With s = aᵀda, dz = a ⊙ (da − s), so per column
    /// R{dz} = R{a} ⊙ (da − s) + a ⊙ (R{da} − R{s}), where R{s} = R{a}ᵀda + aᵀR{da} and R{a} = a ⊙ (R{z} − aᵀR{z}).
    /// </summary>
    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units)
    {
        for (var start = 0; start < z.Length; start += units)
        {
            var ac = a.Slice(start, units);
            var dac = da.Slice(start, units);
            var rac = ra.Slice(start, units);
            var rdac = rda.Slice(start, units);
            var s = TensorPrimitives.Dot(ac, dac);
            var rs = TensorPrimitives.Dot(rac, dac) + TensorPrimitives.Dot(ac, rdac);
            for (var k = 0; k < units; k++)
            {
                rdz[start + k] = (rac[k] * (dac[k] - s)) + (ac[k] * (rdac[k] - rs));
            }
        }
    }
}
