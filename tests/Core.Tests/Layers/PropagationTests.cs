using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Tests.Support;
using Nn.Training;

namespace Nn.Tests.Layers;

public sealed class PropagationTests
{
    /// <summary>The lecture's 2-2-1 sigmoid network (lecture 003) with hand-picked weights.</summary>
    private static Network<double> LectureNetwork(double w11, double w21, double w12, double w22, double b1, double b2, double w1, double w2, double b)
    {
        // Row = unit, column = input: z₁ = x₁w₁₁ + x₂w₂₁ + b₁, z₂ = x₁w₁₂ + x₂w₂₂ + b₂, z = a₁w₁ + a₂w₂ + b.
        var hidden = new DenseLayer<double>(Matrix<double>.Build.DenseOfArray(new[,] { { w11, w21 }, { w12, w22 } }), Dense.Vector([b1, b2]), Activation.Sigmoid);
        var output = new DenseLayer<double>(Matrix<double>.Build.DenseOfArray(new[,] { { w1, w2 } }), Dense.Vector([b]), Activation.Sigmoid);
        return new Network<double>([hidden, output]);
    }

    [Fact]
    public void BackpropOfTheLectureNetworkEqualsTheHandDerivedPartials()
    {
        var network = LectureNetwork(0.3, -0.8, 0.5, 0.2, 0.1, -0.4, 1.2, -0.9, 0.05);
        var (x1, x2, y) = (3.0, 0.0, 1.0); // "Aack aack aack!" → Happy
        var x = Dense.Matrix(2, 1, [x1, x2]);
        var trace = Propagation.Forward(network, x);
        var grads = Propagation.Backward(network, trace, Dense.Matrix(1, 1, [y]), Loss.BinaryCrossEntropy).Gradients;

        var a1 = trace.Activations[0][0, 0];
        var yHat = trace.Output[0, 0];
        var w1 = network.Layers[1].Weights[0, 0];
        Assert.Equal(-x1 * w1 * a1 * (1 - a1) * (y - yHat), grads.Layers[0].Weights[0, 0], 14); // ∂L/∂w₁₁
        Assert.Equal(-x2 * w1 * a1 * (1 - a1) * (y - yHat), grads.Layers[0].Weights[0, 1], 14); // ∂L/∂w₂₁
        Assert.Equal(-w1 * a1 * (1 - a1) * (y - yHat), grads.Layers[0].Bias[0], 14);            // ∂L/∂b₁
        Assert.Equal(-a1 * (y - yHat), grads.Layers[1].Weights[0, 0], 14);                       // ∂L/∂w₁
        Assert.Equal(-(y - yHat), grads.Layers[1].Bias[0], 14);                                  // ∂L/∂b
    }

    [Property(Replay = Seeds.Replay, MaxTest = 100)]
    public Property BackpropEqualsFiniteDifferencesOnRandomNetworks()
    {
        return Prop.ForAll(RandomNetworks.Problems(), problem =>
            Prop.When(RandomNetworks.DistanceToKink(problem.Network, problem.X) > 0.05, () =>
            {
                var report = GradientCheck.Run(problem.Network, problem.X, problem.Y, problem.Loss);
                return report.WorstRelativeError <= 1e-6;
            }).Label(problem.Description));
    }

    [Fact]
    public void GradientCheckReportsAWrongGradientAsALargeError()
    {
        // A deliberately different loss on the same network must not pass: the check can fail.
        var problem = RandomNetworks.Build(3, [4, 2], [Activation.Tanh, Activation.Identity], Loss.SquaredError, 4, 7);
        var report = GradientCheck.Run(problem.Network, problem.X, problem.Y, problem.Loss);
        Assert.True(report.WorstRelativeError <= 1e-6, report.Worst.ToString());
        var halfY = problem.Y * 0.5;
        var (_, other) = Propagation.CostAndGradients(problem.Network, problem.X, halfY, problem.Loss);
        var (_, right) = Propagation.CostAndGradients(problem.Network, problem.X, problem.Y, problem.Loss);
        Assert.True(RandomNetworks.MaxAbsDifference(other.ToArray(), right.ToArray()) > 1e-3);
    }

    [Property(Replay = Seeds.Replay)]
    public Property ForwardAndBackwardLeaveTheirInputsUnchanged()
    {
        return Prop.ForAll(RandomNetworks.Problems(), problem =>
        {
            var parameters = problem.Network.Parameters.ToArray();
            var x = Dense.Data(problem.X).ToArray();
            var y = Dense.Data(problem.Y).ToArray();
            var trace = Propagation.Forward(problem.Network, problem.X);
            var outputs = trace.Activations.Select(a => Dense.Data(a).ToArray()).ToArray();
            Propagation.Backward(problem.Network, trace, problem.Y, problem.Loss);
            return parameters.SequenceEqual(problem.Network.Parameters.ToArray())
                && x.SequenceEqual(Dense.Data(problem.X))
                && y.SequenceEqual(Dense.Data(problem.Y))
                && outputs.Zip(trace.Activations).All(p => p.First.SequenceEqual(Dense.Data(p.Second)));
        });
    }

