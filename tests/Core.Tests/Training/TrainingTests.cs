using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Training;

namespace Nn.Tests.Training;

public sealed class TrainingTests
{
    /// <summary>The Aack/Beep table of lecture 003: (Aack count, Beep count) → Happy (1) or Sad (0).</summary>
    private static readonly Matrix<double> AackBeepX = Dense.Matrix(2, 4, [3.0, 0.0, 0.0, 2.0, 1.0, 3.0, 2.0, 1.0]);
    private static readonly Matrix<double> AackBeepY = Dense.Matrix(1, 4, [1.0, 0.0, 0.0, 1.0]);
    private static readonly Matrix<double> XorX = Dense.Matrix(2, 4, [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    private static readonly Matrix<double> XorY = Dense.Matrix(1, 4, [0.0, 1.0, 1.0, 0.0]);

    private static int[] Classify(Network<double> network, Matrix<double> x) =>
        Propagation.Predict(network, x).Row(0).Select(p => p >= 0.5 ? 1 : 0).ToArray();

    [Fact]
    public void TheAackBeepTableIsLearnedToFullTrainingAccuracy()
    {
        var network = Network.Create<double>([2, 2, 1], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 3);
        var result = GradientDescent.Run(network, AackBeepX, AackBeepY, Loss.BinaryCrossEntropy, 0.5, 2000);
        Assert.Equal([1, 0, 0, 1], Classify(result.Network, AackBeepX));
        Assert.True(result.FinalLoss < result.LossHistory[0] / 10, $"loss {result.LossHistory[0]} → {result.FinalLoss}");
    }

    [Fact]
    public void XorIsSolvedByTheTwoTwoOneNetwork()
    {
        var network = Network.Create<double>([2, 2, 1], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 5);
        var result = GradientDescent.Run(network, XorX, XorY, Loss.BinaryCrossEntropy, 0.5, 20000);
        Assert.Equal([0, 1, 1, 0], Classify(result.Network, XorX));
        Assert.True(result.FinalLoss < 0.1, $"final loss {result.FinalLoss}");
    }

    [Fact]
    public void GradientDescentReturnsANewNetworkAndLeavesTheStartingOneAlone()
    {
        var network = Network.Create<double>([2, 2, 1], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 5);
        var before = network.Parameters.ToArray();
        var result = GradientDescent.Run(network, XorX, XorY, Loss.BinaryCrossEntropy, 0.5, 10);
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.NotEqual(before, result.Network.Parameters.ToArray());
        Assert.Equal(10, result.LossHistory.Length);
    }

    [Fact]
    public void GradientDescentOnLogisticRegressionDecreasesTheLossAtEveryStepForASmallStep()
    {
        var (x, rng) = Support.RandomNetworks.Uniform(3, 40, -2, 2, Rng.FromSeed(11));
        var labels = Enumerable.Range(0, 40).Select(j => (x[0, j] - (0.5 * x[1, j]) + (0.3 * x[2, j])) > 0.1 ? 1.0 : 0.0).ToArray();
        var y = Dense.Matrix(1, 40, labels);
        var network = LogisticRegression.Create<double>(3, Initializer.XavierNormal, rng);
        var result = GradientDescent.Run(network, x, y, Loss.BinaryCrossEntropy, 0.1, 300);
        var losses = result.LossHistory.Append(result.FinalLoss).ToArray();
        for (var i = 1; i < losses.Length; i++)
        {
            Assert.True(losses[i] < losses[i - 1], $"loss rose at step {i}: {losses[i - 1]} → {losses[i]}");
        }
    }

    [Fact]
    public void ZeroInitialisationKeepsHiddenUnitsIdenticalForever()
    {
        var network = Network.Create<double>([2, 3, 1], Activation.Sigmoid, Activation.Sigmoid, Initializer.Zeros, 1);
        var y = Dense.Matrix(1, 4, [1.0, 0.0, 1.0, 1.0]);
        var trained = GradientDescent.Run(network, AackBeepX, y, Loss.BinaryCrossEntropy, 0.5, 200, allowSymmetricUnits: true).Network;
        var w = trained.Layers[0].Weights;
        Assert.Contains(Dense.Data(w), v => v != 0.0); // training did move the hidden weights
        for (var unit = 1; unit < 3; unit++)
        {
            Assert.Equal(w.Row(0), w.Row(unit));
            Assert.Equal(trained.Layers[0].Bias[0], trained.Layers[0].Bias[unit]);
        }

        Assert.NotNull(trained.FindSymmetricHiddenUnits());
    }

    [Fact]
    public void TrainingAZeroInitialisedNetworkIsRefusedWithTheReason()
    {
        var network = Network.Create<double>([2, 3, 1], Activation.Tanh, Activation.Sigmoid, Initializer.Zeros, 1);
        var error = Assert.Throws<ArgumentException>(() => GradientDescent.Run(network, AackBeepX, AackBeepY, Loss.BinaryCrossEntropy, 0.5, 10));
        Assert.Contains("layer 1, units 1 and 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATooLargeLearningRateStopsWithTheIterationItDivergedAt()
    {
        var network = Network.Create<double>([2, 8, 1], Activation.Identity, Activation.Identity, Initializer.XavierNormal, 2);
        var x = AackBeepX * 100;
        var error = Assert.Throws<DivergenceException>(() => GradientDescent.Run(network, x, AackBeepY, Loss.SquaredError, 10.0, 1000));
        Assert.InRange(error.Iteration, 2, 1000);
        Assert.Contains($"iteration {error.Iteration}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANonPositiveLearningRateIsRefused()
    {
        var network = Network.Create<double>([2, 2, 1], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientDescent.Run(network, XorX, XorY, Loss.BinaryCrossEntropy, 0.0, 10));
    }
}
