using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.Models;
using Nn.Pipeline;
using Nn.Training;

namespace Nn.CSharp.Tests;

/// <summary>Class and sample weights, L2, dropout, weight decay, clipping and schedules from C#.</summary>
public sealed class RegularisationFacadeTests
{
    private static Network<double> IrisNetwork() =>
        Network.Create<double>([4, 8, 3], Activation.Tanh, Activation.Softmax, Initializer.XavierNormal, seed: 3);

    private static long[] Bits(TrainingResult<double> run) =>
        Array.ConvertAll(run.Network.Parameters.ToArray(), BitConverter.DoubleToInt64Bits);

    private static Dataset<double> Iris()
    {
        var iris = Datasets.Iris();
        return iris.Standardize(Standardization.Fit(iris.Features));
    }

    [Fact]
    public void EveryOptionIsReachableFromCSharpAndARunRepeatsBitForBit()
    {
        var data = Iris();
        var labels = data.Labels();
        TrainingOptions Options() => new()
        {
            Epochs = 5,
            BatchSize = 16,
            L2 = 1e-3,
            Dropout = [0.3],
            BalancedClassWeights = true,
            SampleWeights = [.. labels.Select((_, i) => 1.0 + (i % 3))],
            Optimizer = GradientTransformations.Chain(
                GradientTransformations.ClipByGlobalNorm(1.0),
                GradientTransformations.ScaleByAdam(),
                GradientTransformations.WeightDecay(1e-4),
                GradientTransformations.ScaleByLearningRate(LearningRates.Warmup(5, LearningRates.Cosine(1e-2, 40)))),
        };

        var first = Trainer.Fit(IrisNetwork(), data, Options());
        var again = Trainer.Fit(IrisNetwork(), data, Options());
        var plain = Trainer.Fit(IrisNetwork(), data, new TrainingOptions { Epochs = 5, BatchSize = 16, Optimizer = Options().Optimizer });
        Assert.Equal(Bits(first), Bits(again));
        Assert.NotEqual(Bits(plain), Bits(first));
        Assert.Equal([0.3, 0.0], first.Network.DropoutRates.ToArray());
        Assert.Equal(0.01 / 5, first.Steps[0].LearningRate);
    }

    [Fact]
    public void ClassWeightsAreSampleWeightsOfEachSamplesClass()
    {
        var data = Iris();
        var labels = data.Labels();
        double[] perClass = [1.0, 2.5, 0.5];
        var byClass = Trainer.Fit(IrisNetwork(), data, new TrainingOptions { Epochs = 3, ClassWeights = perClass });
        var bySample = Trainer.Fit(IrisNetwork(), data, new TrainingOptions { Epochs = 3, SampleWeights = [.. labels.Select(l => perClass[l])] });
        var unweighted = Trainer.Fit(IrisNetwork(), data, new TrainingOptions { Epochs = 3 });
        Assert.Equal(Bits(bySample), Bits(byClass));
        Assert.NotEqual(Bits(unweighted), Bits(byClass));

        // Balanced weights on iris's three classes of 50 are all 1: the unweighted run.
        var balanced = Trainer.Fit(IrisNetwork(), data, new TrainingOptions { Epochs = 3, BalancedClassWeights = true });
        Assert.Equal(Bits(unweighted), Bits(balanced));
    }

    [Fact]
    public void TheL2PenaltyShrinksTheWeightsAndIsSeenByNewton()
    {
        var data = Iris();
        var network = Network.Create<double>([4, 3], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, seed: 1);
        TrainingResult<double> Fit(double l2) =>
            Trainer.Fit(network, data, new TrainingOptions { Epochs = 15, BatchSize = int.MaxValue, L2 = l2, Optimizer = GradientTransformations.DampedNewton() });
        var free = Fit(0.0);
        var penalised = Fit(0.1);
        double Norm(TrainingResult<double> run) => run.Network.Layers[0].Weights.FrobeniusNorm();
        Assert.True(Norm(penalised) < 0.5 * Norm(free), $"{Norm(penalised)} vs {Norm(free)}");
    }

    [Fact]
    public void ContradictoryOrMisshapenWeightsAreRefused()
    {
        var data = Iris();
        Assert.Throws<ArgumentException>(() => Trainer.Fit(IrisNetwork(), data, new TrainingOptions { ClassWeights = [1.0, 1.0, 1.0], BalancedClassWeights = true }));
        Assert.Contains("2 class weights were given for 3 classes", Assert.Throws<ArgumentException>(() => Trainer.Fit(IrisNetwork(), data, new TrainingOptions { ClassWeights = [1.0, 1.0] })).Message, StringComparison.Ordinal);
        Assert.Contains("2 dropout rates were given for 1 hidden layers", Assert.Throws<ArgumentException>(() => Trainer.Fit(IrisNetwork(), data, new TrainingOptions { Dropout = [0.1, 0.2] })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Trainer.Fit(IrisNetwork(), data, new TrainingOptions { SampleWeights = [1.0] }));
    }
}