    [Property(Replay = Seeds.Replay)]
    public Property PredictEqualsTheOutputOfTheForwardTraceBitForBit()
    {
        return Prop.ForAll(RandomNetworks.Problems(), problem =>
            Dense.Data(Propagation.Predict(problem.Network, problem.X)).SequenceEqual(Dense.Data(Propagation.Forward(problem.Network, problem.X).Output)));
    }

    [Property(Replay = Seeds.Replay)]
    public Property BackwardIsLinearInTheUpstreamGradient()
    {
        var gen =
            from problem in RandomNetworks.ProblemGen()
            from alpha in Gen.Choose(-300, 300).Select(i => i / 100.0)
            from beta in Gen.Choose(-300, 300).Select(i => i / 100.0)
            from seed in Gen.Choose(0, 100000)
            select (problem, alpha, beta, seed);
        return Prop.ForAll(Arb.From(gen, c => RandomNetworks.Shrink(c.problem).Select(p => c with { problem = p })), c =>
        {
            var (problem, alpha, beta, seed) = c;
            var trace = Propagation.Forward(problem.Network, problem.X);
            var (u, rng) = RandomNetworks.Uniform(problem.Network.Outputs, problem.X.ColumnCount, -1, 1, Rng.FromSeed(seed));
            var (v, _) = RandomNetworks.Uniform(problem.Network.Outputs, problem.X.ColumnCount, -1, 1, rng);
            var combined = Propagation.BackwardFromOutput(problem.Network, trace, (u * alpha) + (v * beta));
            var gu = Propagation.BackwardFromOutput(problem.Network, trace, u);
            var gv = Propagation.BackwardFromOutput(problem.Network, trace, v);
            var expected = gu.Gradients.Scale(alpha).Add(gv.Gradients.Scale(beta)).ToArray();
            var actual = combined.Gradients.ToArray();
            var expectedInput = Dense.Data((gu.InputGradient * alpha) + (gv.InputGradient * beta));
            var scale = Math.Max(1, Math.Max(RandomNetworks.MaxAbs(expected), RandomNetworks.MaxAbs(expectedInput)));
            return RandomNetworks.MaxAbsDifference(expected, actual) <= 1e-12 * scale
                && RandomNetworks.MaxAbsDifference(expectedInput, Dense.Data(combined.InputGradient)) <= 1e-12 * scale;
        });
    }

    [Property(Replay = Seeds.Replay)]
    public Property ThreeIdentityLayersEqualTheSingleMatrixW3W2W1()
    {
        var gen =
            from widths in Gen.ArrayOf(Gen.Choose(1, 8), 4)
            from batch in Gen.Choose(1, 6)
            from seed in Gen.Choose(0, int.MaxValue)
            select (widths, batch, seed);
        IEnumerable<(int[] widths, int batch, int seed)> Shrink((int[] widths, int batch, int seed) c) =>
            Enumerable.Range(0, c.widths.Length)
                .SelectMany(i => RandomNetworks.Smaller(c.widths[i]).Select(w => c with { widths = [.. c.widths[..i], w, .. c.widths[(i + 1)..]] }))
                .Concat(RandomNetworks.Smaller(c.batch).Select(b => c with { batch = b }));
        return Prop.ForAll(Arb.From(gen, Shrink), c =>
        {
            var (w, batch, seed) = c;
            var (rngNet, rngData) = Rng.FromSeed(seed).Split();
            var network = Network.Create<double>(w[0], [(w[1], Activation.Identity), (w[2], Activation.Identity), (w[3], Activation.Identity)], Initializer.XavierUniform, rngNet);
            // give the biases values too: b = W₃W₂b₁ + W₃b₂ + b₃ must come out of the collapse as well
            var withBias = network.WithParameters(new Parameters<double>(network.Parameters.Layers.Select((l, i) => l with { Bias = Vector<double>.Build.Dense(l.Bias.Count, k => (0.1 * (i + 1)) - (0.05 * k)) })));
            var (x, _) = RandomNetworks.Uniform(w[0], batch, -2, 2, rngData);
            var (w1, w2, w3) = (withBias.Layers[0].Weights, withBias.Layers[1].Weights, withBias.Layers[2].Weights);
            var (b1, b2, b3) = (withBias.Layers[0].Bias, withBias.Layers[1].Bias, withBias.Layers[2].Bias);
            var single = w3 * w2 * w1;
            var bias = (w3 * w2 * b1) + (w3 * b2) + b3;
            var expected = (single * x) + Matrix<double>.Build.Dense(bias.Count, batch, (r, _) => bias[r]);
            var actual = Propagation.Predict(withBias, x);
            return (expected - actual).Enumerate().All(d => Math.Abs(d) <= 1e-12);
        });
    }

