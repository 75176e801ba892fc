using FsCheck;
using FsCheck.Fluent;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;

namespace Nn.Tests.Support;

/// <summary>A random problem: a network, a batch and targets that fit its loss.</summary>
internal sealed record Problem(Network<double> Network, Matrix<double> X, Matrix<double> Y, Loss Loss, string Description)
{
    public override string ToString() => Description;
}

/// <summary>Generators of small random networks (depth 1–4, widths 1–8, every activation, every loss, batch 1–6).</summary>
internal static class RandomNetworks
{
    public static readonly Activation[] AllActivations =
        [Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.LeakyRelu(0.1), Activation.Softmax];

    public static readonly Loss[] AllLosses = [Loss.BinaryCrossEntropy, Loss.SquaredError, Loss.SoftmaxCrossEntropy];

    public static Gen<Problem> Problems(int maxDepth = 4, int maxWidth = 8, int maxBatch = 6) =>
        from depth in Gen.Choose(1, maxDepth)
        from inputs in Gen.Choose(1, maxWidth)
        from widths in Gen.ArrayOf(Gen.Choose(1, maxWidth), depth)
        from hidden in Gen.ArrayOf(Gen.Elements(AllActivations), depth)
        from loss in Gen.Elements(AllLosses)
        from batch in Gen.Choose(1, maxBatch)
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(inputs, widths, hidden, loss, batch, seed);

    public static Problem Build(int inputs, int[] widths, Activation[] activations, Loss loss, int batch, int seed)
    {
        var layers = widths.Select((w, i) => (w, activations[i])).ToArray();
        var last = layers.Length - 1;
        layers[last].Item2 = loss switch
        {
            BinaryCrossEntropyLoss => Activation.Sigmoid,
            SoftmaxCrossEntropyLoss => Activation.Softmax,
            _ => layers[last].Item2,
        };
        var (rngNet, rngData) = Rng.FromSeed(seed).Split();
        var network = Network.Create<double>(inputs, layers, Initializer.XavierNormal, rngNet);
        var (x, rng) = Uniform(inputs, batch, -1, 1, rngData);
        var outputs = network.Outputs;
        Matrix<double> y;
        switch (loss)
        {
            case SoftmaxCrossEntropyLoss:
                var labels = new int[batch];
                for (var i = 0; i < batch; i++)
                {
                    (labels[i], rng) = rng.NextInt(outputs);
                }

                y = Targets.OneHot<double>(labels, outputs);
                break;
            case BinaryCrossEntropyLoss:
                (y, _) = Uniform(outputs, batch, 0, 1, rng);
                break;
            default:
                (y, _) = Uniform(outputs, batch, -1, 1, rng);
                break;
        }

        var description = $"{inputs}-{string.Join("-", layers.Select(l => $"{l.Item1}{l.Item2.Name}"))} loss {loss.Name} batch {batch} seed {seed}";
        return new Problem(network, x, y, loss, description);
    }

    public static (Matrix<double> Matrix, Rng Next) Uniform(int rows, int columns, double low, double high, Rng rng)
    {
        var data = new double[rows * columns];
        for (var i = 0; i < data.Length; i++)
        {
            (var u, rng) = rng.NextDouble();
            data[i] = low + ((high - low) * u);
        }

        return (Dense.Matrix(rows, columns, data), rng);
    }

    /// <summary>The smallest |z| over all ReLU-family pre-activations (infinity when there are none).</summary>
    public static double DistanceToKink(Network<double> network, Matrix<double> x)
    {
        var trace = Propagation.Forward(network, x);
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

    public static double MaxAbsDifference(double[] a, double[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).DefaultIfEmpty(0).Max();

    public static double MaxAbs(double[] a) => a.Select(Math.Abs).DefaultIfEmpty(0).Max();
}
