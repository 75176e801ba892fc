using System.Numerics;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;
using Nn.LinearAlgebra;

namespace Nn.Losses;

/// <summary>
/// How much each observation of a batch counts in its cost. Without weights J = (1/m)·Σᵢ Lᵢ, the mean; with sample
/// weights wᵢ ≥ 0, J = Σᵢ wᵢLᵢ / Σᵢ wᵢ, the weighted mean — the convention of PyTorch's <c>CrossEntropyLoss(weight=…)</c>
/// with mean reduction, where class weights become sample weights wᵢ = weight[yᵢ]. (PyTorch's
/// <c>BCEWithLogitsLoss(weight=…)</c> divides by m instead of Σ wᵢ: the same gradients' directions, scaled by m / Σ wᵢ.)
/// Every gradient of J carries the same factor per observation: 1/m, or wᵢ / Σ w.
/// </summary>
/// <remarks>
/// Sums run in T, in observation order, so a batch's cost and factors do not depend on anything but its values.
/// </remarks>
internal static class SampleWeights
{
    /// <summary>Throws unless <paramref name="weights"/> has one finite, non-negative value per observation and a positive sum.</summary>
    /// <exception cref="ArgumentException">The weights do not fit; the message names the first bad one.</exception>
    public static void Check<T>(ReadOnlySpan<T> weights, int samples, string argument)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weights.Length != samples)
        {
            throw new ArgumentException($"{weights.Length} sample weights were given for {samples} samples.", argument);
        }

        var sum = T.Zero;
        for (var i = 0; i < weights.Length; i++)
        {
            if (!T.IsFinite(weights[i]) || weights[i] < T.Zero)
            {
                throw new ArgumentException($"{argument}[{i}] is {Guard.Format(weights[i])}: sample weights must be finite and non-negative.", argument);
            }

            sum += weights[i];
        }

        if (!(sum > T.Zero))
        {
            throw new ArgumentException($"The {samples} sample weights sum to {Guard.Format(sum)}: at least one must be positive.", argument);
        }
    }

    /// <summary>The weights of a matrix-based call, or an empty span for none.</summary>
    public static ReadOnlySpan<T> Of<T>(MathNet.Numerics.LinearAlgebra.Vector<T>? weights)
        where T : unmanaged, IFloatingPointIeee754<T> => weights is null ? [] : Dense.Data(Dense.Ensure(weights));

    /// <summary>J of one batch: Σ L / m, or Σ wᵢLᵢ / Σ wᵢ when <paramref name="weights"/> is not empty.</summary>
    public static T Cost<T>(Loss loss, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units, int m, ReadOnlySpan<T> weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weights.IsEmpty)
        {
            return loss.Total(z, a, y, units) / T.CreateTruncating(m);
        }

        var (total, sum) = (T.Zero, T.Zero);
        for (var j = 0; j < m; j++)
        {
            var column = j * units;
            total += weights[j] * loss.Total(z.Slice(column, units), a.Slice(column, units), y.Slice(column, units), units);
            sum += weights[j];
        }

        return total / sum;
    }

    /// <summary>Multiplies each observation's column of <paramref name="columns"/> by its factor: 1/m, or wᵢ / Σ w.</summary>
    public static void Scale<T>(Span<T> columns, int units, int m, ReadOnlySpan<T> weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weights.IsEmpty)
        {
            ShortSpans.Multiply(columns, T.One / T.CreateTruncating(m), columns);
            return;
        }

        var sum = T.Zero;
        for (var j = 0; j < m; j++)
        {
            sum += weights[j];
        }

        for (var j = 0; j < m; j++)
        {
            var column = columns.Slice(j * units, units);
            ShortSpans.Multiply(column, weights[j] / sum, column);
        }
    }
}
