using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nn.Activations;

/// <summary>
/// eˣ and eˣ − 1 on <see cref="Vector{T}"/> of doubles, within about one ulp (relative) of the exact value over the
/// whole double range, gradual underflow included — the building block of the sigmoid, tanh and softmax kernels.
/// Every lane is computed by the same operations, so a value's result does not depend on its neighbours or on where
/// in a span it sits.
/// </summary>
/// <remarks>
/// <para><b>Method</b> (Tang, "Table-driven implementation of the exponential function in IEEE floating-point
/// arithmetic", ACM TOMS 15(2), 1989, without the table): x = k·ln 2 + r with k = round(x / ln 2) and
/// |r| ≤ ½ ln 2, where r is formed with two fused multiply-adds against ln 2 split into a double and its remainder,
/// so r carries no cancellation error. Then eʳ − 1 = r + r²·(1/2! + r/3! + … + r¹¹/13!), whose truncation error
/// |r|¹⁴/14! &lt; 2⁻⁵⁵·|eʳ − 1| is below half an ulp, and eˣ = 2ᵏ·(1 + (eʳ − 1)), eˣ − 1 = 2ᵏ·(eʳ − 1) + (2ᵏ − 1) with
/// one fused multiply-add. 2ᵏ is built from its exponent bits, in two factors where k leaves the normal range.</para>
/// <para><b>Special values.</b> NaN gives NaN; eˣ overflows to +∞ above ln(max double) ≈ 709.78 and underflows to
/// +0 below about −745.13; eˣ − 1 is −1 from about −37.4 down.</para>
/// </remarks>
internal static class Exponential
{
    /// <summary>1 / ln 2, for the estimate of k (its rounding does not matter).</summary>
    private const double Log2E = 1.4426950408889634;

    /// <summary>ln 2 rounded to double (0x3FE62E42FEFA39EF).</summary>
    private const double Ln2High = 0.6931471805599453;

    /// <summary>ln 2 − <see cref="Ln2High"/>, rounded to double.</summary>
    private const double Ln2Low = 2.3190468138462996e-17;

    /// <summary>1.5·2⁵²: adding it to |t| &lt; 2⁵¹ rounds t to the nearest integer (ties to even).</summary>
    private const double Shifter = 6755399441055744.0;

    /// <summary>Below this eˣ is below half the smallest subnormal; above the other bound it overflows.</summary>
    private const double ExpLowest = -746, ExpHighest = 710;

    /// <summary>Below this eˣ − 1 rounds to −1 (eˣ &lt; 2⁻⁵⁴ from x ≈ −37.4).</summary>
    private const double ExpM1Lowest = -60;

    /// <summary>eˣ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Exp(Vector<double> x)
    {
        var (k, p) = Reduce(Vector.Min(Vector.Max(x, new Vector<double>(ExpLowest)), new Vector<double>(ExpHighest)));

        // 2ᵏ as 2^(k − ⌊k/2⌋)·2^⌊k/2⌋: both factors are normal for k in [−1077, 1025], and the first product is exact.
        var half = Vector.ShiftRightArithmetic(k, 1);
        var result = (Vector<double>.One + p) * PowerOfTwo(k - half) * PowerOfTwo(half);
        return KeepNaN(x, result);
    }

    /// <summary>eˣ − 1 for x ≤ 0 (including −∞); for x &gt; 0 the result is unspecified.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> ExpM1OfNonPositive(Vector<double> x)
    {
        var (k, p) = Reduce(Vector.Max(x, new Vector<double>(ExpM1Lowest)));

        // k is in [−87, 0], so 2ᵏ is normal and 2ᵏ − 1 is exact down to k = −53 (below it rounds to −1, as the result does).
        var scale = PowerOfTwo(k);
        var result = Vector.FusedMultiplyAdd(scale, p, scale - Vector<double>.One);
        return KeepNaN(x, result);
    }

    /// <summary>tanh(x/2) for x ≥ 0, from u = e⁻ˣ − 1: tanh(x/2) = (1 − e⁻ˣ)/(1 + e⁻ˣ) = −u/(2 + u), free of cancellation at small x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> TanhOfHalf(Vector<double> x)
    {
        var u = ExpM1OfNonPositive(-x);
        return -u / (new Vector<double>(2) + u);
    }

    /// <summary>x = k·ln 2 + r: returns k (as an integer) and eʳ − 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<long> K, Vector<double> P) Reduce(Vector<double> x)
    {
        var shifted = Vector.FusedMultiplyAdd(x, new Vector<double>(Log2E), new Vector<double>(Shifter));
        var k = shifted - new Vector<double>(Shifter);
        var r = Vector.FusedMultiplyAdd(-k, new Vector<double>(Ln2High), x);
        r = Vector.FusedMultiplyAdd(-k, new Vector<double>(Ln2Low), r);

        // Horner's rule for q = 1/2! + r/3! + … + r¹¹/13!, then eʳ − 1 = r + r²·q.
        var q = new Vector<double>(1.0 / 6227020800);
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 479001600));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 39916800));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 3628800));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 362880));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 40320));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 5040));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 720));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 120));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 24));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(1.0 / 6));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<double>(0.5));
        return (Vector.ConvertToInt64(k), Vector.FusedMultiplyAdd(r * r, q, r));
    }

    /// <summary>2ᵏ for −1022 ≤ k ≤ 1023, from its exponent bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> PowerOfTwo(Vector<long> k) =>
        Vector.AsVectorDouble(Vector.ShiftLeft(k + new Vector<long>(1023), 52));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> KeepNaN(Vector<double> x, Vector<double> result) =>
        Vector.ConditionalSelect(Vector.Equals(x, x), result, x);
}
