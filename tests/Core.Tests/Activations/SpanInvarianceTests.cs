using System.Numerics;
using Nn.Activations;
using Nn.Initialization;
using Nn.Tests.Support;

namespace Nn.Tests.Activations;

/// <summary>
/// An element's result does not depend on the span it is computed in: every sub-span of a batch — any start, any length,
/// so values land in the vector body or in the tail — gives, bit for bit, what the whole batch gives at those elements,
/// for the forward pass, the backward pass and its R-operator, in float64 and float32. Softmax is checked per whole column.
/// </summary>
public sealed class SpanInvarianceTests
{
    private const int Length = 53;

    public static TheoryData<string> Names => ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"];

    [Theory]
    [MemberData(nameof(Names))]
    public void Float64ResultsAreTheSameInEverySubSpan(string name) => Check<double>(Activation.FromName(name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Float32ResultsAreTheSameInEverySubSpan(string name) => Check<float>(Activation.FromName(name));

    private static void Check<T>(Activation g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Columns of 1 unit for elementwise activations (any start and length), of 3 units for softmax.
        var units = g is SoftmaxActivation ? 3 : 1;
        var columns = Length / units;
        var n = columns * units;
        var (z, rng) = Values<T>(n, -8, 8, Rng.FromSeed(5));
        var (da, rng2) = Values<T>(n, -1, 1, rng);
        var (rz, rng3) = Values<T>(n, -1, 1, rng2);
        var (rda, _) = Values<T>(n, -1, 1, rng3);
        var whole = Run(g, z, da, rz, rda, units);
        for (var first = 0; first < columns; first++)
        {
            for (var count = 1; first + count <= columns; count++)
            {
                var range = new Range(first * units, (first + count) * units);
                var part = Run(g, z[range], da[range], rz[range], rda[range], units);
                for (var k = 0; k < part.Length; k++)
                {
                    Assert.True(Bits(part[k][..]).SequenceEqual(Bits(whole[k][range])), $"{g} {typeof(T).Name}: output {k} of columns [{first}, {first + count}) differs from the whole span");
                }
            }
        }
    }

    /// <summary>a, dz, R{a} and R{dz} for the span.</summary>
    private static T[][] Run<T>(Activation g, T[] z, T[] da, T[] rz, T[] rda, int units)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (a, dz, ra, rdz) = (new T[z.Length], new T[z.Length], new T[z.Length], new T[z.Length]);
        g.Forward<T>(z, a, units);
        g.Backward<T>(z, a, da, dz, units);
        g.ForwardTangent<T>(z, a, rz, ra, units);
        g.BackwardTangent<T>(z, a, da, rz, ra, rda, rdz, units);
        return [a, dz, ra, rdz];
    }

    private static (T[] Values, Rng Next) Values<T>(int n, double low, double high, Rng rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, next) = RandomNetworks.Uniform(n, 1, low, high, rng);
        return ([.. Nn.LinearAlgebra.Dense.Data(m).Select(T.CreateTruncating)], next);
    }

    private static long[] Bits<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. values.Select(v => BitConverter.DoubleToInt64Bits(double.CreateTruncating(v)))];
}
