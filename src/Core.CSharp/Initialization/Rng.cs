using System.Numerics;

namespace Nn.Initialization;

/// <summary>
/// An immutable pseudo-random generator (xoshiro256**, Blackman and Vigna 2018) seeded through SplitMix64.
/// Every draw returns the value and the next generator, so randomness is an explicit argument and a state can be
/// saved and restored exactly (the four state words are public).
/// </summary>
/// <param name="S0">State word 0.</param>
/// <param name="S1">State word 1.</param>
/// <param name="S2">State word 2.</param>
/// <param name="S3">State word 3.</param>
public readonly record struct Rng(ulong S0, ulong S1, ulong S2, ulong S3)
{
    /// <summary>A generator whose state is derived from <paramref name="seed"/> by SplitMix64.</summary>
    public static Rng FromSeed(ulong seed)
    {
        var x = seed;
        return new Rng(SplitMix(ref x), SplitMix(ref x), SplitMix(ref x), SplitMix(ref x));
    }

    /// <summary>A generator derived from <paramref name="seed"/> (negative seeds are allowed and distinct).</summary>
    public static Rng FromSeed(int seed) => FromSeed(unchecked((ulong)(long)seed));

    /// <summary>The next 64 random bits and the advanced generator.</summary>
    public (ulong Value, Rng Next) NextUInt64()
    {
        var result = BitOperations.RotateLeft(S1 * 5, 7) * 9;
        var t = S1 << 17;
        var s2 = S2 ^ S0;
        var s3 = S3 ^ S1;
        var s1 = S1 ^ s2;
        var s0 = S0 ^ s3;
        s2 ^= t;
        s3 = BitOperations.RotateLeft(s3, 45);
        return (result, new Rng(s0, s1, s2, s3));
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits, and the advanced generator.</summary>
    public (double Value, Rng Next) NextDouble()
    {
        var (bits, next) = NextUInt64();
        return ((bits >> 11) * (1.0 / (1UL << 53)), next);
    }

    /// <summary>A uniform integer in [0, <paramref name="exclusiveMax"/>) without modulo bias (Lemire 2019), and the advanced generator.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exclusiveMax"/> is not positive.</exception>
    public (int Value, Rng Next) NextInt(int exclusiveMax)
    {
        if (exclusiveMax <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(exclusiveMax), exclusiveMax, $"exclusiveMax must be positive but is {exclusiveMax}.");
        }

        var range = (ulong)exclusiveMax;
        var rng = this;
        while (true)
        {
            var (bits, next) = rng.NextUInt64();
            rng = next;
            var product = Math.BigMul(bits, range, out var low);
            if (low >= range || low >= (0UL - range) % range)
            {
                return ((int)product, rng);
            }
        }
    }

    /// <summary>A standard normal draw (Box–Muller), and the advanced generator.</summary>
    public (double Value, Rng Next) NextNormal()
    {
        var (u1, r1) = NextDouble();
        var (u2, r2) = r1.NextDouble();
        return (Math.Sqrt(-2.0 * Math.Log(1.0 - u1)) * Math.Cos(2.0 * Math.PI * u2), r2);
    }

    /// <summary>
    /// Two independent generators: this one advanced, and a new one seeded from its output. Use it to give
    /// initialisation and shuffling separate streams.
    /// </summary>
    public (Rng First, Rng Second) Split()
    {
        var (bits, next) = NextUInt64();
        return (next, FromSeed(bits));
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
