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
    /// Computed in double and rounded to T once. With m = maxₖ zₖ and the shifts sₖ = zₖ − m (rounded), e^sₖ
    /// (<see cref="Exponential.Exp"/>) are summed with Neumaier's compensation into S ≥ 1; then L = Σₖ yₖ·(log S − sₖ), the
    /// zero targets skipped. Each term is at least |sₖ|, so the shift's rounding stays within half an ulp of it, and
    /// log S is within about an ulp of 1 in double. This is the column alone of <see cref="Total{T}"/>'s lanes, so a
    /// batch's total is the sum of its observations' values.
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static T Value<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<double> losses = stackalloc double[Vector<double>.Count];
        Lanes(z, y, 0, z.Length, 1, losses);
        return T.CreateTruncating(losses[0]);
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
        // A vector's lanes of observations at a time, each lane computing one observation's Value; the values are
        // rounded to T and added in order, as one Value after another would be.
        var lanes = Vector<double>.Count;
        Span<double> losses = stackalloc double[lanes];
        var sum = T.Zero;
        for (var start = 0; start < z.Length; start += lanes * units)
        {
            var count = Math.Min(lanes, (z.Length - start) / units);
            Lanes(z, y, start, units, count, losses);
            for (var l = 0; l < count; l++)
            {
                sum += T.CreateTruncating(losses[l]);
            }
        }

        return sum;
    }

    /// <summary>
    /// The losses of the <paramref name="count"/> (at most a double vector's lanes) observations from
    /// <paramref name="start"/> on, one per lane, into <paramref name="losses"/>: the steps of <see cref="Value{T}"/> in
    /// every lane, the unused lanes on zeros. The lanes do not interact, and log S is taken lane by lane.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Lanes<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, int start, int units, int count, Span<double> losses)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var lanes = Vector<double>.Count;
        var length = lanes * units;
        double[]? rented = null;
        var scratch = length <= 256 ? stackalloc double[2 * length] : (rented = ArrayPool<double>.Shared.Rent(2 * length));

        // Row k holds value k of every observation (its shift once summed), the rows of targets beside them.
        var shifts = scratch[..length];
        var targets = scratch.Slice(length, length);
        Span<double> maxima = stackalloc double[lanes];
        for (var l = 0; l < lanes; l++)
        {
            var max = 0.0;
            for (var k = 0; k < units; k++)
            {
                var (value, target) = l < count ? (double.CreateTruncating(z[start + (l * units) + k]), double.CreateTruncating(y[start + (l * units) + k])) : (0.0, 0.0);
                shifts[(k * lanes) + l] = value;
                targets[(k * lanes) + l] = target;
                max = k == 0 ? value : Math.Max(max, value);
            }

            maxima[l] = max;
        }

        var negated = -new Vector<double>(maxima);
        var (total, compensation) = (Vector<double>.Zero, Vector<double>.Zero);
        for (var k = 0; k < units; k++)
        {
            // sₖ, e^sₖ and Neumaier's step.
            var shift = new Vector<double>(shifts.Slice(k * lanes, lanes)) + negated;
            var e = Exponential.Exp(shift);
            var next = total + e;
            compensation += Vector.ConditionalSelect(Vector.GreaterThanOrEqual(Vector.Abs(total), Vector.Abs(e)), (total - next) + e, (e - next) + total);
            total = next;
            shift.CopyTo(shifts.Slice(k * lanes, lanes));
        }

        total += compensation;
        Span<double> logs = stackalloc double[lanes];
        for (var l = 0; l < lanes; l++)
        {
            logs[l] = Math.Log(total[l]);
        }

        var logTotal = new Vector<double>(logs);
        var loss = Vector<double>.Zero;
        for (var k = 0; k < units; k++)
        {
            var target = new Vector<double>(targets.Slice(k * lanes, lanes));
            var term = logTotal - new Vector<double>(shifts.Slice(k * lanes, lanes));

            // A zero target adds nothing, even where its term is infinite or NaN (the loss is never −0, so + 0 keeps it).
            loss += Vector.ConditionalSelect(Vector.Equals(target, Vector<double>.Zero), Vector<double>.Zero, target * term);
        }

        for (var l = 0; l < count; l++)
        {
            losses[l] = loss[l];
        }

        if (rented is not null)
        {
            ArrayPool<double>.Shared.Return(rented);
        }
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
