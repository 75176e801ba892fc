using Nn.Optimization;

namespace Nn.Tests.Optimization;

/// <summary>
/// Adam's moments over a buffer long enough to be split over the cores give, element by element, the bits of the
/// same rule applied to that element alone (the scalar path, never split).
/// </summary>
public sealed class UpdateRuleSplitTests
{
    private const int Length = 101_770;

    private static T[] Random<T>(int seed, double scale)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Length).Select(_ => T.CreateTruncating((random.NextDouble() - 0.5) * scale))];
    }

    private static void AdamMatchesElementByElement<T>()
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var g = Random<T>(1, 2.0);
        var m = Random<T>(2, 0.2);
        var v = Random<T>(3, 0.01).Select(T.Abs).ToArray();
        var (mOut, vOut, u) = (new T[Length], new T[Length], new T[Length]);
        UpdateRules.Adam<T>(g, m, v, 0.9, 0.999, 1e-8, 7, mOut, vOut, u);

        var (m1, v1, u1) = (new T[1], new T[1], new T[1]);
        for (var i = 0; i < Length; i++)
        {
            UpdateRules.Adam<T>(g.AsSpan(i, 1), m.AsSpan(i, 1), v.AsSpan(i, 1), 0.9, 0.999, 1e-8, 7, m1, v1, u1);
            Assert.True(mOut[i] == m1[0] && vOut[i] == v1[0] && u[i] == u1[0], $"element {i}: ({mOut[i]}, {vOut[i]}, {u[i]}) split, ({m1[0]}, {v1[0]}, {u1[0]}) alone");
        }

        // In place, as the training step calls it: the outputs over the inputs.
        UpdateRules.Adam<T>(g, m, v, 0.9, 0.999, 1e-8, 7, m, v, g);
        Assert.Equal(mOut, m);
        Assert.Equal(vOut, v);
        Assert.Equal(u, g);
    }

    [Fact]
    public void AdamFloat32SplitEqualsEachElementAlone() => AdamMatchesElementByElement<float>();

    [Fact]
    public void AdamFloat64SplitEqualsEachElementAlone() => AdamMatchesElementByElement<double>();
}
