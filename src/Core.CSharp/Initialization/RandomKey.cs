namespace Nn.Initialization;

/// <summary>
/// A counter-based random key, in the style of JAX's PRNG keys as equinox passes them: a key is a value, every
/// random bit it gives is a pure function of the key and an index, and independent keys for sub-tasks come from
/// <see cref="Fold"/>. Nothing advances, so a key can be handed to a pure function (dropout's forward and backward
/// read the same mask from it) and recomputed exactly from the seed and the counters that made it.
/// </summary>
/// <remarks>
/// <see cref="Bits"/> is SplitMix64 (Steele, Lea and Flood 2014) evaluated at position <c>index</c> of the stream
/// whose state starts at <see cref="Value"/>: the golden-ratio increment times (index + 1), then the mix. Folding
/// mixes the data into a new state the same way, so keys folded with different data give unrelated streams.
/// </remarks>
/// <param name="Value">The key's 64-bit state.</param>
public readonly record struct RandomKey(ulong Value)
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The key of a seed (negative seeds are allowed and distinct).</summary>
    public static RandomKey FromSeed(int seed) => new(Mix(unchecked((ulong)(long)seed) ^ 0x6A09E667F3BCC909UL));

    /// <summary>A new key for the sub-task <paramref name="data"/> (a step number, a layer index, …).</summary>
    public RandomKey Fold(ulong data) => new(Mix(Value ^ Mix(unchecked(data + Golden))));

    /// <summary>64 random bits at position <paramref name="index"/> of this key's stream.</summary>
    public ulong Bits(ulong index) => Mix(unchecked(Value + ((index + 1) * Golden)));

    /// <summary>A uniform double in [0, 1) with 53 random bits, at position <paramref name="index"/>.</summary>
    public double Uniform(ulong index) => (Bits(index) >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
