using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Nn.Activations;
using Nn.Initialization;
using Nn.Interop;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Serialization;
using Nn.Tests.Support;
using Nn.Training;

namespace Nn.Tests.Layers;

public sealed class DropoutTests
{
    /// <summary>The problem's network with a dropout rate on every hidden layer, drawn from its seed in [0.1, 0.6].</summary>
    private static Network<double> WithRates(Problem problem)
    {
        var rng = Rng.FromSeed(problem.Shape.Seed);
        var rates = new double[problem.Network.Layers.Length - 1];
        for (var i = 0; i < rates.Length; i++)
        {
            (var u, rng) = rng.NextDouble();
            rates[i] = 0.1 + (0.5 * u);
        }

        return problem.Network.WithDropout(rates);
    }

    /// <summary>The smallest |z| over the ReLU-family pre-activations of a training pass.</summary>
    private static double TrainingDistanceToKink(Network<double> network, MathNet.Numerics.LinearAlgebra.Matrix<double> x, RandomKey key)
    {
        var trace = Propagation.Forward(network, x, key);
        var distance = double.PositiveInfinity;
        for (var l = 0; l < network.Layers.Length; l++)
        {
            if (network.Layers[l].Activation is ReluActivation or LeakyReluActivation)
            {
                distance = Math.Min(distance, Dense.Data(trace.PreActivations[l]).Min(Math.Abs));
            }
        }

        return distance;
    }

    [Property(Replay = Seeds.Replay, MaxTest = 100)]
    public Property BackpropInTrainingModeEqualsFiniteDifferencesWithTheMasksFixed()
    {
        return Prop.ForAll(RandomNetworks.Problems(), problem =>
        {
            var network = WithRates(problem);
            var key = RandomKey.FromSeed(problem.Shape.Seed);
            return Prop.When(TrainingDistanceToKink(network, problem.X, key) > 0.05, () =>
            {
                var report = GradientCheck.RunTraining(network, problem.X, problem.Y, problem.Loss, key);
                return report.WorstRelativeError <= 1e-6;
            }).Label(problem.Description);
        });
    }

