using Nn.Activations;

namespace Nn.Tests.Activations;

public sealed class SecondDerivativeTests
{
    public static TheoryData<string> ElementwiseNames => ["identity", "sigmoid", "tanh", "relu", "leaky_relu"];

    [Theory]
    [MemberData(nameof(ElementwiseNames))]
    public void EachSecondDerivativeEqualsCentralFiniteDifferencesOfTheFirst(string name)
    {
        var g = (ElementwiseActivation)Activation.FromName(name);
        const double h = 1e-5;
        double First(double z) => g.Derivative(z);
        for (var z = -4.05; z <= 4.0; z += 0.1)
        {
            var numeric = (First(z + h) - First(z - h)) / (2 * h);
            var analytic = g.SecondDerivative(z);
            Assert.True(Math.Abs(numeric - analytic) <= 1e-8, $"{name} at z = {z}: g''(z) = {analytic}, finite differences {numeric}");
        }
    }

    [Fact]
    public void SigmoidAndTanhSecondDerivativesHaveTheTextbookValues()
    {
        var sigmoid = (ElementwiseActivation)Activation.Sigmoid;
        var tanh = (ElementwiseActivation)Activation.Tanh;
        Assert.Equal(0.0, sigmoid.SecondDerivative(0.0));
        var s = 1 / (1 + Math.Exp(-1.3));
        Assert.Equal(s * (1 - s) * (1 - (2 * s)), sigmoid.SecondDerivative(1.3), 15);
        var t = Math.Tanh(-0.6);
        Assert.Equal(-2 * t * (1 - (t * t)), tanh.SecondDerivative(-0.6), 15);
    }

    [Theory]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("softmax")]
    [InlineData("leaky_relu")]
    public void BackwardTangentEqualsTheDirectionalDerivativeOfBackward(string name)
    {
        // R{dz} = d/dt Backward(z + t·rz, g(z + t·rz), da + t·rda) at t = 0, by the fourth-order central stencil.
        var g = Activation.FromName(name);
        const int units = 3;
        double[] z = [0.4, -1.2, 2.0, -0.3, 0.9, 0.1];
        double[] da = [0.5, -0.7, 0.2, 1.1, -0.4, 0.3];
        double[] rz = [-0.8, 0.3, 0.6, 0.2, -1.0, 0.7];
        double[] rda = [0.1, 0.9, -0.5, -0.6, 0.4, 0.2];
        double[] Dz(double t)
        {
            var zt = z.Zip(rz, (p, q) => p + (t * q)).ToArray();
            var at = new double[zt.Length];
            g.Forward<double>(zt, at, units);
            var dat = da.Zip(rda, (p, q) => p + (t * q)).ToArray();
            var dz = new double[zt.Length];
            g.Backward<double>(zt, at, dat, dz, units);
            return dz;
        }

        var a = new double[z.Length];
        g.Forward<double>(z, a, units);
        var ra = new double[z.Length];
        g.ForwardTangent<double>(z, a, rz, ra, units);
        var rdz = new double[z.Length];
        g.BackwardTangent<double>(z, a, da, rz, ra, rda, rdz, units);
        const double h = 1e-3;
        var (p1, m1, p2, m2) = (Dz(h), Dz(-h), Dz(2 * h), Dz(-2 * h));
        for (var i = 0; i < z.Length; i++)
        {
            var numeric = ((8 * (p1[i] - m1[i])) - (p2[i] - m2[i])) / (12 * h);
            Assert.True(Math.Abs(numeric - rdz[i]) <= 1e-10, $"{name} entry {i}: R{{dz}} = {rdz[i]}, finite differences {numeric}");
        }
    }

    [Fact]
    public void SoftmaxForwardTangentEqualsTheDirectionalDerivativeOfSoftmax()
    {
        double[] z = [0.4, -1.2, 2.0, -0.3];
        double[] rz = [-0.8, 0.3, 0.6, 0.2];
        double[] A(double t)
        {
            var a = new double[4];
            Activation.Softmax.Forward<double>(z.Zip(rz, (p, q) => p + (t * q)).ToArray(), a, 4);
            return a;
        }

        var ra = new double[4];
        Activation.Softmax.ForwardTangent<double>(z, A(0), rz, ra, 4);
        const double h = 1e-3;
        for (var i = 0; i < 4; i++)
        {
            var numeric = ((8 * (A(h)[i] - A(-h)[i])) - (A(2 * h)[i] - A(-2 * h)[i])) / (12 * h);
            Assert.True(Math.Abs(numeric - ra[i]) <= 1e-11, $"entry {i}: R{{a}} = {ra[i]}, finite differences {numeric}");
        }
    }
}
