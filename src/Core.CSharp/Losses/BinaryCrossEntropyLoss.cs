using System.Numerics;
using System.Numerics.Tensors;
using Nn.Activations;
using Nn.LinearAlgebra;

namespace Nn.Losses;

/// <summary>
/// Binary cross-entropy L(ŷ, y) = −y log ŷ − (1 − y) log(1 − ŷ) with ŷ = σ(z) (lecture 003).
/// Substituting σ gives L = log(1 + eᶻ) − y·z, evaluated as max(z, 0) + log(1 + e^−|z|) − y·z, which never takes
/// log(0) and stays finite for any finite z. Its derivative is ∂L/∂z = σ(z) − y = a − y (lecture 001: dJ/dz = a − y).
/// Targets may be any value in [0, 1] (soft labels); each output unit is an independent binary problem.
/// </summary>
public sealed record BinaryCrossEntropyLoss : Loss
{
    private BinaryCrossEntropyLoss()
    {
    }

    /// <summary>The single instance.</summary>
    public static BinaryCrossEntropyLoss Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "bce";

    /// <summary>L = log(1 + eᶻ) − y·z for one logit z and target y.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static T Value<T>(T z, T y)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.Max(z, T.Zero) + T.LogP1(T.Exp(-T.Abs(z))) - (y * z);

    /// <summary>∂L/∂z = a − y, where a = σ(z).</summary>
    public static T Derivative<T>(T a, T y)
        where T : unmanaged, IFloatingPointIeee754<T> => a - y;

    /// <inheritdoc />
    public override void CheckOutputActivation(Activation output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output is not SigmoidActivation)
        {
            throw new ArgumentException($"Binary cross-entropy needs a sigmoid output layer, but the output activation is {output.Name}.", nameof(output));
        }
    }

    /// <inheritdoc />
    public override void CheckTargets<T>(ReadOnlySpan<T> y, int units, string argument)
    {
        for (var i = 0; i < y.Length; i++)
        {
            if (y[i] < T.Zero || y[i] > T.One)
            {
                throw new ArgumentException($"{argument}[{i % units}, {i / units}] is {Guard.Format(y[i])}: binary cross-entropy labels must be in [0, 1].", argument);
            }
        }
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override T Total<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units)
    {
        var sum = T.Zero;
        for (var i = 0; i < z.Length; i++)
        {
            sum += Value(z[i], y[i]);
        }

        return sum;
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void OutputGradient<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> dz, int units) =>
        ShortSpans.Subtract(a, y, dz);

    /// <summary>dz = a − y, so R{dz} = R{a}: ∂²L/∂z² = σ′(z) = a(1 − a), so R{dz} = a(1 − a) ⊙ R{z} = R{a}. The targets drop out.</summary>
    internal override void OutputGradientTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units) =>
        ra.CopyTo(rdz);

    /// <summary>The loss is convex in the logits, so the Gauss–Newton factor is the whole Hessian: R{dz} = R{a}.</summary>
    internal override void GaussNewtonOutputTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units) =>
        ra.CopyTo(rdz);
}