    [Fact]
    public void TheTrainingModeGradientDiffersFromTheInferenceGradientSoTheCheckSeesTheMasks()
    {
        var problem = RandomNetworks.Build(4, [6, 5, 2], [Activation.Tanh, Activation.Sigmoid, Activation.Identity], Loss.SquaredError, 5, 3);
        var network = problem.Network.WithDropout([0.5, 0.5]);
        var key = RandomKey.FromSeed(42);
        var (_, training) = Propagation.TrainingCostAndGradients(network, problem.X, problem.Y, problem.Loss, key);
        var (_, inference) = Propagation.CostAndGradients(network, problem.X, problem.Y, problem.Loss);
        Assert.True(RandomNetworks.MaxAbsDifference(training.ToArray(), inference.ToArray()) > 1e-3);
        Assert.True(GradientCheck.RunTraining(network, problem.X, problem.Y, problem.Loss, key).WorstRelativeError <= 1e-7);

        // The inference gradient is not the derivative of the training-mode cost: the check can fail.
        var other = GradientCheck.RunTraining(network, problem.X, problem.Y, problem.Loss, RandomKey.FromSeed(43));
        Assert.True(other.WorstRelativeError <= 1e-7);
        var (_, otherGradient) = Propagation.TrainingCostAndGradients(network, problem.X, problem.Y, problem.Loss, RandomKey.FromSeed(43));
        Assert.True(RandomNetworks.MaxAbsDifference(training.ToArray(), otherGradient.ToArray()) > 1e-3);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void TheMaskKeepsOneMinusPOfTheValuesScaledBy1Over1MinusPSoTheMeanActivationIsKept(double rate)
    {
        const int n = 400_000;
        var a = new double[n];
        Array.Fill(a, 1.0);
        var dropped = new double[n];
        Dropout.Forward<double>(a, dropped, rate, RandomKey.FromSeed(5));

        var scale = 1.0 / (1.0 - rate);
        Assert.All(dropped, v => Assert.True(v == 0.0 || v == scale, $"{v} is neither 0 nor {scale}"));
        var kept = dropped.Count(v => v != 0.0) / (double)n;
        var mean = dropped.Average();

        // Binomial counts: four standard deviations of the kept fraction and of the mean.
        var sdKept = Math.Sqrt(rate * (1 - rate) / n);
        Assert.InRange(kept, 1 - rate - (4 * sdKept), 1 - rate + (4 * sdKept));
        Assert.InRange(mean, 1 - (4 * sdKept * scale), 1 + (4 * sdKept * scale));
    }

    [Fact]
    public void TheExpectedTrainingOutputOfALayerIsItsInferenceOutput()
    {
        // One observation of a 3-20-1 network, averaged over 20,000 keys: E[ã] = a, so the next layer's z matches.
        var problem = RandomNetworks.Build(3, [20, 1], [Activation.Tanh, Activation.Identity], Loss.SquaredError, 1, 9);
        var network = problem.Network.WithDropout([0.4]);
        var inference = Propagation.Forward(network, problem.X).Output[0, 0];
        const int keys = 20_000;
        var sum = 0.0;
        var squares = 0.0;
        for (var k = 0; k < keys; k++)
        {
            var z = Propagation.Forward(network, problem.X, RandomKey.FromSeed(k)).Output[0, 0];
            sum += z;
            squares += z * z;
        }

        var mean = sum / keys;
        var sd = Math.Sqrt((squares / keys) - (mean * mean));
        Assert.InRange(mean, inference - (4 * sd / Math.Sqrt(keys)), inference + (4 * sd / Math.Sqrt(keys)));
    }

    [Fact]
    public void BackwardAppliesTheSameMaskAsForward()
    {
        var upstream = Enumerable.Range(1, 1000).Select(i => (double)i).ToArray();
        var forward = new double[upstream.Length];
        var backward = new double[upstream.Length];
        var key = RandomKey.FromSeed(3);
        Dropout.Forward<double>(upstream, forward, 0.3, key);
        Dropout.Backward<double>(upstream, backward, 0.3, key);
        Assert.Equal(forward, backward);
        Assert.Contains(0.0, forward);
    }

    [Fact]
    public void TheSameKeyGivesTheSameBitsAndAnotherKeyOtherMasks()
    {
        var problem = RandomNetworks.Build(5, [16, 16, 3], [Activation.Relu, Activation.Tanh, Activation.Softmax], Loss.SoftmaxCrossEntropy, 8, 1);
        var network = problem.Network.WithDropout([0.5, 0.25]);
        var first = Propagation.TrainingCostAndGradients(network, problem.X, problem.Y, problem.Loss, RandomKey.FromSeed(7));
        var again = Propagation.TrainingCostAndGradients(network, problem.X, problem.Y, problem.Loss, RandomKey.FromSeed(7));
        var other = Propagation.TrainingCostAndGradients(network, problem.X, problem.Y, problem.Loss, RandomKey.FromSeed(8));
        Assert.Equal(BitConverter.DoubleToInt64Bits(first.Cost), BitConverter.DoubleToInt64Bits(again.Cost));
        Assert.Equal(SampleModels.Bits(first.Gradients), SampleModels.Bits(again.Gradients));
        Assert.NotEqual(SampleModels.Bits(first.Gradients), SampleModels.Bits(other.Gradients));
    }

    [Fact]
    public void InferenceIgnoresTheRatesAndATrainingPassWithoutRatesIsTheInferencePass()
    {
        var problem = RandomNetworks.Build(4, [8, 2], [Activation.Relu, Activation.Softmax], Loss.SoftmaxCrossEntropy, 6, 2);
        var withDropout = problem.Network.WithDropout([0.5]);
        Assert.Equal(SampleModels.Bits(Propagation.Predict(problem.Network, problem.X)), SampleModels.Bits(Propagation.Predict(withDropout, problem.X)));
        Assert.Equal(SampleModels.Bits(Propagation.Forward(problem.Network, problem.X).Output), SampleModels.Bits(Propagation.Forward(withDropout, problem.X).Output));
        var training = Propagation.TrainingCostAndGradients(problem.Network, problem.X, problem.Y, problem.Loss, RandomKey.FromSeed(1));
        var inference = Propagation.CostAndGradients(problem.Network, problem.X, problem.Y, problem.Loss);
        Assert.Equal(SampleModels.Bits(inference.Gradients), SampleModels.Bits(training.Gradients));
    }

    [Fact]
    public void RatesAreCheckedAndTheOutputLayerTakesNone()
    {
        var problem = RandomNetworks.Build(4, [8, 2], [Activation.Relu, Activation.Softmax], Loss.SoftmaxCrossEntropy, 6, 2);
        Assert.Contains("2 dropout rates were given for 1 hidden layers", Assert.Throws<ArgumentException>(() => problem.Network.WithDropout([0.1, 0.1])).Message, StringComparison.Ordinal);
        Assert.Contains("rates[0] is 1", Assert.Throws<ArgumentException>(() => problem.Network.WithDropout([1.0])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.Network.Layers[0] with { Dropout = double.NaN });
        var output = problem.Network.Layers[1] with { Dropout = 0.5 };
        var message = Assert.Throws<ArgumentException>(() => new Network<double>([problem.Network.Layers[0], output])).Message;
        Assert.Contains("Layer 2 is the output layer", message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheModelFileRecordsTheRatesAndOnnxExportIsUnchanged()
    {
        var problem = RandomNetworks.Build(3, [6, 5, 3], [Activation.Relu, Activation.Tanh, Activation.Softmax], Loss.SoftmaxCrossEntropy, 4, 4);
        var plain = new Model(problem.Network, Loss.SoftmaxCrossEntropy, SampleModels.Metadata(), null, null);
        var dropped = new Model(problem.Network.WithDropout([0.5, 0.2]), Loss.SoftmaxCrossEntropy, SampleModels.Metadata(), null, null);

        var json = ModelFile.ToJson(dropped);
        Assert.Contains("\"dropout\": 0.5", json, StringComparison.Ordinal);
        Assert.Contains("\"dropout\": 0.2", json, StringComparison.Ordinal);
        Assert.DoesNotContain("dropout", ModelFile.ToJson(plain), StringComparison.Ordinal);
        var loaded = ModelFile.FromJson(json, "dropout.json");
        Assert.Equal([0.5, 0.2, 0.0], loaded.Network.DropoutRates.ToArray());
        Assert.Equal(json, ModelFile.ToJson(loaded));

        Assert.Equal(OnnxExport.ToBytes(plain), OnnxExport.ToBytes(dropped));
        Assert.Equal(OnnxExport.ToBytes(plain, OnnxPrecision.Float32), OnnxExport.ToBytes(dropped, OnnxPrecision.Float32));
    }

    [Fact]
    public void AModelFileWithABadRateIsRefusedNamingThePlace()
    {
        var problem = RandomNetworks.Build(3, [6, 3], [Activation.Relu, Activation.Softmax], Loss.SoftmaxCrossEntropy, 4, 4);
        var model = new Model(problem.Network.WithDropout([0.5]), Loss.SoftmaxCrossEntropy, SampleModels.Metadata(), null, null);
        var json = ModelFile.ToJson(model);
        var tooLarge = Assert.Throws<ModelFormatException>(() => ModelFile.FromJson(json.Replace("\"dropout\": 0.5", "\"dropout\": 1.5", StringComparison.Ordinal), "m.json"));
        Assert.Contains("architecture.layers[0].dropout is 1.5", tooLarge.Message, StringComparison.Ordinal);
        var onOutput = json.Replace("\"activation\": \"softmax\",", "\"activation\": \"softmax\",\n\"dropout\": 0.3,", StringComparison.Ordinal);
        Assert.Contains("output layer", Assert.Throws<ModelFormatException>(() => ModelFile.FromJson(onOutput, "m.json")).Message, StringComparison.Ordinal);
    }
}
