using Nn.Newton;

namespace Nn.Tests.Newton;

public sealed class NewtonMethodTests
{
    // Lecture notes 003: g(x) = eˣ − ln x, g′(x) = eˣ − 1/x, g″(x) = eˣ + 1/x², x₀ = 0.05.
    private static double G(double x) => Math.Exp(x) - Math.Log(x);

    private static double GPrime(double x) => Math.Exp(x) - (1 / x);

    private static double GSecond(double x) => Math.Exp(x) + (1 / (x * x));

    private static readonly double[] LectureIterates = [0.05, 0.097, 0.183, 0.320, 0.477, 0.558, 0.567];

    // The zero of eˣ − 1/x, i.e. the omega constant W(1).
    private const double Omega = 0.567143290409783873;

    [Fact]
    public void EachLectureStepFromTheRoundedPreviousIterateGivesTheNextIterateToThreeDecimals()
    {
        // The lecture works by hand: every iterate is rounded to three decimals before the next step.
        for (var k = 0; k + 1 < LectureIterates.Length; k++)
        {
            var step = NewtonMethod.Minimize(GPrime, GSecond, LectureIterates[k], new NewtonOptions { MaxIterations = 1 });

            Assert.Equal(2, step.Trace.Length);
            Assert.Equal(LectureIterates[k + 1], Math.Round(step.X, 3));
        }
    }

    [Fact]
    public void MinimisingTheLectureExampleInFullPrecisionStaysWithinRoundingOfTheLectureIterates()
    {
        // Unrounded, x₃ = 0.32052 (the lecture's 0.320 comes from the rounded x₂ = 0.183), so compare to ±1e-3.
        var result = NewtonMethod.Minimize(GPrime, GSecond, 0.05, new NewtonOptions { StepTolerance = null, ResidualTolerance = 1e-3 });

        Assert.Equal(NewtonOutcome.Converged, result.Outcome);
        Assert.Null(result.Failure);
        Assert.Equal(LectureIterates.Length, result.Trace.Length);
        for (var k = 0; k < LectureIterates.Length; k++)
        {
            Assert.Equal(LectureIterates[k], result.Trace[k].X, 1e-3);
        }
    }

    [Fact]
    public void MinimisingTheLectureExampleWithFiniteDifferencesGivesTheExactDerivativeIterates()
    {
        var exact = NewtonMethod.Minimize(GPrime, GSecond, 0.05, new NewtonOptions { StepTolerance = null, ResidualTolerance = 1e-3 });
        var numeric = NewtonMethod.Minimize(G, 0.05, new NewtonOptions { StepTolerance = null, ResidualTolerance = 1e-3 });

        Assert.True(numeric.Converged, numeric.Failure);
        Assert.Equal(exact.Trace.Length, numeric.Trace.Length);
        for (var k = 0; k < exact.Trace.Length; k++)
        {
            Assert.Equal(exact.Trace[k].X, numeric.Trace[k].X, 1e-6);
        }
    }

    [Fact]
    public void MinimisingTheLectureExampleWithFiniteDifferencesReachesTheMinimumClosely()
    {
        var exact = NewtonMethod.Minimize(GPrime, GSecond, 0.05);
        var numeric = NewtonMethod.Minimize(G, 0.05, new NewtonOptions { StepTolerance = 1e-8 });

        Assert.True(exact.Converged, exact.Failure);
        Assert.True(numeric.Converged, numeric.Failure);
        Assert.Equal(Omega, exact.X, 1e-14);
        Assert.Equal(Omega, numeric.X, 1e-8);
        Assert.True(numeric.Trace[^1].Derivative > 0, "g″ at the stationary point should be positive: it is a minimum.");
    }

    [Fact]
    public void TheErrorRoughlySquaresNearTheSolution()
    {
        var result = NewtonMethod.Minimize(GPrime, GSecond, 0.05);
        var errors = result.Trace.Select(p => Math.Abs(p.X - Omega)).ToArray();

        // Theory: e_{k+1} / e_k² → |f″(x*) / 2f′(x*)| with f = g′, i.e. |g‴(x*) / 2g″(x*)|.
        var limit = Math.Abs((Math.Exp(Omega) - (2 / (Omega * Omega * Omega))) / (2 * GSecond(Omega)));
        var ratios = new List<double>();
        for (var k = 0; k + 1 < errors.Length; k++)
        {
            // Only steps that start near the solution and whose next error is still above rounding level.
            if (errors[k] < 0.1 && errors[k + 1] > 1e-14)
            {
                ratios.Add(errors[k + 1] / (errors[k] * errors[k]));
            }
        }

        Assert.True(ratios.Count >= 2, $"expected at least two steps in the quadratic regime, got {ratios.Count}");
        Assert.All(ratios, r => Assert.InRange(r, 0.5 * limit, 1.5 * limit));
    }

