using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Tests.Support;
using Nn.Training;

namespace Nn.Tests.Training;

public sealed class FastTrainerTests
{
    private static (Network<double> Network, Matrix<double> X, Matrix<double> Y) Problem(int samples, int seed)
    {
        var (rngNet, rngData) = Rng.FromSeed(seed).Split();
        var network = Network.Create<double>(5, [(7, Activation.Tanh), (6, Activation.Relu), (3, Activation.Softmax)], Initializer.XavierNormal, rngNet);
        var (x, rng) = RandomNetworks.Uniform(5, samples, -1, 1, rngData);
        var labels = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            (labels[i], rng) = rng.NextInt(3);
        }

        return (network, x, Targets.OneHot<double>(labels, 3));
    }

    /// <summary>Minibatch SGD through the pure path, with the trainer's shuffles: the reference the trainer must reproduce bit for bit.</summary>
    private static (Network<double> Network, List<double> Losses) PureShuffledSgd(Network<double> network, Matrix<double> x, Matrix<double> y, double rate, int batch, int epochs, int seed)
    {
        var rng = Rng.FromSeed(seed);
        var order = Enumerable.Range(0, x.ColumnCount).ToArray();
        var losses = new List<double>();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            rng = Permutation.Shuffle(order, rng);
            foreach (var chunk in order.Chunk(batch))
            {
                var xb = Matrix<double>.Build.DenseOfColumnVectors(chunk.Select(x.Column));
                var yb = Matrix<double>.Build.DenseOfColumnVectors(chunk.Select(y.Column));
                var (cost, gradients) = Propagation.CostAndGradients(network, xb, yb, Loss.SoftmaxCrossEntropy);
                losses.Add(cost);
                network = network.WithParameters(network.Parameters.AddScaled(-rate, gradients));
            }
        }

        return (network, losses);
    }

    [Fact]
    public void FullBatchUnshuffledSgdReproducesGradientDescentBitForBit()
    {
        var (network, x, y) = Problem(20, 1);
        var pure = GradientDescent.Run(network, x, y, Loss.SoftmaxCrossEntropy, 0.3, 25);
        var fast = FastTrainer.Fit(network, x, y, Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Sgd(0.3), new FastTrainingOptions(25, 20, Shuffle: false));
        Assert.Equal(pure.Network.Parameters.ToArray(), fast.Network.Parameters.ToArray());
        Assert.Equal(pure.LossHistory.ToArray(), fast.StepLosses.ToArray());
    }

    [Fact]
    public void ShuffledMinibatchSgdEqualsThePureStepOnTheSameBatches()
    {
        var (network, x, y) = Problem(23, 2);
        const int batch = 5;
        var fast = FastTrainer.Fit(network, x, y, Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Sgd(0.2), new FastTrainingOptions(3, batch, Seed: 9));

        var (reference, losses) = PureShuffledSgd(network, x, y, 0.2, batch, 3, 9);
        Assert.Equal(losses, fast.StepLosses);
        Assert.Equal(reference.Parameters.ToArray(), fast.Network.Parameters.ToArray());
    }

    [Fact]
    public void AWideLayerSplitOverTheCoresGivesTheSameStepsAsThePurePath()
    {
        // 300 inputs × 128 units: the gather (300 × 128 values) and the weight update (38,400 values) are large enough to be split.
        var (rngNet, rngData) = Rng.FromSeed(12).Split();
        var network = Network.Create<double>(300, [(128, Activation.Relu), (3, Activation.Softmax)], Initializer.XavierNormal, rngNet);
        var (x, rng) = RandomNetworks.Uniform(300, 260, -1, 1, rngData);
        var labels = new int[260];
        for (var i = 0; i < labels.Length; i++)
        {
            (labels[i], rng) = rng.NextInt(3);
        }

        var y = Targets.OneHot<double>(labels, 3);
        const int batch = 128;
        var fast = FastTrainer.Fit(network, x, y, Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Sgd(0.05), new FastTrainingOptions(2, batch, Seed: 4));

        var (reference, _) = PureShuffledSgd(network, x, y, 0.05, batch, 2, 4);
        Assert.Equal(reference.Parameters.ToArray(), fast.Network.Parameters.ToArray());
    }

    [Fact]
    public void AdamMatchesTheFormulaOfKingmaAndBaStepByStep()
    {
        var (network, x, y) = Problem(8, 3);
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var fast = FastTrainer.Fit(network, x, y, Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Adam(lr, b1, b2, eps), new FastTrainingOptions(4, 8, Shuffle: false));

        var theta = network.Parameters.ToArray();
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        var current = network;
        for (var t = 1; t <= 4; t++)
        {
            var g = Propagation.CostAndGradients(current, x, y, Loss.SoftmaxCrossEntropy).Gradients.ToArray();
            for (var i = 0; i < theta.Length; i++)
            {
                m[i] = (b1 * m[i]) + ((1 - b1) * g[i]);
                v[i] = (b2 * v[i]) + ((1 - b2) * g[i] * g[i]);
                var mHat = m[i] / (1 - Math.Pow(b1, t));
                var vHat = v[i] / (1 - Math.Pow(b2, t));
                theta[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }

            current = current.WithParameters(current.Parameters.FromArray(theta));
        }

        var actual = fast.Network.Parameters.ToArray();
        Assert.True(RandomNetworks.MaxAbsDifference(theta, actual) <= 1e-12, $"max difference {RandomNetworks.MaxAbsDifference(theta, actual)}");
        Assert.True(RandomNetworks.MaxAbsDifference(theta, network.Parameters.ToArray()) > 1e-3, "Adam moved the parameters");
    }

    [Fact]
    public void TrainingLeavesTheCallersNetworkAndDataUntouched()
    {
        var (network, x, y) = Problem(10, 4);
        var before = network.Parameters.ToArray();
        var xBefore = Dense.Data(x).ToArray();
        FastTrainer.Fit(network, x, y, Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Momentum(0.1), new FastTrainingOptions(2, 3));
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.Equal(xBefore, Dense.Data(x));
    }

    [Fact]
    public void TheSameSeedGivesBitIdenticalRunsInFloat32()
    {
        var (network, x, y) = Problem(30, 5);
        var single = network.Convert<float>();
        var x32 = Dense.Matrix(x.RowCount, x.ColumnCount, Dense.Data(x).Select(v => (float)v).ToArray());
        var y32 = Dense.Matrix(y.RowCount, y.ColumnCount, Dense.Data(y).Select(v => (float)v).ToArray());
        var first = FastTrainer.Fit(single, x32, y32, Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Adam(1e-2), new FastTrainingOptions(3, 7, Seed: 3));
        var second = FastTrainer.Fit(single, x32, y32, Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Adam(1e-2), new FastTrainingOptions(3, 7, Seed: 3));
        var other = FastTrainer.Fit(single, x32, y32, Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Adam(1e-2), new FastTrainingOptions(3, 7, Seed: 4));
        Assert.Equal(first.Network.Parameters.ToArray(), second.Network.Parameters.ToArray());
        Assert.Equal(first.StepLosses.ToArray(), second.StepLosses.ToArray());
        Assert.NotEqual(first.StepLosses.ToArray(), other.StepLosses.ToArray());
        Assert.Equal(15, first.StepLosses.Length); // 3 epochs × ⌈30/7⌉ = 5 steps, the last batch holding 2
    }

    [Fact]
    public void AHugeLearningRateStopsWithTheEpochAndStep()
    {
        var network = Network.Create<double>([2, 8, 1], Activation.Identity, Activation.Identity, Initializer.XavierNormal, 2);
        var (x, _) = RandomNetworks.Uniform(2, 16, -100, 100, Rng.FromSeed(1));
        var y = Matrix<double>.Build.Dense(1, 16, 1.0);
        var error = Assert.Throws<DivergenceException>(() => FastTrainer.Fit(network, x, y, Loss.SquaredError, InPlaceOptimizer.Sgd(10), new FastTrainingOptions(50, 4)));
        Assert.Matches(@"epoch \d+, step \d+", error.Message);
    }

    [Fact]
    public void TargetsOfTheWrongShapeAreRefused()
    {
        var (network, x, _) = Problem(6, 6);
        var error = Assert.Throws<ArgumentException>(() => FastTrainer.Fit(network, x, Targets.OneHot<double>([0, 1, 2, 0, 1], 3), Loss.SoftmaxCrossEntropy, InPlaceOptimizer.Sgd(0.1), new FastTrainingOptions(1, 2)));
        Assert.Contains("Y is 3×5", error.Message, StringComparison.Ordinal);
    }
}