    [Property(Replay = Seeds.Replay)]
    public Property Float32ForwardAndBackwardAgreeWithFloat64WithinOneInTenThousand()
    {
        return Prop.ForAll(RandomNetworks.Problems(), problem =>
            Prop.When(RandomNetworks.DistanceToKink(problem.Network, problem.X) > 0.05, () =>
            {
                var single = problem.Network.Convert<float>();
                var x32 = Dense.Matrix(problem.X.RowCount, problem.X.ColumnCount, Dense.Data(problem.X).Select(v => (float)v).ToArray());
                var y32 = Dense.Matrix(problem.Y.RowCount, problem.Y.ColumnCount, Dense.Data(problem.Y).Select(v => (float)v).ToArray());
                var (cost64, grad64) = Propagation.CostAndGradients(problem.Network, problem.X, problem.Y, problem.Loss);
                var (cost32, grad32) = Propagation.CostAndGradients(single, x32, y32, problem.Loss);
                var out64 = Dense.Data(Propagation.Predict(problem.Network, problem.X));
                var out32 = Dense.Data(Propagation.Predict(single, x32)).Select(v => (double)v).ToArray();
                var g64 = grad64.ToArray();
                var g32 = grad32.ToArray().Select(v => (double)v).ToArray();
                return Math.Abs(cost32 - cost64) <= 1e-4 * Math.Max(Math.Abs(cost64), 1e-3)
                    && RandomNetworks.MaxAbsDifference(out64, out32) <= 1e-4 * Math.Max(RandomNetworks.MaxAbs(out64), 1e-3)
                    && RandomNetworks.MaxAbsDifference(g64, g32) <= 1e-4 * Math.Max(RandomNetworks.MaxAbs(g64), 1e-3);
            }).Label(problem.Description));
    }

    [Fact]
    public void AnInputWithTheWrongNumberOfRowsIsRefusedWithBothShapes()
    {
        var network = Network.Create<double>([3, 4, 1], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 1);
        var error = Assert.Throws<ArgumentException>(() => Propagation.Forward(network, Matrix<double>.Build.Dense(5, 2)));
        Assert.Contains("X has 5 rows", error.Message, StringComparison.Ordinal);
        Assert.Contains("4×3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NaNInTheInputIsRefusedWithItsPosition()
    {
        var network = Network.Create<double>([2, 1], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 1);
        var error = Assert.Throws<ArgumentException>(() => Propagation.Forward(network, Dense.Matrix(2, 2, [1.0, 2.0, double.NaN, 0.0])));
        Assert.Contains("X[0, 1] is NaN", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, double.NaN)]
    [InlineData(17, double.PositiveInfinity)]
    [InlineData(64, double.NegativeInfinity)]
    [InlineData(184, double.NaN)]
    public void TheFirstNonFiniteInputIsFoundWhereverItIsInALargeBatch(int index, double value)
    {
        var network = Network.Create<double>([37, 2], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 1);
        var data = Enumerable.Range(0, 37 * 5).Select(i => Math.Sin(i)).ToArray();
        data[index] = value;
        if (index + 3 < data.Length)
        {
            data[index + 3] = double.NaN; // a later one must not be reported instead
        }

        var error = Assert.Throws<ArgumentException>(() => Propagation.Forward(network, Dense.Matrix(37, 5, data)));
        Assert.Contains($"X[{index % 37}, {index / 37}] is {Guard.Format(value)}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InfinityInTheTargetsIsRefused()
    {
        var network = Network.Create<double>([2, 1], Activation.Tanh, Activation.Identity, Initializer.XavierNormal, 1);
        var x = Dense.Matrix(2, 1, [1.0, 2.0]);
        var error = Assert.Throws<ArgumentException>(() => Propagation.CostAndGradients(network, x, Dense.Matrix(1, 1, [double.PositiveInfinity]), Loss.SquaredError));
        Assert.Contains("Y[0, 0] is Infinity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyBatchIsRefused()
    {
        var network = Network.Create<double>([2, 1], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 1);
        var error = Assert.Throws<ArgumentException>(() => Propagation.Forward(network, Matrix<double>.Build.Dense(2, 0)));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetsOfTheWrongShapeAreRefusedWithBothShapes()
    {
        var network = Network.Create<double>([2, 3], Activation.Tanh, Activation.Softmax, Initializer.XavierNormal, 1);
        var x = Dense.Matrix(2, 2, [1.0, 2.0, 3.0, 4.0]);
        var error = Assert.Throws<ArgumentException>(() => Propagation.CostAndGradients(network, x, Targets.OneHot<double>([0, 1], 2), Loss.SoftmaxCrossEntropy));
        Assert.Contains("Y is 2×2", error.Message, StringComparison.Ordinal);
        Assert.Contains("3×2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LayersThatDoNotChainAreRefused()
    {
        var first = new DenseLayer<double>(Matrix<double>.Build.Dense(3, 2), Vector<double>.Build.Dense(3), Activation.Tanh);
        var second = new DenseLayer<double>(Matrix<double>.Build.Dense(1, 4), Vector<double>.Build.Dense(1), Activation.Sigmoid);
        var error = Assert.Throws<ArgumentException>(() => new Network<double>([first, second]));
        Assert.Contains("Layer 2 has weights 1×4 but layer 1 has 3 outputs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonPositiveLayerSizesAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Network.Create<double>([2, 0, 1], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 1));
        Assert.Contains("0 units", error.Message, StringComparison.Ordinal);
    }
}