    [Fact]
    public void FindsTheSquareRootOfTwoAsARootOfXSquaredMinusTwo()
    {
        var result = NewtonMethod.Root(x => (x * x) - 2, x => 2 * x, 1.0);

        Assert.Equal(NewtonOutcome.Converged, result.Outcome);
        Assert.Equal(Math.Sqrt(2), result.X, 1e-15);
        // From x₀ = 1: 1.5, 1.41666…, 1.41421568…, then machine precision within a few more steps.
        Assert.Equal(1.5, result.Trace[1].X);
        Assert.Equal(17.0 / 12.0, result.Trace[2].X, 1e-15);
        Assert.InRange(result.Iterations, 4, 7);
    }

    [Fact]
    public void FindsTheSquareRootOfTwoWithAFiniteDifferenceSlope()
    {
        var result = NewtonMethod.Root(x => (x * x) - 2, 1.0, new NewtonOptions { ResidualTolerance = 1e-14 });

        Assert.True(result.Converged, result.Failure);
        Assert.Equal(Math.Sqrt(2), result.X, 1e-14);
    }

    [Fact]
    public void StartingWhereTheDerivativeVanishesReportsAZeroDerivativeAtThatPoint()
    {
        var result = NewtonMethod.Root(x => (x * x) - 2, x => 2 * x, 0.0);

        Assert.Equal(NewtonOutcome.ZeroDerivative, result.Outcome);
        Assert.Equal(0.0, result.X);
        Assert.Single(result.Trace);
        Assert.Contains("x = 0", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ARootlessFunctionReportsNoConvergenceAfterTheStepBudget()
    {
        // x² + 1 has no real root: Newton's iterates wander chaotically.
        var result = NewtonMethod.Root(x => (x * x) + 1, x => 2 * x, 0.5, new NewtonOptions { MaxIterations = 25 });

        Assert.Equal(NewtonOutcome.NoConvergence, result.Outcome);
        Assert.Equal(25, result.Iterations);
        Assert.Contains("25", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AFunctionThatReturnsNaNReportsANonFiniteIterate()
    {
        // f(x) = ln x − 1 from x₀ = 20 overshoots to a negative x, where ln is NaN.
        var result = NewtonMethod.Root(x => Math.Log(x) - 1, x => 1 / x, 20.0);

        Assert.Equal(NewtonOutcome.NonFiniteIterate, result.Outcome);
        Assert.True(result.X < 0);
        Assert.True(double.IsNaN(result.Trace[^1].Value));
    }

    [Fact]
    public void ATinyDerivativeThatThrowsTheIterateToInfinityReportsANonFiniteIterate()
    {
        var result = NewtonMethod.Root(x => 1.0, x => double.Epsilon, 0.0);

        Assert.Equal(NewtonOutcome.NonFiniteIterate, result.Outcome);
        Assert.True(double.IsInfinity(result.X));
    }

    [Fact]
    public void NullFunctionsAndSwitchedOffTestsAreProgrammingErrors()
    {
        Assert.Throws<ArgumentNullException>("f", () => NewtonMethod.Root(null!, x => 1, 0));
        Assert.Throws<ArgumentNullException>("derivative", () => NewtonMethod.Root(x => x, null!, 0));
        Assert.Throws<ArgumentNullException>("g", () => NewtonMethod.Minimize(null!, 0));
        Assert.Throws<ArgumentException>("options", () => NewtonMethod.Root(x => x, x => 1, 0, new NewtonOptions { StepTolerance = null }));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-3)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ANonPositiveOrNonFiniteToleranceIsRejected(double tolerance)
    {
        Assert.Throws<ArgumentOutOfRangeException>("StepTolerance", () => new NewtonOptions { StepTolerance = tolerance });
        Assert.Throws<ArgumentOutOfRangeException>("ResidualTolerance", () => new NewtonOptions { ResidualTolerance = tolerance });
    }

    [Fact]
    public void AStepBudgetBelowOneIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>("MaxIterations", () => new NewtonOptions { MaxIterations = 0 });

    [Fact]
    public void FiniteDifferencesMatchKnownDerivativesOfTheExponential()
    {
        foreach (var x in new[] { -3.0, 0.0, 0.5, 4.0 })
        {
            Assert.Equal(Math.Exp(x), FiniteDifference.Derivative(Math.Exp, x), 1e-9 * Math.Exp(x));
            Assert.Equal(Math.Exp(x), FiniteDifference.SecondDerivative(Math.Exp, x), 1e-6 * Math.Exp(x));
        }
    }
}
