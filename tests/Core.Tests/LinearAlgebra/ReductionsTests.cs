using System.Numerics;
using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>
/// A long sum is the sum of its 4,096-element chunks added in order — the property that lets the parameter update sum
/// the gradient's squares chunk by chunk on different cores — and its bits depend on the values alone.
/// </summary>
public sealed class ReductionsTests
{
    [Theory]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(10_000)]
    [InlineData(100_352)]
    public void ALongFloatSumIsItsChunksSumsAddedInOrder(int length) => ChunksAddUp<float>(length);

    [Theory]
    [InlineData(8191)]
    [InlineData(12_288)]
    public void ALongDoubleSumIsItsChunksSumsAddedInOrder(int length) => ChunksAddUp<double>(length);

    [Fact]
    public void TheSameValuesAtAnotherPlaceInMemoryGiveTheSameBits()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 9000).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var expected = Reductions.SumOfSquares<float>(values);
        for (var shift = 1; shift < 17; shift++)
        {
            var moved = new float[values.Length + shift];
            values.CopyTo(moved, shift);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(Reductions.SumOfSquares<float>(moved.AsSpan(shift))));
        }
    }

    [Fact]
    public void SpansOfDifferentLengthsAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Reductions.Dot<double>(new double[5000], new double[5001]));
        Assert.Contains("5000 and 5001", error.Message, StringComparison.Ordinal);
    }

    private static void ChunksAddUp<T>(int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => T.CreateTruncating(random.NextDouble() - 0.5)).ToArray();
        var y = Enumerable.Range(0, length).Select(_ => T.CreateTruncating(random.NextDouble() * 3)).ToArray();
        var expected = T.Zero;
        for (var start = 0; start < length; start += 4096)
        {
            var size = Math.Min(4096, length - start);
            var chunk = Reductions.Dot<T>(x.AsSpan(start, size), y.AsSpan(start, size));
            expected = start == 0 ? chunk : expected + chunk;
        }

        Assert.Equal(expected, Reductions.Dot<T>(x, y));

        // And it is the sum: within the rounding of a product and ≈ 110 additions per term (64 per lane, the lanes, the
        // chunks) of the float64 sum, relative to Σ |xᵢ·yᵢ|.
        double exact = 0, magnitude = 0;
        for (var i = 0; i < length; i++)
        {
            var term = double.CreateTruncating(x[i]) * double.CreateTruncating(y[i]);
            exact += term;
            magnitude += Math.Abs(term);
        }

        var unit = typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16;
        var bound = 120 * unit * magnitude;
        Assert.True(Math.Abs(double.CreateTruncating(expected) - exact) <= bound, $"{expected} against {exact} (bound {bound:E2})");
    }
}
