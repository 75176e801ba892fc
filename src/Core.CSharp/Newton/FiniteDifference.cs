namespace Nn.Newton;

/// <summary>
/// Central finite-difference derivatives of a scalar function, with the step chosen to balance truncation
/// against rounding error (Nocedal &amp; Wright, <em>Numerical Optimization</em>, 2nd ed., §8.1).
/// </summary>
/// <remarks>
/// <para>First derivative: <c>f′(x) ≈ (f(x+h) − f(x−h)) / 2h</c>, truncation error <c>h²·f‴/6</c> and rounding error
/// about <c>ε·|f|/h</c>; the total is smallest near <c>h = ε^{1/3}·max(1, |x|)</c> ≈ 6.1e-6·max(1, |x|).</para>
/// <para>Second derivative: <c>f″(x) ≈ (f(x+h) − 2f(x) + f(x−h)) / h²</c>, truncation error <c>h²·f⁗/12</c> and
/// rounding error about <c>4ε·|f|/h²</c>; the total is smallest near <c>h = ε^{1/4}·max(1, |x|)</c> ≈ 1.2e-4·max(1, |x|).</para>
/// <para>The step is rounded so that <c>x + h</c> and <c>x − h</c> are exactly <c>h</c> away from <c>x</c> in floating point.
/// The function must be defined on <c>[x − h, x + h]</c>. NaN or infinity in any sampled value propagates to the result.</para>
/// </remarks>
public static class FiniteDifference
{
    /// <summary><c>ε^{1/3}</c> with <c>ε = 2⁻⁵²</c>: the relative step for a central first difference.</summary>
    public static readonly double FirstDerivativeRelativeStep = Math.Cbrt(Math.Pow(2, -52));

    /// <summary><c>ε^{1/4}</c> with <c>ε = 2⁻⁵²</c>: the relative step for a central second difference.</summary>
    public static readonly double SecondDerivativeRelativeStep = Math.Pow(2, -13);

    /// <summary>The central-difference estimate of <c>f′(x)</c> (see the class remarks for the step).</summary>
    /// <param name="f">The function; called twice.</param>
    /// <param name="x">The point; a non-finite <paramref name="x"/> gives NaN.</param>
    /// <returns><c>(f(x+h) − f(x−h)) / 2h</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    public static double Derivative(Func<double, double> f, double x)
    {
        ArgumentNullException.ThrowIfNull(f);
        return CentralFirst(f, x);
    }

    /// <summary>The central-difference estimate of <c>f″(x)</c> (see the class remarks for the step).</summary>
    /// <param name="f">The function; called three times.</param>
    /// <param name="x">The point; a non-finite <paramref name="x"/> gives NaN.</param>
    /// <returns><c>(f(x+h) − 2f(x) + f(x−h)) / h²</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    public static double SecondDerivative(Func<double, double> f, double x)
    {
        ArgumentNullException.ThrowIfNull(f);
        return CentralSecond(f, x);
    }

    internal static double CentralFirst(Func<double, double> f, double x)
    {
        var h = Step(x, FirstDerivativeRelativeStep);
        return (f(x + h) - f(x - h)) / (2 * h);
    }

    internal static double CentralSecond(Func<double, double> f, double x)
    {
        var h = Step(x, SecondDerivativeRelativeStep);
        return (f(x + h) - (2 * f(x)) + f(x - h)) / (h * h);
    }

    // Scale the relative step by max(1, |x|), then round it so that (x + h) − x == h exactly:
    // otherwise the representation error of x + h enters the quotient undivided.
    private static double Step(double x, double relative)
    {
        if (!double.IsFinite(x))
        {
            return double.NaN;
        }

        var h = relative * Math.Max(1.0, Math.Abs(x));
        return (x + h) - x;
    }
}
