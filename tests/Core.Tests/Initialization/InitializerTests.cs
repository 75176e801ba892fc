using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Tests.Initialization;

public sealed class InitializerTests
{
    private static double[] Draw(Initializer initializer, int fanIn, int fanOut, ulong seed)
    {
        var w = new double[fanIn * fanOut];
        initializer.Fill<double>(w, fanIn, fanOut, Rng.FromSeed(seed));
        return w;
    }

    [Fact]
    public void XavierNormalHasTheLectureStandardDeviation()
    {
        var w = Draw(Initializer.XavierNormal, 300, 200, 1);
        var sigma = Math.Sqrt(2.0 / 500);
        var mean = w.Average();
        var sd = Math.Sqrt(w.Sum(v => (v - mean) * (v - mean)) / (w.Length - 1));
        // 60,000 draws: the sample sd is within 1 % of σ with overwhelming probability (its relative sd is ≈ 0.3 %).
        Assert.InRange(sd / sigma, 0.99, 1.01);
        Assert.InRange(mean, -4 * sigma / Math.Sqrt(w.Length), 4 * sigma / Math.Sqrt(w.Length));
    }

    [Fact]
    public void UniformInitialisersStayInsideTheirBounds()
    {
        var xavier = Draw(Initializer.XavierUniform, 30, 20, 2);
        var r = Math.Sqrt(6.0 / 50);
        Assert.All(xavier, v => Assert.InRange(v, -r, r));
        Assert.True(xavier.Max() > 0.9 * r && xavier.Min() < -0.9 * r);
        var lecun = Draw(Initializer.LeCunUniform, 25, 20, 4);
        Assert.All(lecun, v => Assert.InRange(v, -0.2, 0.2));
        Assert.True(lecun.Max() > 0.18 && lecun.Min() < -0.18);
        var small = Draw(Initializer.SmallUniform, 30, 20, 3);
        Assert.All(small, v => Assert.InRange(v, -0.1, 0.1));
    }

    [Fact]
    public void HeScalesWithTheFanIn()
    {
        var w = Draw(Initializer.He, 800, 100, 4);
        var sd = Math.Sqrt(w.Sum(v => v * v) / w.Length);
        Assert.InRange(sd / Math.Sqrt(2.0 / 800), 0.98, 1.02);
    }

    [Fact]
    public void TheSameSeedGivesTheSameNetworkAndADifferentSeedADifferentOne()
    {
        var a = Network.Create<double>([4, 5, 3], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 9);
        var b = Network.Create<double>([4, 5, 3], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 9);
        var c = Network.Create<double>([4, 5, 3], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 10);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.NotEqual(a.Parameters.ToArray(), c.Parameters.ToArray());
    }

    [Fact]
    public void RandomIntegersCoverTheRangeEvenly()
    {
        var rng = Rng.FromSeed(5);
        var counts = new int[7];
        for (var i = 0; i < 70000; i++)
        {
            (var k, rng) = rng.NextInt(7);
            counts[k]++;
        }

        // each count is Binomial(70000, 1/7): mean 10000, sd ≈ 93
        Assert.All(counts, c => Assert.InRange(c, 9500, 10500));
    }

    [Fact]
    public void BiasesStartAtZeroAndWeightsAreNotAllZero()
    {
        var network = Network.Create<float>([3, 4, 2], Activation.Tanh, Activation.Softmax, Initializer.XavierUniform, 1);
        Assert.All(network.Layers, l => Assert.All(Dense.Data(l.Bias), b => Assert.Equal(0f, b)));
        Assert.All(network.Layers, l => Assert.Contains(Dense.Data(l.Weights), w => w != 0f));
        Assert.Null(network.FindSymmetricHiddenUnits());
    }
}
