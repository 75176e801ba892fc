using Nn.Newton;

namespace Nn.Tests.Newton;

public sealed class LogisticRegressionNewtonTests
{
    // A small overlapping two-class problem: 60 samples, 3 features, drawn with a fixed seed.
    private const int D = 3;

    private static (double[] X, double[] Y) Synthetic(int n = 60, int seed = 7)
    {
        var random = new Random(seed);
        var x = new double[D * n];
        var y = new double[n];
        double[] truth = [1.5, -2.0, 0.5];
        for (var i = 0; i < n; i++)
        {
            var z = 0.3;
            for (var j = 0; j < D; j++)
            {
                x[(i * D) + j] = (random.NextDouble() * 4) - 2;
                z += truth[j] * x[(i * D) + j];
            }

            y[i] = random.NextDouble() < 1 / (1 + Math.Exp(-z)) ? 1 : 0;
        }

        return (x, y);
    }

    // The objective and its gradient written out directly from the definitions, independently of the solver.
    private static double Objective(double[] x, double[] y, double[] w, double b, double lambda)
    {
        var sum = 0.5 * lambda * w.Sum(v => v * v);
        for (var i = 0; i < y.Length; i++)
        {
            var z = b + Enumerable.Range(0, D).Sum(j => w[j] * x[(i * D) + j]);
            sum += Math.Log(1 + Math.Exp(z)) - (y[i] * z);
        }

        return sum;
    }

    private static double[] Gradient(double[] x, double[] y, double[] w, double b, double lambda)
    {
        var g = new double[D + 1];
        for (var j = 0; j < D; j++)
        {
            g[j] = lambda * w[j];
        }

        for (var i = 0; i < y.Length; i++)
        {
            var z = b + Enumerable.Range(0, D).Sum(j => w[j] * x[(i * D) + j]);
            var r = (1 / (1 + Math.Exp(-z))) - y[i];
            for (var j = 0; j < D; j++)
            {
                g[j] += r * x[(i * D) + j];
            }

            g[D] += r;
        }

        return g;
    }

    [Fact]
    public void TheGradientVanishesAtTheReturnedParameters()
    {
        var (x, y) = Synthetic();
        var fit = LogisticRegressionNewton.Fit(x, D, y, new LogisticRegressionOptions { Lambda = 0.5, GradientTolerance = 1e-10 });

        Assert.Equal(LogisticRegressionOutcome.Converged, fit.Outcome);
        var g = Gradient(x, y, [.. fit.Weights], fit.Intercept, 0.5);
        Assert.All(g, gj => Assert.InRange(Math.Abs(gj), 0, 1e-9));
        Assert.Equal(Objective(x, y, [.. fit.Weights], fit.Intercept, 0.5), fit.Objective, 1e-10);
    }

    [Fact]
    public void NewtonAgreesWithPlainGradientDescentRunToConvergence()
    {
        var (x, y) = Synthetic();
        const double lambda = 0.5;
        var fit = LogisticRegressionNewton.Fit(x, D, y, new LogisticRegressionOptions { Lambda = lambda });

        // Gradient descent with step 1/L, L = λ + ‖X̃‖²_F/4 bounding the Hessian's largest eigenvalue.
        var lipschitz = lambda + ((x.Sum(v => v * v) + y.Length) / 4);
        var w = new double[D];
        var b = 0.0;
        for (var k = 0; k < 20_000; k++)
        {
            var g = Gradient(x, y, w, b, lambda);
            for (var j = 0; j < D; j++)
            {
                w[j] -= g[j] / lipschitz;
            }

            b -= g[D] / lipschitz;
        }

        Assert.All(Gradient(x, y, w, b, lambda), gj => Assert.InRange(Math.Abs(gj), 0, 1e-8));
        for (var j = 0; j < D; j++)
        {
            Assert.Equal(w[j], fit.Weights[j], 1e-8);
        }

        Assert.Equal(b, fit.Intercept, 1e-8);
    }

    [Fact]
    public void TheObjectiveDecreasesAtEveryNewtonStep()
    {
        var (x, y) = Synthetic();
        var fit = LogisticRegressionNewton.Fit(x, D, y, new LogisticRegressionOptions { Lambda = 0.1, GradientTolerance = 1e-10 });

        var objectives = fit.Trace.Select(s => s.Objective).Append(fit.Objective).ToArray();
        Assert.True(objectives.Length >= 3, $"expected several steps, got {fit.Iterations}");
        for (var k = 0; k + 1 < objectives.Length; k++)
        {
            Assert.True(objectives[k + 1] < objectives[k], $"objective rose at step {k + 1}: {objectives[k]} → {objectives[k + 1]}");
        }
    }

    [Fact]
    public void TheGradientNormRoughlySquaresInTheLastSteps()
    {
        var (x, y) = Synthetic(n: 400, seed: 11);
        var fit = LogisticRegressionNewton.Fit(x, D, y, new LogisticRegressionOptions { Lambda = 0.1, GradientTolerance = 1e-10, HessianPrecision = Nn.Models.Precision.Float64 });

        Assert.Equal(LogisticRegressionOutcome.Converged, fit.Outcome);
        var g = fit.Trace.Select(s => s.MaxAbsGradient).Append(fit.MaxAbsGradient).ToArray();
        // Quadratic convergence: g_{k+1} ≤ c·g_k² with a moderate c once g_k is small; linear convergence would give g_{k+1} ≈ ρ·g_k.
        var lastSteps = Enumerable.Range(0, g.Length - 1).Where(k => g[k] < 1 && g[k + 1] > 1e-13).ToArray();
        Assert.NotEmpty(lastSteps);
        Assert.All(lastSteps, k => Assert.True(g[k + 1] <= 10 * g[k] * g[k], $"max|grad| went {g[k]:G3} → {g[k + 1]:G3}: not quadratic"));
        Assert.All(fit.Trace, s => Assert.Equal(1.0, s.StepLength));
    }

