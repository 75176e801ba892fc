using System.Numerics;

namespace Nn.Activations;

/// <summary>Identity: g(z) = z, g′(z) = 1, g″(z) = 0. Linear layers stacked with it collapse to one matrix (lecture 002).</summary>
/// <remarks>Exact. NaN in z gives NaN in a; the derivatives do not look at z.</remarks>
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
    public override T Apply<T>(T z) => z;

    /// <inheritdoc />
    public override T Derivative<T>(T z) => T.One;

    /// <summary>g″(z) = 0.</summary>
    internal override T SecondDerivative<T>(T z) => T.Zero;

    /// <inheritdoc />
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => z.CopyTo(a);

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units) => da.CopyTo(dz);

    /// <summary>R{dz} = R{da}: g′ = 1 and g″ = 0.</summary>
    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units) =>
        rda.CopyTo(rdz);
}
