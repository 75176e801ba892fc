using Nn.Models;

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
    private readonly Precision hessianPrecision = Precision.Float32;

    /// <summary>λ = 1, max|∇| ≤ 1e-6, at most 100 Newton steps, the Hessian's product in float32.</summary>
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

    /// <summary>
    /// The precision of the Hessian's product <c>X̃ S X̃ᵀ</c>, the one O(n·d²) part of a step. Default
    /// <see cref="Precision.Float32"/>: the product runs in float32 (about twice as fast as float64), is widened to float64,
    /// and the penalty, the Cholesky factorisation, the solve, the gradient, the objective and the line search stay in
    /// float64. Only the direction of a step changes, by the Hessian's rounding error (relative ~10⁻⁶): every step is still a
    /// descent direction checked by the line search, and convergence is still judged by the float64 gradient, so the fit
    /// stops at the same tolerance and the same objective (for λ &gt; 0 within ‖∇‖²/(2λ) of the minimum); near the minimum
    /// convergence is no longer exactly quadratic, which may cost a step. When the float32 Hessian is not numerically
    /// positive definite or its step finds no decrease, that step and every later one use float64.
    /// <see cref="Precision.Float64"/> gives the exact Newton steps.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="Precision"/>.</exception>
    public Precision HessianPrecision
    {
        get => hessianPrecision;
        init => hessianPrecision = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HessianPrecision), value, $"{nameof(HessianPrecision)} must be Float32 or Float64 but is {value}.");
    }
}
