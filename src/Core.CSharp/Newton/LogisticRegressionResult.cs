using System.Collections.Immutable;
using Nn.LinearAlgebra;

namespace Nn.Newton;

/// <summary>How a Newton fit of logistic regression ended.</summary>
public enum LogisticRegressionOutcome
{
    /// <summary>max|∇| fell to the tolerance.</summary>
    Converged,

    /// <summary>The step budget ran out, or the line search found no decrease; the result holds the last iterate.</summary>
    NotConverged,

    /// <summary>The Hessian was not numerically positive definite, so its Cholesky factorisation failed; the result holds the last iterate.</summary>
    Singular,
}

/// <summary>One Newton step: the state it started from and how far along the Newton direction it went.</summary>
/// <param name="Objective">The objective before the step.</param>
/// <param name="MaxAbsGradient">max|∇| before the step, over weights and intercept.</param>
/// <param name="StepLength">The accepted line-search factor t in <c>θ ← θ − t·H⁻¹∇</c> (1 for a full Newton step).</param>
public readonly record struct IrlsStep(double Objective, double MaxAbsGradient, double StepLength);

/// <summary>
/// A logistic-regression model fitted by Newton's method, with the record of the fit.
/// </summary>
public sealed record LogisticRegressionResult
{
    /// <summary>The weights w, one per feature.</summary>
    public required ImmutableArray<double> Weights { get; init; }

    /// <summary>The intercept b (not penalised).</summary>
    public required double Intercept { get; init; }

    /// <summary>The objective <c>Σᵢ logloss(wᵀxᵢ + b, yᵢ) + λ‖w‖²/2</c> at the returned parameters.</summary>
    public required double Objective { get; init; }

    /// <summary>max|∇| at the returned parameters.</summary>
    public required double MaxAbsGradient { get; init; }

    /// <summary>One entry per Newton step taken, in order.</summary>
    public required ImmutableArray<IrlsStep> Trace { get; init; }

    /// <summary>Whether the fit converged, and if not, why it stopped.</summary>
    public required LogisticRegressionOutcome Outcome { get; init; }

    /// <summary>A one-line explanation when the fit did not converge; otherwise <see langword="null"/>.</summary>
    public string? Failure { get; init; }

    /// <summary>The number of Newton steps taken.</summary>
    public int Iterations => Trace.Length;

    /// <summary>
    /// The decision values <c>zᵢ = wᵀxᵢ + b</c> of samples laid out features × samples, column-major (sample i is the
    /// contiguous block <c>[i·d, (i+1)·d)</c>); <c>zᵢ &gt; 0</c> predicts class 1. NaN in a sample gives NaN for it.
    /// </summary>
    /// <param name="features">The samples, length a multiple of the feature count d.</param>
    /// <returns>One decision value per sample.</returns>
    /// <exception cref="ArgumentException">The length of <paramref name="features"/> is not a multiple of d.</exception>
    public double[] Decision(ReadOnlySpan<double> features)
    {
        var d = Weights.Length;
        if (d == 0 || features.Length % d != 0)
        {
            throw new ArgumentException($"features hold {features.Length} values, not a multiple of the {d} weights.", nameof(features));
        }

        var z = new double[features.Length / d];
        var w = Weights.AsSpan();
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = Reductions.Dot<double>(features.Slice(i * d, d), w) + Intercept;
        }

        return z;
    }
}
