using Nn.Initialization;

namespace Nn.Training;

/// <summary>Seeded random permutations (Fisher–Yates, Knuth's Algorithm P) for shuffling observations.</summary>
public static class Permutation
{
    /// <summary>Shuffles <paramref name="order"/> in place (a buffer the caller owns) and returns the advanced generator.</summary>
    public static Rng Shuffle(Span<int> order, Rng rng)
    {
        for (var i = order.Length - 1; i > 0; i--)
        {
            (var j, rng) = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return rng;
    }
}
