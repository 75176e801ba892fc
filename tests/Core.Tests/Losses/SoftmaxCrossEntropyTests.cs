using System.Numerics;
using Nn.Losses;
using Nn.Tests.Activations;

namespace Nn.Tests.Losses;

/// <summary>
/// Softmax cross-entropy's value: a batch's <see cref="Loss.Total{T}"/> is the sum, in order, of each observation's
/// <see cref="SoftmaxCrossEntropyLoss.Value{T}"/> to the last bit (the observations go a vector's lanes at a time), and
/// a value is within a few units in the last place of the exact loss (float32: half a unit, the exact loss
/// rounded), give or take 2⁻⁵² where the loss is tiny.
/// </summary>
public sealed class SoftmaxCrossEntropyTests
{
    [Fact]
    public void Float64BatchTotalIsTheSumOfTheObservationsValues() => CheckTotals<double>();

    [Fact]
    public void Float32BatchTotalIsTheSumOfTheObservationsValues() => CheckTotals<float>();

    [Fact]
    public void Float64ValuesAreWithinFourUlpsOfTheExactLoss() => CheckAccuracy<double>(52, 4);

    [Fact]
    public void Float32ValuesAreWithinHalfAnUlpOfTheExactLoss() => CheckAccuracy<float>(23, 0.5);

    [Fact]
    public void ExtremeLogitsGiveTheLossOrNaN()
    {
        Assert.Equal(2000.0, SoftmaxCrossEntropyLoss.Value<double>([1000, -1000], [0, 1]));
        Assert.Equal(0.0, SoftmaxCrossEntropyLoss.Value<double>([1000, -1000], [1, 0]));
        Assert.Equal(double.PositiveInfinity, SoftmaxCrossEntropyLoss.Value<double>([0, double.NegativeInfinity], [0, 1]));
        Assert.Equal(Math.Log(2), SoftmaxCrossEntropyLoss.Value<double>([0, double.NegativeInfinity, 0], [1, 0, 0]), 15);
        Assert.True(double.IsNaN(SoftmaxCrossEntropyLoss.Value<double>([double.NaN, 0], [0, 1])));
        Assert.True(double.IsNaN(SoftmaxCrossEntropyLoss.Value<double>([double.PositiveInfinity, 0], [0, 1])));
        Assert.True(float.IsNaN(SoftmaxCrossEntropyLoss.Value<float>([1, 0], [float.NaN, 1])));
    }

    private static void CheckTotals<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(11);
        T[] special = [T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.CreateTruncating(1000.0), T.CreateTruncating(-1000.0)];
        foreach (var units in new[] { 1, 2, 3, 7, 10, 17, 70 })
        {
            for (var m = 1; m <= 11; m++)
            {
                var (z, y) = (new T[m * units], new T[m * units]);
                for (var j = 0; j < m; j++)
                {
                    for (var k = 0; k < units; k++)
                    {
                        z[(j * units) + k] = random.Next(40) == 0 ? special[random.Next(special.Length)] : T.CreateTruncating((random.NextDouble() - 0.5) * 40);
                    }

                    // One-hot, or soft labels that sum to 1.
                    if (random.Next(3) == 0)
                    {
                        var weights = Enumerable.Range(0, units).Select(_ => random.NextDouble()).ToArray();
                        for (var k = 0; k < units; k++)
                        {
                            y[(j * units) + k] = T.CreateTruncating(weights[k] / weights.Sum());
                        }
                    }
                    else
                    {
                        y[(j * units) + random.Next(units)] = T.One;
                    }
                }

                var expected = T.Zero;
                for (var j = 0; j < m; j++)
                {
                    expected += SoftmaxCrossEntropyLoss.Value<T>(z.AsSpan(j * units, units), y.AsSpan(j * units, units));
                }

                var total = Loss.SoftmaxCrossEntropy.Total<T>(z, z, y, units);
                Assert.True(
                    BitConverter.DoubleToInt64Bits(double.CreateTruncating(expected)) == BitConverter.DoubleToInt64Bits(double.CreateTruncating(total)),
                    $"{typeof(T).Name}, {m} observations of {units}: Σ Value = {expected}, Total = {total}");
            }
        }
    }

    private static void CheckAccuracy<T>(int fractionBits, double ulps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(5);
        for (var trial = 0; trial < 150; trial++)
        {
            var units = 2 + random.Next(9);
            var spread = trial % 3 == 0 ? 2.0 : 40.0;
            var z = Enumerable.Range(0, units).Select(_ => T.CreateTruncating((random.NextDouble() - 0.5) * spread)).ToArray();
            var label = random.Next(units);
            var y = new T[units];
            y[label] = T.One;

            // L = log Σⱼ e^(zⱼ − m) − (z_label − m), exactly.
            var exact = Array.ConvertAll(z, v => Exact.From(double.CreateTruncating(v)));
            var max = exact.Max();
            var sum = exact.Aggregate(Exact.Zero, (s, v) => s + Exact.Exp(v - max));
            var loss = Exact.Log(sum) - (exact[label] - max);

            var computed = double.CreateTruncating(SoftmaxCrossEntropyLoss.Value<T>(z, y));

            // Within the given ulps of the loss, plus 2⁻⁵²: log S is taken in double, and where the loss is tiny (S near
            // 1) that rounding, about an ulp of 1 in double, is all that is left.
            var difference = Exact.ToDouble((Exact.From(computed) - loss).Abs());
            var magnitude = Exact.ToDouble(loss);
            var ulp = magnitude > 0 ? Math.ScaleB(1.0, Math.Max(Math.ILogB(magnitude) - fractionBits, fractionBits == 52 ? -1074 : -149)) : 0;
            Assert.True(difference <= (ulps * ulp) + Math.ScaleB(1.0, -52), $"{typeof(T).Name}: z = [{string.Join(", ", z)}], label {label}: {computed:R} is {difference:R} from {loss} ({difference / ulp:F2} ulps)");
        }
    }
}
