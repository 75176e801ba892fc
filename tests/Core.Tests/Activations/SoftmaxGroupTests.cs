using System.Numerics;
using Nn.Activations;

namespace Nn.Tests.Activations;

/// <summary>
/// Softmax's forward pass takes a vector's lanes of columns at a time, one column per lane; each column must come out
/// bit for bit as when it is computed alone (the scalar code path of a lone column), in place or not, for short and long columns, on
/// random logits that include extreme values: ±the largest finite, ±∞, NaN, the smallest subnormal, and columns whose
/// logits are far apart or all equal.
/// </summary>
public sealed class SoftmaxGroupTests
{
    public static TheoryData<int> Units => [1, 2, 3, 4, 10, 17];

    [Theory]
    [MemberData(nameof(Units))]
    public void Float64ColumnsSideBySideAreTheSameBitsAsEachColumnAlone(int units) => Check<double>(units);

    [Theory]
    [MemberData(nameof(Units))]
    public void Float32ColumnsSideBySideAreTheSameBitsAsEachColumnAlone(int units) => Check<float>(units);

    private static void Check<T>(int units)
        where T : unmanaged, IFloatingPointIeee754<T>, IMinMaxValue<T>
    {
        var random = new Random(units);
        T[] extremes = [T.MaxValue, -T.MaxValue, T.PositiveInfinity, T.NegativeInfinity, T.NaN, T.Epsilon, -T.Epsilon, T.Zero, T.NegativeZero];
        for (var columns = 1; columns <= 13; columns++)
        {
            for (var trial = 0; trial < 20; trial++)
            {
                var z = new T[columns * units];
                var scale = trial % 4 switch { 0 => 1.0, 1 => 30.0, 2 => 1e3, _ => 1e30 };
                var equal = random.Next(8) == 0 ? T.CreateTruncating(random.NextDouble()) : (T?)null;
                for (var i = 0; i < z.Length; i++)
                {
                    z[i] = equal ?? (random.Next(12) == 0 ? extremes[random.Next(extremes.Length)] : T.CreateTruncating((random.NextDouble() - 0.5) * scale));
                }

                var grouped = new T[z.Length];
                Activation.Softmax.Forward<T>(z, grouped, units);
                var inPlace = z.ToArray();
                Activation.Softmax.Forward<T>(inPlace, inPlace, units);
                for (var j = 0; j < columns; j++)
                {
                    var alone = new T[units];
                    Activation.Softmax.Forward<T>(z.AsSpan(j * units, units), alone, units);
                    var expected = Bits(alone);
                    Assert.Equal(expected, Bits(grouped.AsSpan(j * units, units).ToArray()));
                    Assert.Equal(expected, Bits(inPlace.AsSpan(j * units, units).ToArray()));
                }
            }
        }
    }

    private static long[] Bits<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Array.ConvertAll(values, v => BitConverter.DoubleToInt64Bits(double.CreateTruncating(v)));
}
