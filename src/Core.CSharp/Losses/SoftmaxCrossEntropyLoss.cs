using System.Buffers;
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
    /// <remarks>
    /// Computed in double and rounded to T once, from the softmax's own pass (<see cref="SoftmaxActivation"/>): with
    /// m = maxₖ zₖ, each shift zₖ − m held exactly as sₖ + lₖ (TwoSum) and S = Σₖ e^(zₖ − m) summed with compensation,
    /// L = Σₖ yₖ·((log S − sₖ) − lₖ), the zero targets skipped. A batch's <see cref="Total{T}"/> is the sum of its
    /// observations' values, and a training pass that has computed the softmax takes the loss from that pass's log S.
    /// </remarks>
    public static T Value<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<double> maximum = stackalloc double[1];
        Span<double> logSum = stackalloc double[1];
        SoftmaxActivation.Pass(z, Span<T>.Empty, z.Length, maximum, logSum);
        return T.CreateTruncating(ColumnLoss(z, y, maximum[0], logSum[0]));
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
        if (z.IsEmpty)
        {
            return T.Zero;
        }

        var m = z.Length / units;
        var rented = m > 128 ? ArrayPool<double>.Shared.Rent(2 * m) : null;
        var sums = rented is null ? stackalloc double[2 * m] : rented.AsSpan(0, 2 * m);
        SoftmaxActivation.Pass(z, Span<T>.Empty, units, sums[..m], sums[m..]);
        var total = FromLogSums(z, y, units, sums[..m], sums[m..]);
        if (rented is not null)
        {
            ArrayPool<double>.Shared.Return(rented);
        }

        return total;
    }

    /// <summary>
    /// <see cref="Total{T}"/> from each column's maximum and log S as <see cref="SoftmaxActivation.Pass"/> gives them
    /// (a training pass keeps them from its forward pass): each observation's value rounded to T, added in order.
    /// </summary>
    internal static T FromLogSums<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, int units, ReadOnlySpan<double> maxima, ReadOnlySpan<double> logSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sum = T.Zero;
        for (var j = 0; j < maxima.Length; j++)
        {
            sum += T.CreateTruncating(ColumnLoss(z.Slice(j * units, units), y.Slice(j * units, units), maxima[j], logSums[j]));
        }

        return sum;
    }

    /// <summary>Σₖ yₖ·((log S − sₖ) − lₖ) for one column, in double (see <see cref="Value{T}"/>).</summary>
    private static double ColumnLoss<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, double maximum, double logSum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loss = 0.0;
        for (var k = 0; k < z.Length; k++)
        {
            var target = double.CreateTruncating(y[k]);
            if (target != 0)
            {
                var (shift, low) = SoftmaxActivation.Shift(double.CreateTruncating(z[k]), maximum);
                loss += target * ((logSum - shift) - low);
            }
        }

        return loss;
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
