using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.Losses;
using Nn.Pipeline;
using Nn.Training;

namespace Nn.CSharp.Tests;

public sealed class OptimizerInteropTests
{
    /// <summary>The C# training loop: minibatches from a seeded generator, gradients by backprop, θ ← θ + u.</summary>
    private static Network<double> Train(Network<double> network, Dataset<double> train, GradientTransformation optimizer, int epochs, int seed)
    {
        var x = train.Features;
        var y = Nn.Pipeline.Data.targetMatrix<double, double>(network.Outputs, train);
        var parameters = network.Parameters;
        var state = optimizer.Init(parameters);
        var rng = Rng.FromSeed(seed);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var (batches, next) = Batching.minibatches(32, rng, x, y);
            rng = next;
            foreach (var batch in batches)
            {
                var (_, gradients) = Propagation.CostAndGradients(network.WithParameters(parameters), batch.Inputs, batch.Targets, Loss.SoftmaxCrossEntropy);
                (var updates, state) = optimizer.Update(gradients, state, parameters);
                parameters = parameters.Add(updates);
            }
        }

        return network.WithParameters(parameters);
    }

    [Fact]
    public void AdamFromCSharpTrainsIrisToAtLeast093TestAccuracy()
    {
        var (train, test) = Batching.trainTest(0.25, true, Rng.FromSeed(0), Nn.Pipeline.Data.iris());
        var standardizer = StandardizerModule.fit(train);
        var network = Network.Create<double>([4, 16, 3], Activation.Relu, Activation.Softmax, Initializer.He, seed: 0);

        var trained = Train(network, StandardizerModule.apply(standardizer, train), GradientTransformations.Adam(1e-2), epochs: 300, seed: 0);

        var testSet = StandardizerModule.apply(standardizer, test);
        var predicted = Nn.Pipeline.Training.predictClasses(trained, testSet.Features);
        var labels = ((Nn.Pipeline.Targets.Classes)testSet.Targets).labels;
        var accuracy = Metrics.accuracy(predicted, labels);
        Assert.True(accuracy >= 0.93, $"test accuracy {accuracy}");
    }

    [Fact]
    public void AChainWithTheIdentityGivesTheSameUpdatesAsTheOptimizerAlone()
    {
        var network = Network.Create<double>([2, 3, 2], Activation.Tanh, Activation.Softmax, Initializer.XavierNormal, seed: 1);
        var theta = network.Parameters;
        var gradients = theta.Map((v, r) => { for (var i = 0; i < v.Length; i++) { r[i] = (0.5 * v[i]) - 0.1; } });
        var plain = GradientTransformations.Momentum(0.1);
        var chained = GradientTransformations.Chain(GradientTransformations.Identity(), GradientTransformations.Momentum(0.1), GradientTransformations.Identity());

        var (u1, s1) = plain.Update(gradients, plain.Init(theta), theta);
        var (v1, t1) = chained.Update(gradients, chained.Init(theta), theta);
        var (u2, _) = plain.Update(gradients, s1, theta.Add(u1));
        var (v2, _) = chained.Update(gradients, t1, theta.Add(v1));

        Assert.Equal(u1.ToArray(), v1.ToArray());
        Assert.Equal(u2.ToArray(), v2.ToArray());
    }

    [Fact]
    public void SgdFromCSharpTakesOneStepOfMinusAlphaTimesTheGradient()
    {
        var network = Network.Create<double>([2, 2], Activation.Identity, Activation.Softmax, Initializer.XavierNormal, seed: 2);
        var theta = network.Parameters;
        var gradients = theta.Map((v, r) => r.Fill(2.0));
        var sgd = GradientTransformations.Sgd(0.25);

        var (updates, _) = sgd.Update(gradients, sgd.Init(theta), theta);

        Assert.All(updates.ToArray(), u => Assert.Equal(-0.5, u));
    }
}
