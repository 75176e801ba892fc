namespace Nn.Newton;

/// <summary>How a one-dimensional Newton iteration ended.</summary>
public enum NewtonOutcome
{
    /// <summary>A stopping test of <see cref="NewtonOptions"/> held; the last iterate is the answer.</summary>
    Converged,

    /// <summary>The derivative was exactly zero at the last iterate, so no Newton step exists there.</summary>
    ZeroDerivative,

    /// <summary>The last iterate, or the function or derivative value at it, is NaN or infinite.</summary>
    NonFiniteIterate,

    /// <summary>The maximum number of steps was taken without meeting a stopping test.</summary>
    NoConvergence,
}
