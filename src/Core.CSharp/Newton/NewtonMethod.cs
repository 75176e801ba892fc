using System.Collections.Immutable;
using System.Globalization;

namespace Nn.Newton;

/// <summary>
/// Newton's method in one dimension, for roots and for minimisation.
/// </summary>
/// <remarks>
/// <para>Root finding: <c>x_{k+1} = x_k − f(x_k)/f′(x_k)</c>. Minimisation of <c>g</c> looks for a zero of <c>g′</c>, so
/// <c>f = g′</c> and <c>f′ = g″</c>: <c>x_{k+1} = x_k − g′(x_k)/g″(x_k)</c> (lecture notes 003, "Newton's method for
/// optimization"). Near a simple root the error roughly squares each step,
/// <c>e_{k+1} ≈ |f″(x*) / 2f′(x*)|·e_k²</c> (Nocedal &amp; Wright, <em>Numerical Optimization</em>, 2nd ed., Thm. 11.2).</para>
/// <para>Minimisation finds a stationary point: it is a minimum when <c>g″ &gt; 0</c> there, which the last
/// <see cref="NewtonIterate.Derivative"/> of the trace shows.</para>
/// <para>Expected failures (a zero derivative, a NaN or infinite iterate or value, no convergence within the step budget)
/// come back in <see cref="NewtonResult.Outcome"/>; only programming errors throw. NaN policy: a NaN or infinity in
/// an iterate, residual or derivative ends the run with <see cref="NewtonOutcome.NonFiniteIterate"/>, and that point is
/// the last entry of the trace.</para>
/// </remarks>
public static class NewtonMethod
{
    /// <summary>Finds a root of <paramref name="f"/> with its given derivative.</summary>
    /// <param name="f">The function whose zero is sought.</param>
    /// <param name="derivative">Its derivative <c>f′</c>.</param>
    /// <param name="x0">The starting point.</param>
    /// <param name="options">Stopping rules; <see cref="NewtonOptions.Default"/> when null.</param>
    /// <returns>The trace and outcome.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> or <paramref name="derivative"/> is null.</exception>
    /// <exception cref="ArgumentException">Both tolerances of <paramref name="options"/> are switched off.</exception>
    public static NewtonResult Root(Func<double, double> f, Func<double, double> derivative, double x0, NewtonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(derivative);
        return Iterate(x => (f(x), derivative(x)), x0, Checked(options));
    }

    /// <summary>Finds a root of <paramref name="f"/>, its derivative estimated by central differences (see <see cref="FiniteDifference"/>).</summary>
    /// <param name="f">The function whose zero is sought; it must be defined within about 6e-6·max(1, |x|) of each iterate.</param>
    /// <param name="x0">The starting point.</param>
    /// <param name="options">Stopping rules; <see cref="NewtonOptions.Default"/> when null. Because the slope carries a relative error of
    /// about 1e-10, convergence is quadratic only until the error reaches that level.</param>
    /// <returns>The trace and outcome.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="ArgumentException">Both tolerances of <paramref name="options"/> are switched off.</exception>
    public static NewtonResult Root(Func<double, double> f, double x0, NewtonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Iterate(x => (f(x), FiniteDifference.CentralFirst(f, x)), x0, Checked(options));
    }

    /// <summary>Finds a stationary point of <c>g</c> from its given first and second derivatives.</summary>
    /// <param name="gradient">The first derivative <c>g′</c>.</param>
    /// <param name="curvature">The second derivative <c>g″</c>.</param>
    /// <param name="x0">The starting point.</param>
    /// <param name="options">Stopping rules; the residual test applies to <c>|g′(x)|</c>. <see cref="NewtonOptions.Default"/> when null.</param>
    /// <returns>The trace of <c>(x_k, g′(x_k), g″(x_k))</c> and the outcome.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="gradient"/> or <paramref name="curvature"/> is null.</exception>
    /// <exception cref="ArgumentException">Both tolerances of <paramref name="options"/> are switched off.</exception>
    public static NewtonResult Minimize(Func<double, double> gradient, Func<double, double> curvature, double x0, NewtonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        ArgumentNullException.ThrowIfNull(curvature);
        return Iterate(x => (gradient(x), curvature(x)), x0, Checked(options));
    }

    /// <summary>
    /// Finds a stationary point of <paramref name="g"/>, with <c>g′</c> and <c>g″</c> estimated by central differences
    /// (see <see cref="FiniteDifference"/>; five evaluations of <paramref name="g"/> per step).
    /// </summary>
    /// <param name="g">The function to minimise; it must be defined within about 1.2e-4·max(1, |x|) of each iterate.</param>
    /// <param name="x0">The starting point.</param>
    /// <param name="options">Stopping rules; the residual test applies to the estimated <c>|g′(x)|</c>, whose absolute error is about
    /// 1e-10·max(1, |g|), so tolerances below that level may never be met. <see cref="NewtonOptions.Default"/> when null.</param>
    /// <returns>The trace of <c>(x_k, g′(x_k), g″(x_k))</c>, both estimated, and the outcome.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="g"/> is null.</exception>
    /// <exception cref="ArgumentException">Both tolerances of <paramref name="options"/> are switched off.</exception>
    public static NewtonResult Minimize(Func<double, double> g, double x0, NewtonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        return Iterate(x => (FiniteDifference.CentralFirst(g, x), FiniteDifference.CentralSecond(g, x)), x0, Checked(options));
    }

    private static NewtonOptions Checked(NewtonOptions? options)
    {
        options ??= NewtonOptions.Default;
        if (options.StepTolerance is null && options.ResidualTolerance is null)
        {
            throw new ArgumentException("Both StepTolerance and ResidualTolerance are null: at least one stopping test must be on.", nameof(options));
        }

        return options;
    }

    private static NewtonResult Iterate(Func<double, (double Value, double Derivative)> evaluate, double x0, NewtonOptions options)
    {
        var trace = ImmutableArray.CreateBuilder<NewtonIterate>();
        var x = x0;
        double? lastStep = null;
        for (var k = 0; ; k++)
        {
            var (fx, dfx) = double.IsFinite(x) ? evaluate(x) : (double.NaN, double.NaN);
            trace.Add(new NewtonIterate(x, fx, dfx));

            if (!double.IsFinite(x) || !double.IsFinite(fx) || !double.IsFinite(dfx))
            {
                return Stop(trace, NewtonOutcome.NonFiniteIterate, Format($"Iterate {k} is x = {x:R} with f(x) = {fx:R} and f'(x) = {dfx:R}: not all finite."));
            }

            if ((options.ResidualTolerance is { } ftol && Math.Abs(fx) <= ftol) ||
                (options.StepTolerance is { } xtol && lastStep is { } s && Math.Abs(s) <= xtol))
            {
                return Stop(trace, NewtonOutcome.Converged, null);
            }

            if (k == options.MaxIterations)
            {
                return Stop(trace, NewtonOutcome.NoConvergence, Format($"No convergence after {k} Newton steps; last iterate x = {x:R} with f(x) = {fx:R}."));
            }

            if (dfx == 0)
            {
                return Stop(trace, NewtonOutcome.ZeroDerivative, Format($"The derivative is zero at iterate {k}, x = {x:R} (f(x) = {fx:R}): no Newton step exists."));
            }

            var step = fx / dfx;
            lastStep = step;
            x -= step;
        }
    }

    private static NewtonResult Stop(ImmutableArray<NewtonIterate>.Builder trace, NewtonOutcome outcome, string? failure) =>
        new() { Trace = trace.ToImmutable(), Outcome = outcome, Failure = failure };

    private static string Format(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
