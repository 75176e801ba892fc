namespace Nn.Newton;

/// <summary>
/// Settings of <see cref="LogisticRegressionNewton.Fit"/>: the L2 strength and the stopping rules.
/// </summary>
/// <remarks>Invalid values throw from the <c>init</c> accessors, so no invalid options value exists.</remarks>
public sealed record LogisticRegressionOptions
{
    private readonly double lambda = 1.0;
    private readonly double gradientTolerance = 1e-6;
    private readonly int maxIterations = 100;

    /// <summary>λ = 1, max|∇| ≤ 1e-6, at most 100 Newton steps.</summary>
    public static LogisticRegressionOptions Default { get; } = new();

    /// <summary>
    /// The L2 strength λ in <c>Σᵢ logloss + λ‖w‖²/2</c>; scikit-learn's <c>C</c> is <c>1/λ</c>. Zero is allowed (no penalty),
    /// but then separable or rank-deficient data give a singular Hessian. Default 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public double Lambda
    {
        get => lambda;
        init => lambda = double.IsFinite(value) && value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Lambda), value, $"{nameof(Lambda)} must be finite and non-negative but is {value}.");
    }

    /// <summary>Converged when every component of the gradient (weights and intercept) is at most this in magnitude. Default 1e-6.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative, NaN or infinite.</exception>
    public double GradientTolerance
    {
        get => gradientTolerance;
        init => gradientTolerance = double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(GradientTolerance), value, $"{nameof(GradientTolerance)} must be a positive finite number but is {value}.");
    }

    /// <summary>The largest number of Newton steps before giving up with <see cref="LogisticRegressionOutcome.NotConverged"/>. Default 100.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxIterations
    {
        get => maxIterations;
        init => maxIterations = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxIterations), value, $"{nameof(MaxIterations)} must be at least 1 but is {value}.");
    }
}
