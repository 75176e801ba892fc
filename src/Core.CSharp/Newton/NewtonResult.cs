using System.Collections.Immutable;

namespace Nn.Newton;

/// <summary>
/// The complete record of a one-dimensional Newton run: every iterate from <c>x_0</c> on, and how the run ended.
/// </summary>
/// <remarks>
/// <see cref="Trace"/> always holds at least <c>x_0</c>. Its last entry is the answer when <see cref="Outcome"/> is
/// <see cref="NewtonOutcome.Converged"/>, and otherwise the point where the run stopped: the iterate with a zero
/// derivative, the first non-finite iterate or value, or the last iterate allowed by the step budget.
/// Expected failures are reported here, never thrown.
/// </remarks>
public sealed record NewtonResult
{
    /// <summary>The iterates <c>x_0, x_1, …, x_n</c> with the residual and slope at each.</summary>
    public required ImmutableArray<NewtonIterate> Trace { get; init; }

    /// <summary>Whether the run converged, and if not, why it stopped.</summary>
    public required NewtonOutcome Outcome { get; init; }

    /// <summary>A one-line explanation of the failure naming the iterate; <see langword="null"/> when converged.</summary>
    public string? Failure { get; init; }

    /// <summary>The last iterate: the root or stationary point when converged.</summary>
    public double X => Trace[^1].X;

    /// <summary>The number of Newton steps taken, <c>Trace.Length − 1</c>.</summary>
    public int Iterations => Trace.Length - 1;

    /// <summary>True when <see cref="Outcome"/> is <see cref="NewtonOutcome.Converged"/>.</summary>
    public bool Converged => Outcome == NewtonOutcome.Converged;
}
