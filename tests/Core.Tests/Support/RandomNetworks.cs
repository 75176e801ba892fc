using FsCheck;
using FsCheck.Fluent;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;

namespace Nn.Tests.Support;

/// <summary>
/// What a random problem is built from: input count, layer widths and activations (the last one replaced by what the
/// loss needs), loss, batch size and the seed of the weights and data.
/// </summary>
internal sealed record ProblemShape(int Inputs, int[] Widths, Activation[] Activations, Loss Loss, int Batch, int Seed);

/// <summary>A random problem: a network, a batch and targets that fit its loss.</summary>
internal sealed record Problem(Network<double> Network, Matrix<double> X, Matrix<double> Y, Loss Loss, ProblemShape Shape)
{
    public string Description =>
        $"{Shape.Inputs}-{string.Join("-", Network.Layers.Select(l => $"{l.Outputs}{l.Activation.Name}"))} loss {Loss.Name} batch {Shape.Batch} seed {Shape.Seed}";

    public override string ToString() => Description;
}

/// <summary>
/// Generators of small random networks (depth 1–4, widths 1–8, every activation, every loss, batch 1–6). A failing
/// problem shrinks towards fewer layers, narrower layers, fewer inputs, a smaller batch and identity activations,
/// keeping its seed.
/// </summary>
internal static class RandomNetworks
{
    public static readonly Activation[] AllActivations =
        [Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.LeakyRelu(0.1), Activation.Softmax];

    public static readonly Loss[] AllLosses = [Loss.BinaryCrossEntropy, Loss.SquaredError, Loss.SoftmaxCrossEntropy];

    public static Gen<Problem> ProblemGen(int maxDepth = 4, int maxWidth = 8, int maxBatch = 6) =>
        from depth in Gen.Choose(1, maxDepth)
        from inputs in Gen.Choose(1, maxWidth)
        from widths in Gen.ArrayOf(Gen.Choose(1, maxWidth), depth)
        from hidden in Gen.ArrayOf(Gen.Elements(AllActivations), depth)
        from loss in Gen.Elements(AllLosses)
        from batch in Gen.Choose(1, maxBatch)
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(new ProblemShape(inputs, widths, hidden, loss, batch, seed));

    /// <summary>Random problems that shrink (see the class remarks).</summary>
    public static Arbitrary<Problem> Problems(int maxDepth = 4, int maxWidth = 8, int maxBatch = 6) =>
        Arb.From(ProblemGen(maxDepth, maxWidth, maxBatch), Shrink);

    /// <summary>Random problems each with a second seed (for a direction or upstream gradient); shrinking keeps that seed.</summary>
    public static Arbitrary<(Problem Problem, int Seed)> ProblemsWithSeeds(int maxDepth = 4) =>
        Arb.From(
            from problem in ProblemGen(maxDepth)
            from seed in Gen.Choose(0, 100000)
            select (problem, seed),
            c => Shrink(c.problem).Select(p => (p, c.seed)));

    /// <summary>Smaller problems of the same seed: each has strictly fewer layers, units, inputs, samples or non-identity activations.</summary>
    public static IEnumerable<Problem> Shrink(Problem problem)
    {
        var s = problem.Shape;
        var depth = s.Widths.Length;
        for (var l = 0; l < depth - 1; l++)
        {
            yield return Build(s with { Widths = [.. s.Widths[..l], .. s.Widths[(l + 1)..]], Activations = [.. s.Activations[..l], .. s.Activations[(l + 1)..]] });
        }

        foreach (var batch in Smaller(s.Batch))
        {
            yield return Build(s with { Batch = batch });
        }

        foreach (var inputs in Smaller(s.Inputs))
        {
            yield return Build(s with { Inputs = inputs });
        }

        for (var l = 0; l < depth; l++)
        {
            foreach (var width in Smaller(s.Widths[l]))
            {
                var widths = (int[])s.Widths.Clone();
                widths[l] = width;
                yield return Build(s with { Widths = widths });
            }

            if (l < depth - 1 && s.Activations[l] is not IdentityActivation)
            {
                var activations = (Activation[])s.Activations.Clone();
                activations[l] = Activation.Identity;
                yield return Build(s with { Activations = activations });
            }
        }
    }

    /// <summary>Shrink candidates for a positive size: 1, half and one less, each smaller than <paramref name="n"/>.</summary>
    public static IEnumerable<int> Smaller(int n) => new[] { 1, n / 2, n - 1 }.Where(k => k >= 1 && k < n).Distinct();

    public static Problem Build(int inputs, int[] widths, Activation[] activations, Loss loss, int batch, int seed) =>
        Build(new ProblemShape(inputs, widths, activations, loss, batch, seed));

    public static Problem Build(ProblemShape shape)
    {
        var (inputs, widths, activations, loss, batch, seed) = shape;
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

        return new Problem(network, x, y, loss, shape);
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
