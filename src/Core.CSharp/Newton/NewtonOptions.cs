namespace Nn.Newton;

/// <summary>
/// Stopping rules for the one-dimensional Newton iteration <c>x_{k+1} = x_k − f(x_k)/f′(x_k)</c>.
/// </summary>
/// <remarks>
/// The iteration has converged as soon as <em>either</em> configured test holds:
/// the step test <c>|x_{k+1} − x_k| ≤ StepTolerance</c>, or the residual test <c>|f(x_k)| ≤ ResidualTolerance</c>.
/// A tolerance set to <see langword="null"/> switches that test off; at least one must stay on.
/// The tolerances are absolute. Setting a tolerance that is not a positive finite number, or a
/// maximum that is not positive, throws from the <c>init</c> accessor, so no invalid options value exists.
/// </remarks>
public sealed record NewtonOptions
{
    private readonly double? stepTolerance = 1e-10;
    private readonly double? residualTolerance;
    private readonly int maxIterations = 100;

    /// <summary>The default options: step tolerance 1e-10, no residual test, at most 100 Newton steps.</summary>
    public static NewtonOptions Default { get; } = new();

    /// <summary>Converged when a Newton step moves x by at most this much (absolute). Default 1e-10; <see langword="null"/> switches the test off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative, NaN or infinite.</exception>
    public double? StepTolerance
    {
        get => stepTolerance;
        init => stepTolerance = CheckTolerance(value, nameof(StepTolerance));
    }

    /// <summary>Converged at an iterate where <c>|f(x)|</c> (or <c>|g′(x)|</c> when minimising) is at most this much. Default <see langword="null"/> (off).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative, NaN or infinite.</exception>
    public double? ResidualTolerance
    {
        get => residualTolerance;
        init => residualTolerance = CheckTolerance(value, nameof(ResidualTolerance));
    }

    /// <summary>The largest number of Newton steps taken before giving up with <see cref="NewtonOutcome.NoConvergence"/>. Default 100.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxIterations
    {
        get => maxIterations;
        init => maxIterations = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxIterations), value, $"{nameof(MaxIterations)} must be at least 1 but is {value}.");
    }

    private static double? CheckTolerance(double? value, string name) =>
        value is not { } v || (double.IsFinite(v) && v > 0)
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number (or null to switch the test off) but is {value}.");
}
