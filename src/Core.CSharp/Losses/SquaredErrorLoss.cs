using System.Numerics;
using System.Numerics.Tensors;
using Nn.Activations;

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
    public override void OutputGradient<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> dz, int units)
    {
        ArgumentNullException.ThrowIfNull(output);
        TensorPrimitives.Subtract(a, y, dz);
        output.Backward(z, a, dz, dz, units);
    }
}
