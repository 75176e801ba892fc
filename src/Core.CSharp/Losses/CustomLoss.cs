using System.Buffers;
using System.Numerics;
using Nn.Activations;

namespace Nn.Losses;

/// <summary>L(ŷ, y) for one observation: its output column ŷ and target column y.</summary>
public delegate double LossValue(ReadOnlySpan<double> output, ReadOnlySpan<double> target);

/// <summary>∂L/∂ŷ for one observation, written into <paramref name="gradient"/> (the length of ŷ).</summary>
public delegate void LossGradient(ReadOnlySpan<double> output, ReadOnlySpan<double> target, Span<double> gradient);

/// <summary>(∂²L/∂ŷ²)·v for one observation and a direction v, written into <paramref name="result"/>.</summary>
public delegate void LossCurvature(ReadOnlySpan<double> output, ReadOnlySpan<double> target, ReadOnlySpan<double> direction, Span<double> result);

/// <summary>
/// A user's own loss, built by <see cref="Loss.Custom"/> from float64 functions of one observation's output
/// ŷ = a[L] (after the output activation) and target y: L(ŷ, y), the gradient ∂L/∂ŷ (required), and optionally the
/// curvature product (∂²L/∂ŷ²)·v, which exact Hessian and Gauss–Newton products need — second-order stages refuse a
/// loss without it. Backpropagation continues through the output activation's own Jacobian, so any output activation
/// works; for the Gauss–Newton matrix to be positive semi-definite ∂²L/∂ŷ² must be.
/// </summary>
/// <remarks>
/// Each observation is converted to float64, handed to the delegates and the results rounded back once; a step with a
/// custom loss allocates a buffer of the batch's size. Targets are taken as they are (finite, as every target).
/// </remarks>
public sealed record CustomLoss : Loss
{
    private readonly LossValue value;
    private readonly LossGradient gradient;
    private readonly LossCurvature? curvature;

    internal CustomLoss(string name, LossValue value, LossGradient gradient, LossCurvature? curvature)
    {
        (Name, this.value, this.gradient, this.curvature) = (name, value, gradient, curvature);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>True when a curvature product was given, so second-order stages can use this loss.</summary>
    public bool HasCurvature => curvature is not null;

    /// <inheritdoc />
    /// <remarks>A custom loss works after any output activation.</remarks>
    public override void CheckOutputActivation(Activation output) => ArgumentNullException.ThrowIfNull(output);

    /// <inheritdoc />
    /// <remarks>A custom loss takes any finite target.</remarks>
    public override void CheckTargets<T>(ReadOnlySpan<T> y, int units, string argument)
    {
    }

    /// <inheritdoc />
    public override T Total<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units)
    {
        var (output, target) = (new double[units], new double[units]);
        var sum = 0.0;
        for (var column = 0; column < a.Length; column += units)
        {
            Widen(a.Slice(column, units), output);
            Widen(y.Slice(column, units), target);
            sum += value(output, target);
        }

        return T.CreateTruncating(sum);
    }

    /// <inheritdoc />
    public override void OutputGradient<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> dz, int units)
    {
        var da = ArrayPool<T>.Shared.Rent(a.Length);
        try
        {
            PerObservation(a, y, units, da, (o, t, g) => gradient(o, t, g));
            output.Backward(z, a, da.AsSpan(0, a.Length), dz, units);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(da);
        }
    }

    /// <inheritdoc />
    internal override void OutputGradientTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units)
    {
        // R{dz} = J_gᵀ·(∂²L/∂ŷ²·R{ŷ}) + R{J_g}ᵀ·∂L/∂ŷ: the output activation's backward tangent with R{da} = H_L·R{a}.
        var da = new T[a.Length];
        PerObservation(a, y, units, da, (o, t, g) => gradient(o, t, g));
        var rda = CurvatureTimes(a, y, ra, units);
        output.BackwardTangent(z, a, da, rz, ra, rda, rdz, units);
    }

    /// <inheritdoc />
    internal override void GaussNewtonOutputTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units)
    {
        // The split at the outputs ŷ: G's factor is J_gᵀ·H_L·J_g, applied to R{z} as J_gᵀ·(H_L·R{a}).
        var rda = CurvatureTimes(a, y, ra, units);
        output.Backward(z, a, rda, rdz, units);
    }

    /// <inheritdoc />
    public bool Equals(CustomLoss? other) =>
        other is not null && other.Name == Name && other.value == value && other.gradient == gradient && other.curvature == curvature;

    /// <inheritdoc />
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    private T[] CurvatureTimes<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> direction, int units)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var product = curvature ?? throw new NotSupportedException($"The loss '{Name}' has no curvature product, which second-order stages need: give one to Loss.Custom, or train it with a first-order optimizer.");
        var result = new T[a.Length];
        var (output, target, v, hv) = (new double[units], new double[units], new double[units], new double[units]);
        for (var column = 0; column < a.Length; column += units)
        {
            Widen(a.Slice(column, units), output);
            Widen(y.Slice(column, units), target);
            Widen(direction.Slice(column, units), v);
            product(output, target, v, hv);
            for (var i = 0; i < units; i++)
            {
                result[column + i] = T.CreateTruncating(hv[i]);
            }
        }

        return result;
    }

    private static void PerObservation<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units, Span<T> destination, Action<double[], double[], double[]> f)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (output, target, result) = (new double[units], new double[units], new double[units]);
        for (var column = 0; column < a.Length; column += units)
        {
            Widen(a.Slice(column, units), output);
            Widen(y.Slice(column, units), target);
            f(output, target, result);
            for (var i = 0; i < units; i++)
            {
                destination[column + i] = T.CreateTruncating(result[i]);
            }
        }
    }

    private static void Widen<T>(ReadOnlySpan<T> source, Span<double> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = double.CreateTruncating(source[i]);
        }
    }
}
