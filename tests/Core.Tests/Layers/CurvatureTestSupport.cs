using MathNet.Numerics.LinearAlgebra;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Tests.Support;

namespace Nn.Tests.Layers;

/// <summary>Reference computations for curvature tests, built only from forward and backward passes.</summary>
internal static class CurvatureTestSupport
{
    /// <summary>A direction shaped like the network's parameters, entries uniform in [−1, 1].</summary>
    public static Parameters<double> RandomDirection(Network<double> network, int seed)
    {
        var template = network.Parameters;
        var (values, _) = RandomNetworks.Uniform(template.Count, 1, -1, 1, Rng.FromSeed(seed));
        return template.FromArray(Dense.Data(values));
    }

    public static double[] Shifted(double[] theta, double[] v, double t) => theta.Zip(v, (p, q) => p + (t * q)).ToArray();

    public static double[] GradientAt(Problem problem, double[] theta)
    {
        var network = problem.Network.WithParameters(problem.Network.Parameters.FromArray(theta));
        return Propagation.CostAndGradients(network, problem.X, problem.Y, problem.Loss).Gradients.ToArray();
    }

    /// <summary>
    /// H·v from gradients alone by the fourth-order central stencil
    /// [8(g(θ+εv) − g(θ−εv)) − (g(θ+2εv) − g(θ−2εv))] / (12ε), truncation error O(ε⁴).
    /// </summary>
    public static double[] FiniteDifferenceHessianVectorProduct(Problem problem, double[] v, double epsilon)
    {
        var theta = problem.Network.Parameters.ToArray();
        var plus = GradientAt(problem, Shifted(theta, v, epsilon));
        var minus = GradientAt(problem, Shifted(theta, v, -epsilon));
        var plus2 = GradientAt(problem, Shifted(theta, v, 2 * epsilon));
        var minus2 = GradientAt(problem, Shifted(theta, v, -2 * epsilon));
        return Enumerable.Range(0, theta.Length)
            .Select(i => ((8 * (plus[i] - minus[i])) - (plus2[i] - minus2[i])) / (12 * epsilon))
            .ToArray();
    }

    /// <summary>The smallest distance of a ReLU-family pre-activation from its kink along θ + t·v for t in {0, ±ε, ±2ε}.</summary>
    public static double DistanceToKinkAlong(Problem problem, double[] v, double epsilon)
    {
        var theta = problem.Network.Parameters.ToArray();
        return new[] { 0, epsilon, -epsilon, 2 * epsilon, -2 * epsilon }
            .Min(t => RandomNetworks.DistanceToKink(problem.Network.WithParameters(problem.Network.Parameters.FromArray(Shifted(theta, v, t))), problem.X));
    }

    /// <summary>
    /// The output the Gauss–Newton split is taken at, flattened: the logits z[L] for the fused sigmoid and softmax
    /// losses, the outputs a[L] for squared error.
    /// </summary>
    public static double[] SplitOutput(Problem problem, double[] theta)
    {
        var network = problem.Network.WithParameters(problem.Network.Parameters.FromArray(theta));
        var trace = Propagation.Forward(network, problem.X);
        var s = problem.Loss is SquaredErrorLoss ? trace.Output : trace.PreActivations[^1];
        return Dense.Data(s).ToArray();
    }

    /// <summary>The Jacobian of <see cref="SplitOutput"/> with respect to θ, by fourth-order central differences per parameter.</summary>
    public static Matrix<double> FiniteDifferenceOutputJacobian(Problem problem, double step)
    {
        var theta = problem.Network.Parameters.ToArray();
        var rows = SplitOutput(problem, theta).Length;
        var jacobian = Matrix<double>.Build.Dense(rows, theta.Length);
        for (var j = 0; j < theta.Length; j++)
        {
            var e = new double[theta.Length];
            e[j] = 1;
            var plus = SplitOutput(problem, Shifted(theta, e, step));
            var minus = SplitOutput(problem, Shifted(theta, e, -step));
            var plus2 = SplitOutput(problem, Shifted(theta, e, 2 * step));
            var minus2 = SplitOutput(problem, Shifted(theta, e, -2 * step));
            for (var i = 0; i < rows; i++)
            {
                jacobian[i, j] = ((8 * (plus[i] - minus[i])) - (plus2[i] - minus2[i])) / (12 * step);
            }
        }

        return jacobian;
    }

    /// <summary>
    /// The Hessian of the summed loss with respect to the split output, written out explicitly: block diagonal
    /// with one block per observation — diag(a(1 − a)) for sigmoid + binary cross-entropy, diag(a) − aaᵀ for
    /// softmax + cross-entropy, I for squared error.
    /// </summary>
    public static Matrix<double> ExplicitLossHessian(Problem problem)
    {
        var a = Propagation.Forward(problem.Network, problem.X).Output;
        var (k, m) = (a.RowCount, a.ColumnCount);
        var h = Matrix<double>.Build.Dense(k * m, k * m);
        for (var i = 0; i < m; i++)
        {
            for (var p = 0; p < k; p++)
            {
                for (var q = 0; q < k; q++)
                {
                    h[(i * k) + p, (i * k) + q] = problem.Loss switch
                    {
                        BinaryCrossEntropyLoss => p == q ? a[p, i] * (1 - a[p, i]) : 0,
                        SoftmaxCrossEntropyLoss => (p == q ? a[p, i] : 0) - (a[p, i] * a[q, i]),
                        _ => p == q ? 1 : 0,
                    };
                }
            }
        }

        return h;
    }

    public static double MaxAbs(Matrix<double> m) => m.Enumerate().Select(Math.Abs).DefaultIfEmpty(0).Max();
}
