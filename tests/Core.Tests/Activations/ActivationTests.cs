using Nn.Activations;

namespace Nn.Tests.Activations;

public sealed class ActivationTests
{
    public static TheoryData<string> ElementwiseNames => ["identity", "sigmoid", "tanh", "relu", "leaky_relu"];

    [Theory]
    [MemberData(nameof(ElementwiseNames))]
    public void EachDerivativeEqualsCentralFiniteDifferences(string name)
    {
        var g = (ElementwiseActivation)Activation.FromName(name);
        const double h = 1e-6;
        for (var z = -4.05; z <= 4.0; z += 0.1)
        {
            var numeric = (g.Apply(z + h) - g.Apply(z - h)) / (2 * h);
            var analytic = g.Derivative(z);
            Assert.True(Math.Abs(numeric - analytic) <= 1e-8, $"{name} at z = {z}: g'(z) = {analytic}, finite differences {numeric}");
        }
    }

    [Theory]
    [MemberData(nameof(ElementwiseNames))]
    public void SpanBackwardEqualsTheScalarDerivativeTimesTheUpstreamGradientEvenInPlace(string name)
    {
        var g = (ElementwiseActivation)Activation.FromName(name);
        var z = Enumerable.Range(0, 37).Select(i => (i * 0.37) - 6.1).Append(double.NaN).Append(0.0).ToArray();
        var a = new double[z.Length];
        g.Forward<double>(z, a, 1);
        var da = z.Select((_, i) => Math.Cos(i)).ToArray();
        var dz = new double[z.Length];
        g.Backward<double>(z, a, da, dz, 1);
        var inPlace = (double[])da.Clone();
        g.Backward<double>(z, a, inPlace, inPlace, 1);
        for (var i = 0; i < z.Length; i++)
        {
            var expected = da[i] * g.Derivative(z[i]);
            Assert.True(expected.Equals(dz[i]) || Math.Abs(expected - dz[i]) <= 1e-15, $"{name} at z = {z[i]}: {dz[i]} against {expected}");
            Assert.Equal(dz[i], inPlace[i]);
        }
    }

    [Fact]
    public void SigmoidAndTanhHaveTheTextbookValues()
    {
        Assert.Equal(0.5, Activation.Sigmoid is ElementwiseActivation s ? s.Apply(0.0) : double.NaN);
        var tanh = (ElementwiseActivation)Activation.Tanh;
        Assert.Equal(Math.Tanh(0.7), tanh.Apply(0.7), 1e-15);
        Assert.Equal(1 - (Math.Tanh(0.7) * Math.Tanh(0.7)), tanh.Derivative(0.7), 1e-15);
    }

    [Fact]
    public void SpanForwardMatchesTheScalarFormulaForEveryElementwiseActivation()
    {
        double[] z = [-30, -2.5, -0.1, 0, 0.3, 1, 40];
        foreach (var name in ElementwiseNames)
        {
            var g = (ElementwiseActivation)Activation.FromName(name);
            var a = new double[z.Length];
            g.Forward<double>(z, a, 1);
            for (var i = 0; i < z.Length; i++)
            {
                Assert.True(Math.Abs(a[i] - g.Apply(z[i])) <= 1e-15 * Math.Max(1, Math.Abs(a[i])), $"{name}({z[i]}): span {a[i]}, scalar {g.Apply(z[i])}");
            }
        }
    }

    [Fact]
    public void SoftmaxColumnsAreProbabilitiesAndSurviveHugeLogits()
    {
        double[] z = [1000, 1001, 999, -5, 0, 5];
        var a = new double[6];
        Activation.Softmax.Forward<double>(z, a, 3);
        Assert.Equal(1.0, a[0] + a[1] + a[2], 12);
        Assert.Equal(1.0, a[3] + a[4] + a[5], 12);
        Assert.Equal(Math.Exp(1) / (1 + Math.Exp(1) + Math.Exp(-1)), a[1], 12);
    }

    [Fact]
    public void SoftmaxBackwardEqualsTheFiniteDifferenceJacobianTimesTheUpstreamGradient()
    {
        double[] z = [0.2, -1.3, 0.7, 2.0];
        double[] da = [0.5, -0.25, 1.5, 0.1];
        var a = new double[4];
        Activation.Softmax.Forward<double>(z, a, 4);
        var dz = new double[4];
        Activation.Softmax.Backward<double>(z, a, da, dz, 4);
        const double h = 1e-6;
        for (var j = 0; j < 4; j++)
        {
            var plus = (double[])z.Clone();
            var minus = (double[])z.Clone();
            plus[j] += h;
            minus[j] -= h;
            var ap = new double[4];
            var am = new double[4];
            Activation.Softmax.Forward<double>(plus, ap, 4);
            Activation.Softmax.Forward<double>(minus, am, 4);
            var numeric = Enumerable.Range(0, 4).Sum(k => da[k] * (ap[k] - am[k]) / (2 * h));
            Assert.True(Math.Abs(numeric - dz[j]) <= 1e-9, $"dz[{j}] = {dz[j]}, finite differences {numeric}");
        }
    }

    [Fact]
    public void LeakyReluRefusesASlopeOutsideTheUnitInterval()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Activation.LeakyRelu(1.5));
        Assert.Contains("1.5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownNameIsRefusedWithTheKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => Activation.FromName("swish"));
        Assert.Contains("swish", error.Message, StringComparison.Ordinal);
        Assert.Contains("sigmoid", error.Message, StringComparison.Ordinal);
    }
}
