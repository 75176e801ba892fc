using System.Numerics;

namespace Nn.Activations;

/// <summary>Identity: g(z) = z, g′(z) = 1, g″(z) = 0. Linear layers stacked with it collapse to one matrix (lecture 002).</summary>
public sealed record IdentityActivation : ElementwiseActivation
{
    private IdentityActivation()
    {
    }

    /// <summary>The single instance.</summary>
    public static IdentityActivation Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "identity";

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override T Apply<T>(T z) => z;

    /// <inheritdoc />
    public override T Derivative<T>(T z, T a) => T.One;

    /// <summary>g″(z) = 0.</summary>
    internal override T SecondDerivative<T>(T z, T a) => T.Zero;

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => z.CopyTo(a);

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units) => da.CopyTo(dz);
}
