using System.Numerics;

namespace Nn.Tests.Activations;

/// <summary>
/// A real number held exactly as an integer multiple of 2⁻ᴾ (P = 1200 fractional bits), for reference values: every
/// double converts exactly, sums and differences are exact, and products and quotients are truncated at 2⁻¹²⁰⁰ — more
/// than 100 bits below the last bit of the smallest subnormal double (2⁻¹⁰⁷⁴).
/// </summary>
internal readonly record struct Exact(BigInteger Scaled) : IComparable<Exact>
{
    public const int Bits = 1200;

    public static readonly Exact Zero = new(BigInteger.Zero);

    public static readonly Exact One = new(BigInteger.One << Bits);

    /// <summary>ln 2 = Σₖ 1/(k·2ᵏ), summed until the terms drop below 2⁻⁽ᴾ⁺¹⁶⁾.</summary>
    public static readonly Exact Ln2 = ComputeLn2();

    public int Sign => Scaled.Sign;

    public static Exact operator +(Exact a, Exact b) => new(a.Scaled + b.Scaled);

    public static Exact operator -(Exact a, Exact b) => new(a.Scaled - b.Scaled);

    public static Exact operator -(Exact a) => new(-a.Scaled);

    public static Exact operator *(Exact a, Exact b) => new((a.Scaled * b.Scaled) >> Bits);

    public static Exact operator *(int k, Exact a) => new(k * a.Scaled);

    public static Exact operator /(Exact a, Exact b) => new((a.Scaled << Bits) / b.Scaled);

    public static bool operator <(Exact a, Exact b) => a.Scaled < b.Scaled;

    public static bool operator >(Exact a, Exact b) => a.Scaled > b.Scaled;

    public static bool operator <=(Exact a, Exact b) => a.Scaled <= b.Scaled;

    public static bool operator >=(Exact a, Exact b) => a.Scaled >= b.Scaled;

    public int CompareTo(Exact other) => Scaled.CompareTo(other.Scaled);

    public Exact Abs() => new(BigInteger.Abs(Scaled));

    /// <summary>The double x exactly (finite x only).</summary>
    public static Exact From(double x)
    {
        if (!double.IsFinite(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "only finite values have an exact value");
        }

        var bits = BitConverter.DoubleToInt64Bits(x);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        var (significand, power) = exponent == 0 ? (mantissa, -1074) : (mantissa | (1L << 52), exponent - 1075);
        var scaled = new BigInteger(significand) << (power + Bits);
        return new Exact(x < 0 ? -scaled : scaled);
    }

    /// <summary>eˣ for x ≤ 0 (the only arguments the activations need): x = k·ln 2 + r, eʳ by its Taylor series, then 2ᵏ.</summary>
    public static Exact Exp(Exact x)
    {
        if (x.Sign > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(x), "Exp is only needed, and only implemented, for x ≤ 0");
        }

        // Below −(P + 2)·ln 2 the result is less than 2⁻ᴾ: it is zero at this precision.
        if (x < -((Bits + 2) * Ln2))
        {
            return Zero;
        }

        var k = (int)Math.Round(ToDouble(x) / Math.Log(2));
        var r = x - (k * Ln2);
        var sum = One;
        var term = One;
        for (var n = 1; term.Scaled.Sign != 0; n++)
        {
            term = new Exact(term.Scaled * r.Scaled / (BigInteger.One << Bits) / n);
            sum += term;
        }

        return k >= 0 ? new Exact(sum.Scaled << k) : new Exact(sum.Scaled >> -k);
    }

    /// <summary>log x for x ≥ 1: Halley's iteration y ← y + 2(t − 1)/(t + 1) with t = x·e⁻ʸ, from the double estimate.</summary>
    public static Exact Log(Exact x)
    {
        if (x < One)
        {
            throw new ArgumentOutOfRangeException(nameof(x), "Log is only needed, and only implemented, for x ≥ 1");
        }

        var y = From(Math.Log(ToDouble(x)));
        for (var i = 0; i < 5; i++)
        {
            // e⁻ʸ needs −y ≤ 0: a rounded estimate below zero is clamped there (log x ≥ 0 for x ≥ 1).
            var t = x * Exp(y.Sign > 0 ? -y : Zero);
            y += new Exact(2 * (t - One).Scaled) / (t + One);
        }

        return y;
    }

    /// <summary>A nearby double, for estimates and messages only (values below 2⁻⁶⁴ show as 0).</summary>
    public static double ToDouble(Exact x) => (double)(x.Scaled >> (Bits - 64)) / Math.Pow(2, 64);

    /// <summary>
    /// |computed − this| in units of the last place of this value in the given precision (52 or 23 fraction bits;
    /// subnormals have the fixed ulp 2⁻¹⁰⁷⁴ or 2⁻¹⁴⁹). NaN and infinities are infinitely far.
    /// </summary>
    public double UlpsTo(double computed, int fractionBits)
    {
        if (!double.IsFinite(computed))
        {
            return double.PositiveInfinity;
        }

        var smallest = fractionBits == 52 ? -1074 : -149;
        var magnitude = BigInteger.Abs(Scaled);
        var exponent = magnitude.IsZero ? smallest : (int)(magnitude.GetBitLength() - 1) - Bits;
        var ulpPower = Math.Max(exponent - fractionBits, smallest);
        var difference = BigInteger.Abs(From(computed).Scaled - Scaled);
        var ulp = BigInteger.One << (ulpPower + Bits);
        return (double)(difference * 1024 / ulp) / 1024;
    }

    public override string ToString() => ToDouble(this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static Exact ComputeLn2()
    {
        var sum = BigInteger.Zero;
        var guard = Bits + 16;
        for (var k = 1; k <= guard; k++)
        {
            sum += (BigInteger.One << (guard - k)) / k;
        }

        return new Exact(sum >> 16);
    }
}
