using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Activations;

/// <summary>
/// Softmax over the units of each observation: aₖ = e^(zₖ − max z) / Σⱼ e^(zⱼ − max z) (shifting by the column's
/// maximum changes nothing mathematically and keeps e^x finite). Its Jacobian is ∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ), so the
/// backward pass is dz = a ⊙ (da − (aᵀda)) per column. Meant for output layers, with
/// <see cref="Losses.Loss.SoftmaxCrossEntropy"/> (the fused gradient is a − y).
/// </summary>
public sealed record SoftmaxActivation : Activation
{
    private SoftmaxActivation()
    {
    }

    /// <summary>The single instance.</summary>
    public static SoftmaxActivation Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "softmax";

    /// <inheritdoc />
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units)
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
    }

    /// <inheritdoc />
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
}
