using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nn.Activations;

/// <summary>
/// Softmax over the units of each observation: aₖ = e^(zₖ − max z) / Σⱼ e^(zⱼ − max z) (shifting by the column's
/// maximum changes nothing mathematically and keeps e^x finite). Its Jacobian is ∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ), so the
/// backward pass is dz = a ⊙ (da − (aᵀda)) per column; its R-operator (curvature products) is derived beside it.
/// Meant for output layers, with <see cref="Losses.Loss.SoftmaxCrossEntropy"/> (the fused gradient is a − y).
/// </summary>
/// <remarks>
/// <para><b>Accuracy.</b> Each column is computed in double (float32 results rounded once at the end). The shift
/// zₖ − max z is carried exactly as a rounded difference plus its rounding error (Knuth's TwoSum), and
/// e^(h + l) = e^h·(1 + l), so logits hundreds apart lose nothing in the subtraction; the sum is compensated
/// (Neumaier). So aₖ is within a few ulps of the exact value.</para>
/// <para><b>Derivatives.</b> dz_k = aₖ·(da_k − aᵀda), except for the column's largest activation m, where Σₖ aₖ = 1
/// gives da_m − aᵀda = −Σ_{i≠m} aᵢ(daᵢ − da_m). With a one-hot da neither form then subtracts nearly equal numbers
/// (da_k − aᵀda for k ≠ m is 1 − aⱼ with aⱼ ≤ ½, or −aⱼ), so every Jacobian entry aₖ(δₖⱼ − aⱼ) — including aⱼ(1 − aⱼ)
/// when aⱼ is within an ulp of 1 — comes out within a few ulps. The R-operator uses the same split. Dot products are
/// compensated.</para>
/// <para><b>Batch invariance.</b> Every column is computed by the same operations in the same order, alone or in a
/// lane beside others, so an observation's output does not depend on the rest of the batch. NaN anywhere in a column makes the whole column NaN.</para>
/// </remarks>
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
    /// <remarks>
    /// Columns go a vector's lanes at a time (four on 256-bit vectors) where that many remain: each lane holds one column,
    /// and every step — the maximum, the exact shift, e^x, the compensated sum and the quotients — is the same operation
    /// in every lane, in the same order as for a column alone, so the bits are those of one column at a time (the lanes
    /// do not interact, and e^x of a value depends on that value alone: see <see cref="Elementwise"/>). The compensated
    /// sum is a chain of dependent additions per column; side by side, the columns' chains overlap.
    /// </remarks>
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => Pass(z, a, units, default, default);

    /// <summary>
    /// <see cref="Forward{T}"/> into <paramref name="a"/> unless it is empty, and, unless they are empty, each column's
    /// maximum m and log S into <paramref name="maxima"/> and <paramref name="logSums"/> (one per column), where
    /// S = Σₖ e^(zₖ − m) is the compensated sum the quotients divide by: what softmax cross-entropy needs of the pass
    /// (<see cref="Losses.SoftmaxCrossEntropyLoss"/>), with the same bits whether or not a is computed beside them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Pass<T>(ReadOnlySpan<T> z, Span<T> a, int units, Span<double> maxima, Span<double> logSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var lanes = Vector<double>.Count;
        var scratch = ArrayPool<double>.Shared.Rent(2 * lanes * units);
        var start = 0;
        for (; start + (lanes * units) <= z.Length; start += lanes * units)
        {
            Lanes(z, a, start, units, scratch, maxima, logSums);
        }

        for (; start < z.Length; start += units)
        {
            Column(z, a, start, units, scratch, maxima, logSums);
        }

        ArrayPool<double>.Shared.Return(scratch);
    }

    /// <summary>
    /// One column per lane of a double vector: the columns from <paramref name="start"/> on, computed with the operations
    /// of <see cref="Column{T}"/> for each column alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Lanes<T>(ReadOnlySpan<T> z, Span<T> a, int start, int units, double[] scratch, Span<double> columnMaxima, Span<double> logSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var lanes = Vector<double>.Count;

        // The values side by side, value k of every column in row k; each column's maximum as Column takes it.
        var values = scratch.AsSpan(0, lanes * units);
        var maxima = scratch.AsSpan(lanes * units, lanes);
        for (var l = 0; l < lanes; l++)
        {
            var column = z.Slice(start + (l * units), units);
            var max = double.CreateTruncating(column[0]);
            values[l] = max;
            for (var k = 1; k < units; k++)
            {
                var value = double.CreateTruncating(column[k]);
                values[(k * lanes) + l] = value;
                max = Math.Max(max, value);
            }

            maxima[l] = max;
        }

        var y = -new Vector<double>(maxima);
        var (total, compensation) = (Vector<double>.Zero, Vector<double>.Zero);
        for (var k = 0; k < units; k++)
        {
            var row = values.Slice(k * lanes, lanes);

            // zₖ − max as TwoSum gives it, e^(h + l) = e^h·(1 + l), and Neumaier's step, lane by lane.
            var x = new Vector<double>(row);
            var sum = x + y;
            var yPart = sum - x;
            var error = (x - (sum - yPart)) + (y - yPart);
            var low = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(error), new Vector<double>(double.PositiveInfinity)), error, Vector<double>.Zero);
            var power = Exponential.Exp(sum);
            var e = Vector.FusedMultiplyAdd(power, low, power);
            e.CopyTo(row);
            var next = total + e;
            compensation += Vector.ConditionalSelect(Vector.GreaterThanOrEqual(Vector.Abs(total), Vector.Abs(e)), (total - next) + e, (e - next) + total);
            total = next;
        }

        total += compensation;
        if (!logSums.IsEmpty)
        {
            var column = start / units;
            for (var l = 0; l < lanes; l++)
            {
                columnMaxima[column + l] = maxima[l];
                logSums[column + l] = Math.Log(total[l]);
            }
        }

        for (var k = 0; k < units && !a.IsEmpty; k++)
        {
            var quotients = new Vector<double>(values.Slice(k * lanes, lanes)) / total;
            for (var l = 0; l < lanes; l++)
            {
                a[start + (l * units) + k] = T.CreateTruncating(quotients[l]);
            }
        }
    }

    /// <summary>The column from <paramref name="start"/> alone: the definition the lanes of <see cref="Lanes{T}"/> follow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Column<T>(ReadOnlySpan<T> z, Span<T> a, int start, int units, double[] scratch, Span<double> maxima, Span<double> logSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shift = scratch.AsSpan(0, units);
        var low = scratch.AsSpan(units, units);
        Load(z.Slice(start, units), shift);
        var max = shift[0];
        for (var k = 1; k < units; k++)
        {
            max = Math.Max(max, shift[k]);
        }

        // zₖ − max exactly, as the rounded difference and its rounding error (TwoSum).
        for (var k = 0; k < units; k++)
        {
            (shift[k], low[k]) = Shift(shift[k], max);
        }

        Elementwise.Forward(default(ExpKernel), shift, shift);
        var total = 0.0;
        var compensation = 0.0;
        for (var k = 0; k < units; k++)
        {
            var e = Math.FusedMultiplyAdd(shift[k], low[k], shift[k]);
            shift[k] = e;
            (total, compensation) = AddCompensated(total, compensation, e);
        }

        total += compensation;
        if (!logSums.IsEmpty)
        {
            maxima[start / units] = max;
            logSums[start / units] = Math.Log(total);
        }

        if (a.IsEmpty)
        {
            return;
        }

        var column = a.Slice(start, units);
        for (var k = 0; k < units; k++)
        {
            column[k] = T.CreateTruncating(shift[k] / total);
        }
    }

    /// <summary>
    /// x − <paramref name="max"/> as the rounded difference and its rounding error (Knuth's TwoSum), the error taken as 0
    /// where it is not finite — the shift of the forward pass, lane for lane.
    /// </summary>
    internal static (double High, double Low) Shift(double x, double max)
    {
        var y = -max;
        var sum = x + y;
        var yPart = sum - x;
        var error = (x - (sum - yPart)) + (y - yPart);
        return (sum, double.IsFinite(error) ? error : 0);
    }

    /// <inheritdoc />
    /// <remarks>dz_k = aₖ·(da_k − aᵀda), and dz_m = −a_m·Σ_{i≠m} aᵢ(daᵢ − da_m) for the largest activation m (see the class remarks).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units)
    {
        var scratch = ArrayPool<double>.Shared.Rent(2 * units);
        var ac = scratch.AsSpan(0, units);
        var dac = scratch.AsSpan(units, units);
        for (var start = 0; start < z.Length; start += units)
        {
            Load(a.Slice(start, units), ac);
            Load(da.Slice(start, units), dac);
            var m = LargestAt(ac);
            var s = Dot(ac, dac);
            var t = PivotedDot(ac, dac, m);
            for (var k = 0; k < units; k++)
            {
                dz[start + k] = T.CreateTruncating(ac[k] * (k == m ? -t : dac[k] - s));
            }
        }

        ArrayPool<double>.Shared.Return(scratch);
    }

    /// <summary>
    /// The R-operator of the backward pass. With s = aᵀda, dz = a ⊙ (da − s), so per column
    /// R{dz} = R{a} ⊙ (da − s) + a ⊙ (R{da} − R{s}), where R{s} = R{a}ᵀda + aᵀR{da} and R{a} = a ⊙ (R{z} − aᵀR{z}).
    /// da − s and R{da} − aᵀR{da} are computed as in <see cref="Backward{T}"/>, with the largest activation m apart.
    /// </summary>
    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units)
    {
        var scratch = ArrayPool<double>.Shared.Rent(4 * units);
        var ac = scratch.AsSpan(0, units);
        var dac = scratch.AsSpan(units, units);
        var rac = scratch.AsSpan(2 * units, units);
        var rdac = scratch.AsSpan(3 * units, units);
        for (var start = 0; start < z.Length; start += units)
        {
            Load(a.Slice(start, units), ac);
            Load(da.Slice(start, units), dac);
            Load(ra.Slice(start, units), rac);
            Load(rda.Slice(start, units), rdac);
            var m = LargestAt(ac);
            var (s, t) = (Dot(ac, dac), PivotedDot(ac, dac, m));
            var (tangentS, tangentT) = (Dot(ac, rdac), PivotedDot(ac, rdac, m));
            var raDotDa = Dot(rac, dac);
            for (var k = 0; k < units; k++)
            {
                var dMinusS = k == m ? -t : dac[k] - s;
                var rdaMinusRs = (k == m ? -tangentT : rdac[k] - tangentS) - raDotDa;
                rdz[start + k] = T.CreateTruncating((rac[k] * dMinusS) + (ac[k] * rdaMinusRs));
            }
        }

        ArrayPool<double>.Shared.Return(scratch);
    }

    /// <summary>Σ_{i≠m} aᵢ(vᵢ − v_m), compensated.</summary>
    private static double PivotedDot(ReadOnlySpan<double> a, ReadOnlySpan<double> v, int m)
    {
        var (total, compensation) = (0.0, 0.0);
        for (var i = 0; i < a.Length; i++)
        {
            if (i != m)
            {
                (total, compensation) = AddCompensated(total, compensation, a[i] * (v[i] - v[m]));
            }
        }

        return total + compensation;
    }

    /// <summary>aᵀv, compensated.</summary>
    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> v)
    {
        var (total, compensation) = (0.0, 0.0);
        for (var i = 0; i < a.Length; i++)
        {
            (total, compensation) = AddCompensated(total, compensation, a[i] * v[i]);
        }

        return total + compensation;
    }

    /// <summary>The index of the first largest value (0 when the column holds NaN).</summary>
    private static int LargestAt(ReadOnlySpan<double> a)
    {
        var m = 0;
        for (var k = 1; k < a.Length; k++)
        {
            if (a[k] > a[m])
            {
                m = k;
            }
        }

        return m;
    }

    /// <summary>Neumaier's compensated summation step: adds x to the running total and collects the lost low-order part.</summary>
    private static (double Total, double Compensation) AddCompensated(double total, double compensation, double x)
    {
        var sum = total + x;
        compensation += Math.Abs(total) >= Math.Abs(x) ? (total - sum) + x : (x - sum) + total;
        return (sum, compensation);
    }

    private static void Load<T>(ReadOnlySpan<T> source, Span<double> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var k = 0; k < source.Length; k++)
        {
            destination[k] = double.CreateTruncating(source[k]);
        }
    }

    /// <summary>eˣ, whose derivatives are eˣ too.</summary>
    private readonly struct ExpKernel : IElementwiseKernel
    {
        public Vector<double> Value(Vector<double> z) => Exponential.Exp(z);

        public Vector<double> Slope(Vector<double> z) => Exponential.Exp(z);

        public Vector<double> Curvature(Vector<double> z) => Exponential.Exp(z);
    }
}
