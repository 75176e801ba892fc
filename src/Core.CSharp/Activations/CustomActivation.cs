using System.Numerics;

namespace Nn.Activations;

/// <summary>
/// A user's own elementwise activation, built by <see cref="Activation.Custom"/> from scalar functions in float64:
/// g(z), its derivative g′(z) (required: backpropagation needs it) and optionally its second derivative g″(z) (needed
/// only by exact Hessian products — damped Newton and Hessian-free on the exact Hessian refuse a network without it;
/// Gauss–Newton products, Levenberg–Marquardt and L-BFGS do not need it). float32 values are computed in double and
/// rounded once.
/// </summary>
/// <remarks>
/// The functions are called once per value through a delegate, so a custom activation is slower than a built-in one;
/// it must be pure (same input, same output). NaN policy: whatever the functions return. A model file records the
/// activation's name; reading such a file back needs the activation passed to <c>ModelFile.Load</c>.
/// </remarks>
public sealed record CustomActivation : ElementwiseActivation
{
    private readonly Func<double, double> value;
    private readonly Func<double, double> derivative;
    private readonly Func<double, double>? secondDerivative;

    internal CustomActivation(string name, Func<double, double> value, Func<double, double> derivative, Func<double, double>? secondDerivative)
    {
        (Name, this.value, this.derivative, this.secondDerivative) = (name, value, derivative, secondDerivative);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>True when a second derivative was given, so exact Hessian products can use this activation.</summary>
    public bool HasSecondDerivative => secondDerivative is not null;

    /// <inheritdoc />
    public override T Apply<T>(T z) => T.CreateTruncating(value(double.CreateTruncating(z)));

    /// <inheritdoc />
    public override T Derivative<T>(T z) => T.CreateTruncating(derivative(double.CreateTruncating(z)));

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">No second derivative was given.</exception>
    internal override T SecondDerivative<T>(T z) => T.CreateTruncating(Second(double.CreateTruncating(z)));

    /// <inheritdoc />
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units)
    {
        for (var i = 0; i < z.Length; i++)
        {
            a[i] = Apply(z[i]);
        }
    }

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units)
    {
        for (var i = 0; i < z.Length; i++)
        {
            dz[i] = da[i] * Derivative(z[i]);
        }
    }

    /// <summary>R{dz} = R{da} ⊙ g′(z) + da ⊙ g″(z) ⊙ R{z}.</summary>
    /// <exception cref="NotSupportedException">No second derivative was given.</exception>
    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units)
    {
        for (var i = 0; i < z.Length; i++)
        {
            rdz[i] = (rda[i] * Derivative(z[i])) + (da[i] * SecondDerivative(z[i]) * rz[i]);
        }
    }

    /// <inheritdoc />
    public bool Equals(CustomActivation? other) =>
        other is not null && other.Name == Name && other.value == value && other.derivative == derivative && other.secondDerivative == secondDerivative;

    /// <inheritdoc />
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    private double Second(double z) =>
        secondDerivative is { } f
            ? f(z)
            : throw new NotSupportedException($"The activation '{Name}' has no second derivative, which exact Hessian products need: give one to Activation.Custom, or use Gauss-Newton curvature, Levenberg-Marquardt or L-BFGS.");
}
