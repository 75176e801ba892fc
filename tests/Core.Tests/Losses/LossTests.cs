using Nn.Activations;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;

namespace Nn.Tests.Losses;

public sealed class LossTests
{
    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void BinaryCrossEntropyFromLogitsEqualsTheTextbookFormula()
    {
        foreach (var z in new[] { -3.0, -0.4, 0.0, 0.8, 2.5 })
        {
            foreach (var y in new[] { 0.0, 0.3, 1.0 })
            {
                var a = Sigmoid(z);
                var textbook = (-y * Math.Log(a)) - ((1 - y) * Math.Log(1 - a));
                Assert.Equal(textbook, BinaryCrossEntropyLoss.Value(z, y), 12);
            }
        }
    }

    [Fact]
    public void BinaryCrossEntropyStaysFiniteForExtremeLogits()
    {
        Assert.Equal(1000.0, BinaryCrossEntropyLoss.Value(1000.0, 0.0), 9);
        Assert.Equal(0.0, BinaryCrossEntropyLoss.Value(1000.0, 1.0), 12);
        Assert.Equal(1000.0, BinaryCrossEntropyLoss.Value(-1000.0, 1.0), 9);
        Assert.True(double.IsFinite(BinaryCrossEntropyLoss.Value(-1e6f, 1f)));
    }

    [Fact]
    public void BinaryCrossEntropyDerivativeWithRespectToTheLogitIsAMinusY()
    {
        const double h = 1e-6;
        foreach (var z in new[] { -2.0, -0.3, 0.5, 1.7 })
        {
            foreach (var y in new[] { 0.0, 0.6, 1.0 })
            {
                var numeric = (BinaryCrossEntropyLoss.Value(z + h, y) - BinaryCrossEntropyLoss.Value(z - h, y)) / (2 * h);
                Assert.Equal(numeric, BinaryCrossEntropyLoss.Derivative(Sigmoid(z), y), 8);
                Assert.Equal(Sigmoid(z) - y, BinaryCrossEntropyLoss.Derivative(Sigmoid(z), y));
            }
        }
    }

    [Fact]
    public void SquaredErrorDerivativeEqualsFiniteDifferences()
    {
        const double h = 1e-6;
        foreach (var p in new[] { -1.5, 0.0, 0.25, 3.0 })
        {
            var numeric = (SquaredErrorLoss.Value(p + h, 0.7) - SquaredErrorLoss.Value(p - h, 0.7)) / (2 * h);
            Assert.Equal(numeric, SquaredErrorLoss.Derivative(p, 0.7), 8);
        }
    }

    [Fact]
    public void SoftmaxCrossEntropyGradientIsAMinusYAndMatchesFiniteDifferences()
    {
        double[] z = [0.3, -1.2, 2.2];
        double[] y = [0.0, 1.0, 0.0];
        var a = new double[3];
        Activation.Softmax.Forward<double>(z, a, 3);
        var dz = new double[3];
        Loss.SoftmaxCrossEntropy.OutputGradient<double>(Activation.Softmax, z, a, y, dz, 3);
        const double h = 1e-6;
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(a[k] - y[k], dz[k]);
            var plus = (double[])z.Clone();
            var minus = (double[])z.Clone();
            plus[k] += h;
            minus[k] -= h;
            var numeric = (SoftmaxCrossEntropyLoss.Value<double>(plus, y) - SoftmaxCrossEntropyLoss.Value<double>(minus, y)) / (2 * h);
            Assert.Equal(numeric, dz[k], 8);
        }

        Assert.Equal(-Math.Log(a[1]), SoftmaxCrossEntropyLoss.Value<double>(z, y), 12);
    }

    [Fact]
    public void SoftmaxCrossEntropyStaysFiniteForHugeLogits()
    {
        double[] z = [1000, -1000];
        double[] y = [0, 1];
        Assert.Equal(2000.0, SoftmaxCrossEntropyLoss.Value<double>(z, y), 9);
    }

    [Fact]
    public void SigmoidFollowedByBinaryCrossEntropyGivesDeltaAMinusYThroughTheNetwork()
    {
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(1, 2, [0.4, -0.7]), Dense.Vector([0.1]), Activation.Sigmoid)]);
        var x = Dense.Matrix(2, 3, [1.0, 2.0, -1.0, 0.5, 0.0, 3.0]);
        var y = Dense.Matrix(1, 3, [1.0, 0.0, 1.0]);
        var trace = Propagation.Forward(network, x);
        var result = Propagation.Backward(network, trace, y, Loss.BinaryCrossEntropy);
        // dJ/db = (1/m)·Σ (a − y) when dJ/dz = a − y (lecture 001).
        var expected = Enumerable.Range(0, 3).Sum(j => trace.Output[0, j] - y[0, j]) / 3;
        Assert.Equal(expected, result.Gradients.Layers[0].Bias[0], 15);
    }

    [Fact]
    public void LabelsABinaryCrossEntropyCannotTakeAreRefusedWithTheirPosition()
    {
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(1, 1, [1.0]), Dense.Vector([0.0]), Activation.Sigmoid)]);
        var x = Dense.Matrix(1, 2, [1.0, 2.0]);
        var trace = Propagation.Forward(network, x);
        var error = Assert.Throws<ArgumentException>(() => Propagation.Backward(network, trace, Dense.Matrix(1, 2, [0.0, 2.0]), Loss.BinaryCrossEntropy));
        Assert.Contains("Y[0, 1] is 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALossThatDoesNotFitTheOutputActivationIsRefused()
    {
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(1, 1, [1.0]), Dense.Vector([0.0]), Activation.Relu)]);
        var x = Dense.Matrix(1, 1, [1.0]);
        var trace = Propagation.Forward(network, x);
        var error = Assert.Throws<ArgumentException>(() => Propagation.Backward(network, trace, Dense.Matrix(1, 1, [1.0]), Loss.BinaryCrossEntropy));
        Assert.Contains("relu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrossEntropyTargetsThatAreNotDistributionsAreRefused()
    {
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(2, 1, [1.0, 2.0]), Dense.Vector([0.0, 0.0]), Activation.Softmax)]);
        var trace = Propagation.Forward(network, Dense.Matrix(1, 1, [1.0]));
        var error = Assert.Throws<ArgumentException>(() => Propagation.Backward(network, trace, Dense.Matrix(2, 1, [0.5, 0.2]), Loss.SoftmaxCrossEntropy));
        Assert.Contains("column 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassLabelsOutOfRangeAreRefusedWithTheIndexAndTheClassCount()
    {
        var error = Assert.Throws<ArgumentException>(() => Targets.OneHot<double>([0, 3, 1], 3));
        Assert.Contains("labels[1] is 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 classes", error.Message, StringComparison.Ordinal);
    }
}
