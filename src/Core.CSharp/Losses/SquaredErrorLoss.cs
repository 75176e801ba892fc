using System.Numerics;
using System.Numerics.Tensors;
using Nn.Activations;
using Nn.LinearAlgebra;

namespace Nn.Losses;

/// <summary>
/// Squared error L(ŷ, y) = ½ Σₖ (ŷₖ − yₖ)², with ∂L/∂ŷ = ŷ − y; the gradient with respect to z is that vector
/// passed back through the output activation (lecture 004). Works after any output activation.
/// The ½ makes the derivative exactly ŷ − y; the metric "MSE" (mean over all values, no ½) is a different number.
/// </summary>
public sealed record SquaredErrorLoss : Loss
{
    private SquaredErrorLoss()
    {
    }

    /// <summary>The single instance.</summary>
    public static SquaredErrorLoss Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "mse";

    /// <summary>L = ½(ŷ − y)² for one output value.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static T Value<T>(T prediction, T y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = prediction - y;
        return d * d / T.CreateTruncating(2);
    }

    /// <summary>∂L/∂ŷ = ŷ − y.</summary>
    public static T Derivative<T>(T prediction, T y)
        where T : unmanaged, IFloatingPointIeee754<T> => prediction - y;

    /// <inheritdoc />
    public override void CheckOutputActivation(Activation output) => ArgumentNullException.ThrowIfNull(output);

    /// <inheritdoc />
    public override void CheckTargets<T>(ReadOnlySpan<T> y, int units, string argument)
    {
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override T Total<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units)
    {
        var sum = T.Zero;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Value(a[i], y[i]);
        }

        return sum;
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void OutputGradient<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> dz, int units)
    {
        ArgumentNullException.ThrowIfNull(output);
        ShortSpans.Subtract(a, y, dz);
        output.Backward(z, a, dz, dz, units);
    }

    /// <summary>
    /// dz = J_g(z)ᵀ(a − y), so R{dz} = J_g(z)ᵀR{a} + R{J_g(z)}ᵀ(a − y): the Gauss–Newton term plus the output
    /// activation's curvature weighted by the residual (zero for an identity output).
    /// </summary>
    internal override void OutputGradientTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units)
    {
        var residual = new T[a.Length];
        TensorPrimitives.Subtract(a, y, residual);
        output.BackwardTangent<T>(z, a, residual, rz, ra, ra, rdz, units);
    }

    /// <summary>L is ½‖a − y‖², convex in a with Hessian I, so the Gauss–Newton factor is J_g(z)ᵀ·R{a}.</summary>
    internal override void GaussNewtonOutputTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units) =>
        output.Backward(z, a, ra, rdz, units);
}
