using System.Numerics;
using System.Numerics.Tensors;
using Nn.Activations;
using Nn.LinearAlgebra;

namespace Nn.Losses;

/// <summary>
/// Softmax cross-entropy L = −Σₖ yₖ log aₖ with a = softmax(z). From the logits, with m = maxₖ zₖ and
/// lse = m + log Σⱼ e^(zⱼ − m): L = Σₖ yₖ (lse − zₖ), which never takes log(0). Because each target column sums
/// to 1, ∂L/∂z = a − y exactly. Targets are probability vectors (one-hot or soft labels).
/// </summary>
public sealed record SoftmaxCrossEntropyLoss : Loss
{
    private SoftmaxCrossEntropyLoss()
    {
    }

    /// <summary>The single instance.</summary>
    public static SoftmaxCrossEntropyLoss Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "ce";

    /// <summary>L = Σₖ yₖ (log Σⱼ e^zⱼ − zₖ) for the logits <paramref name="z"/> and targets <paramref name="y"/> of one observation.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static T Value<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var max = TensorPrimitives.Max(z);
        var sumExp = T.Zero;
        for (var k = 0; k < z.Length; k++)
        {
            sumExp += T.Exp(z[k] - max);
        }

        var lse = max + T.Log(sumExp);
        var loss = T.Zero;
        for (var k = 0; k < z.Length; k++)
        {
            if (!T.IsZero(y[k]))
            {
                loss += y[k] * (lse - z[k]);
            }
        }

        return loss;
    }

    /// <inheritdoc />
    public override void CheckOutputActivation(Activation output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output is not SoftmaxActivation)
        {
            throw new ArgumentException($"Softmax cross-entropy needs a softmax output layer, but the output activation is {output.Name}.", nameof(output));
        }
    }

    /// <inheritdoc />
    public override void CheckTargets<T>(ReadOnlySpan<T> y, int units, string argument)
    {
        var tolerance = T.CreateTruncating(1e-5);
        for (var start = 0; start < y.Length; start += units)
        {
            var column = y.Slice(start, units);
            for (var k = 0; k < units; k++)
            {
                if (column[k] < T.Zero || column[k] > T.One)
                {
                    throw new ArgumentException($"{argument}[{k}, {start / units}] is {Guard.Format(column[k])}: cross-entropy targets must be probabilities in [0, 1].", argument);
                }
            }

            var sum = TensorPrimitives.Sum(column);
            if (T.Abs(sum - T.One) > tolerance)
            {
                throw new ArgumentException($"{argument} column {start / units} sums to {Guard.Format(sum)}: cross-entropy targets must sum to 1 (one-hot or soft labels).", argument);
            }
        }
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override T Total<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units)
    {
        var sum = T.Zero;
        for (var start = 0; start < z.Length; start += units)
        {
            sum += Value(z.Slice(start, units), y.Slice(start, units));
        }

        return sum;
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void OutputGradient<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> dz, int units) =>
        ShortSpans.Subtract(a, y, dz);

    /// <summary>dz = a − y, so R{dz} = R{a}: ∇²_z L = diag(a) − aaᵀ (the softmax Jacobian), so R{dz} = (diag(a) − aaᵀ)·R{z} = R{a}. The targets drop out.</summary>
    internal override void OutputGradientTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units) =>
        ra.CopyTo(rdz);

    /// <summary>The loss is convex in the logits, so the Gauss–Newton factor is the whole Hessian: R{dz} = R{a}.</summary>
    internal override void GaussNewtonOutputTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units) =>
        ra.CopyTo(rdz);
}