    [Fact]
    public void AFloat32HessianReachesTheSameMinimumAsTheExactOne()
    {
        var (x, y) = Synthetic(n: 400, seed: 11);
        var exact = LogisticRegressionNewton.Fit(x, D, y, new LogisticRegressionOptions { Lambda = 0.1, GradientTolerance = 1e-10, HessianPrecision = Nn.Models.Precision.Float64 });
        var single = LogisticRegressionNewton.Fit(x, D, y, new LogisticRegressionOptions { Lambda = 0.1, GradientTolerance = 1e-10, HessianPrecision = Nn.Models.Precision.Float32 });

        Assert.Equal(LogisticRegressionOutcome.Converged, single.Outcome);
        Assert.InRange(single.Iterations, exact.Iterations, exact.Iterations + 2);
        Assert.All(Gradient(x, y, [.. single.Weights], single.Intercept, 0.1), gj => Assert.InRange(Math.Abs(gj), 0, 1e-9));
        Assert.Equal(exact.Objective, single.Objective, 1e-10);
        for (var j = 0; j < D; j++)
        {
            Assert.Equal(exact.Weights[j], single.Weights[j], 1e-8);
        }

        // The directions differ by the float32 rounding of the Hessian: the iterates on the way are close but not the same
        // bits (at the minimum both may round to the same objective).
        Assert.Contains(exact.Trace.Zip(single.Trace), pair => pair.First.Objective != pair.Second.Objective);
    }

    [Fact]
    public void AnAllZeroFeatureWithoutPenaltyGivesASingularHessian()
    {
        var (x, y) = Synthetic();
        var withZero = new double[(D + 1) * y.Length];
        for (var i = 0; i < y.Length; i++)
        {
            x.AsSpan(i * D, D).CopyTo(withZero.AsSpan(i * (D + 1)));
        }

        var fit = LogisticRegressionNewton.Fit(withZero, D + 1, y, new LogisticRegressionOptions { Lambda = 0 });

        Assert.Equal(LogisticRegressionOutcome.Singular, fit.Outcome);
        Assert.Contains("positive definite", fit.Failure, StringComparison.Ordinal);
        Assert.Empty(fit.Trace);
    }

    [Fact]
    public void ATooSmallStepBudgetReportsNotConvergedWithTheLastIterate()
    {
        var (x, y) = Synthetic();
        var fit = LogisticRegressionNewton.Fit(x, D, y, new LogisticRegressionOptions { MaxIterations = 1 });

        Assert.Equal(LogisticRegressionOutcome.NotConverged, fit.Outcome);
        Assert.Equal(1, fit.Iterations);
        Assert.Equal(Objective(x, y, [.. fit.Weights], fit.Intercept, 1.0), fit.Objective, 1e-10);
        Assert.True(fit.Objective < fit.Trace[0].Objective);
    }

    [Fact]
    public void TheDecisionValuesAreTheMarginsOfTheFittedModel()
    {
        var (x, y) = Synthetic();
        var fit = LogisticRegressionNewton.Fit(x, D, y);

        var z = fit.Decision(x.AsSpan(0, 2 * D));
        Assert.Equal(2, z.Length);
        Assert.Equal(fit.Intercept + Enumerable.Range(0, D).Sum(j => fit.Weights[j] * x[D + j]), z[1], 1e-14);
    }

    [Fact]
    public void BadInputIsRejectedWithMessagesNamingTheArgumentAndSizes()
    {
        var (x, y) = Synthetic(n: 4);

        var shape = Assert.Throws<ArgumentException>("features", () => LogisticRegressionNewton.Fit(x.AsSpan(1), D, y));
        Assert.Contains("11 values but featureCount 3 × 4 labels needs 12", shape.Message, StringComparison.Ordinal);

        var nan = (double[])x.Clone();
        nan[7] = double.NaN;
        var nonFinite = Assert.Throws<ArgumentException>("features", () => LogisticRegressionNewton.Fit(nan, D, y));
        Assert.Contains("feature 1 of sample 2", nonFinite.Message, StringComparison.Ordinal);

        double[] badLabels = [0, 1, 2, 0];
        var label = Assert.Throws<ArgumentException>("labels", () => LogisticRegressionNewton.Fit(x, D, badLabels));
        Assert.Contains("labels[2] is 2", label.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>("labels", () => LogisticRegressionNewton.Fit([], D, []));
        Assert.Throws<ArgumentOutOfRangeException>("featureCount", () => LogisticRegressionNewton.Fit(x, 0, y));
        Assert.Throws<ArgumentOutOfRangeException>("Lambda", () => new LogisticRegressionOptions { Lambda = -1 });
        Assert.Throws<ArgumentOutOfRangeException>("GradientTolerance", () => new LogisticRegressionOptions { GradientTolerance = 0 });
        Assert.Throws<ArgumentOutOfRangeException>("HessianPrecision", () => new LogisticRegressionOptions { HessianPrecision = (Nn.Models.Precision)7 });
    }
}
