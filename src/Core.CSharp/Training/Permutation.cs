using Nn.Initialization;

namespace Nn.Training;

/// <summary>Seeded random permutations (Fisher–Yates, Knuth's Algorithm P) for shuffling observations.</summary>
public static class Permutation
{
    /// <summary>A uniformly random permutation of 0 … n−1 and the advanced generator.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    public static (int[] Order, Rng Next) Create(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        return (order, Shuffle(order, rng));
    }

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
