using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Tests.Support;

namespace Nn.Tests.Layers;

/// <summary>Sizes are checked before anything is allocated, and the per-unit checks are linear.</summary>
public sealed class NetworkSizeTests
{
    [Fact]
    public void ALayerLargerThanAnArrayIsRefusedBeforeAnythingIsAllocated()
    {
        // 70,000 × 70,000 = 4.9 × 10⁹ weights: the int product wraps to a positive 605,032,704, which used to be
        // allocated (4.8 GB) before anything noticed.
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<ArgumentException>(() =>
            Network.Create<double>(4, [(70_000, Activation.Relu), (70_000, Activation.Relu), (2, Activation.Softmax)], Initializer.He, Rng.FromSeed(1)));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the check allocated the weights first");
        Assert.StartsWith("Layer 2 would have 70,000×70,000 = 4,900,000,000 weights, more than one array holds (2,147,483,591).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AProductThatOverflowsAnIntIsRefusedNotThrownAsOverflow()
    {
        // 200,000,000 units × 4 inputs overflowed units * fanIn with an OverflowException from the runtime.
        var error = Assert.Throws<ArgumentException>(() =>
            Network.Create<double>(40_000, [(200_000_000, Activation.Relu), (1, Activation.Sigmoid)], Initializer.He, Rng.FromSeed(1)));

        Assert.StartsWith("Layer 1 would have 200,000,000×40,000 = 8,000,000,000,000 weights", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANetworkWithMoreParametersThanAnIntCountsIsRefused()
    {
        // Each layer fits in an array (1.6 × 10⁹ weights) but together they exceed 2³¹ − 1 parameters.
        var error = Assert.Throws<ArgumentException>(() =>
            Network.Create<double>(40_000, [(40_000, Activation.Relu), (40_000, Activation.Relu), (1, Activation.Sigmoid)], Initializer.He, Rng.FromSeed(1)));

        Assert.StartsWith("The network would have 3,200,120,001 parameters; at most 2,147,483,647 are supported.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CountParametersIsExactBeyondTheIntRange()
    {
        Assert.Equal(9L, Network.CountParameters(2, [2, 1]));
        Assert.Equal((70_000L * 4) + 70_000 + (70_000L * 70_000) + 70_000, Network.CountParameters(4, [70_000, 70_000]));
        Assert.Throws<ArgumentException>(() => Network.CountParameters(4, [3, 0]));
    }

    [Fact]
    public void SymmetricUnitsAreFoundInALayerOfThreeHundredThousandUnits()
    {
        // All pairs would be 4.5 × 10¹⁰ row comparisons (minutes); hashing is one pass over the weights.
        const int Units = 300_000;
        var weights = new double[Units * 2];
        var rng = new Random(5);
        for (var k = 0; k < weights.Length; k++)
        {
            weights[k] = rng.NextDouble();
        }

        var hidden = new DenseLayer<double>(Dense.Matrix(Units, 2, weights), Dense.Vector(new double[Units]), Activation.Tanh);
        var output = new DenseLayer<double>(Dense.Matrix(1, Units, new double[Units]), Dense.Vector([0.0]), Activation.Sigmoid);
        Assert.Null(new Network<double>([hidden, output]).FindSymmetricHiddenUnits());

        // Make unit 299,999 a copy of unit 7 (row 7 of the column-major weights), with −0 against 0 in the bias.
        var copy = (double[])weights.Clone();
        copy[Units - 2] = copy[7];
        copy[Units + Units - 2] = copy[Units + 7];
        var bias = new double[Units];
        bias[7] = -0.0;
        var twin = hidden with { Weights = Dense.Matrix(Units, 2, copy), Bias = Dense.Vector(bias) };

        Assert.Equal("layer 1, units 8 and 299999", new Network<double>([twin, output]).FindSymmetricHiddenUnits());
    }

    [Fact]
    public void AMillionClassNamesAreCheckedForRepeatsInLinearTime()
    {
        const int Classes = 1_000_000;
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(Classes, 1, new double[Classes]), Dense.Vector(new double[Classes]), Activation.Softmax)]);
        var names = Enumerable.Range(0, Classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        Assert.Equal(Classes, new Model(network, Loss.SoftmaxCrossEntropy, SampleModels.Metadata(), classNames: names).ClassNames.Length);

        names[^1] = "12345";
        var error = Assert.Throws<ArgumentException>(() => new Model(network, Loss.SoftmaxCrossEntropy, SampleModels.Metadata(), classNames: names));
        Assert.StartsWith("The class name '12345' is given twice.", error.Message, StringComparison.Ordinal);
    }
}
