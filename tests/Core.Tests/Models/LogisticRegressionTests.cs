using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Tests.Support;

namespace Nn.Tests.Models;

public sealed class LogisticRegressionTests
{
    [Fact]
    public void TheClosedFormGradientEqualsBackpropagation()
    {
        var (x, rng) = RandomNetworks.Uniform(4, 9, -3, 3, Rng.FromSeed(2));
        var (yRaw, rng2) = RandomNetworks.Uniform(1, 9, 0, 1, rng);
        var y = yRaw.Map(v => v > 0.5 ? 1.0 : 0.0);
        var network = LogisticRegression.Create<double>(4, Initializer.XavierNormal, rng2);
        var (_, gradients) = Propagation.CostAndGradients(network, x, y, Loss.BinaryCrossEntropy);
        var (dw, db) = LogisticRegression.Gradient(network.Layers[0].Weights, network.Layers[0].Bias[0], x, y);
        Assert.True(RandomNetworks.MaxAbsDifference(Dense.Data(dw), Dense.Data(gradients.Layers[0].Weights)) <= 1e-15);
        Assert.Equal(db, gradients.Layers[0].Bias[0], 15);
    }
}
