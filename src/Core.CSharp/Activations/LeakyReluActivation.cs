using System.Numerics;

namespace Nn.Activations;

/// <summary>Leaky ReLU: g(z) = z for z &gt; 0 and s·z otherwise; g′(z) = 1 for z &gt; 0 and s otherwise; g″(z) = 0 (z ≠ 0).</summary>
public sealed record LeakyReluActivation : ElementwiseActivation
{
    private readonly double slope;

    /// <summary>Creates a leaky ReLU with negative-side slope <paramref name="slope"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slope"/> is outside [0, 1) or not finite.</exception>
    public LeakyReluActivation(double slope)
    {
        Slope = slope;
    }

    /// <summary>The slope s for negative inputs, in [0, 1).</summary>
    public double Slope
    {
        get => slope;
        init => slope = double.IsFinite(value) && value >= 0 && value < 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Slope), value, $"Leaky ReLU slope must be in [0, 1) but is {value}.");
    }

    /// <inheritdoc />
    public override string Name => "leaky_relu";

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override T Apply<T>(T z) => z > T.Zero ? z : T.CreateTruncating(slope) * z;

    /// <inheritdoc />
    public override T Derivative<T>(T z, T a) => z > T.Zero ? T.One : (T.IsNaN(z) ? z : T.CreateTruncating(slope));

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => Kernels.LeakyForward(z, a, T.CreateTruncating(slope));

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units) => Kernels.RectifierBackward(z, da, dz, T.CreateTruncating(slope));

    /// <summary>g″(z) = 0 away from the kink (taken as 0 at z = 0 too; NaN stays NaN).</summary>
    internal override T SecondDerivative<T>(T z, T a) => T.IsNaN(z) ? z : T.Zero;

    /// <inheritdoc />
    public override string ToString() => $"leaky_relu({slope})";
}
