using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Activations;

/// <summary>Rectified linear unit: g(z) = max(0, z), g′(z) = 1 for z &gt; 0 and 0 otherwise (0 at the kink, as PyTorch), g″(z) = 0.</summary>
public sealed record ReluActivation : ElementwiseActivation
{
    private ReluActivation()
    {
    }

    /// <summary>The single instance.</summary>
    public static ReluActivation Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "relu";

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override T Apply<T>(T z) => z > T.Zero ? z : (T.IsNaN(z) ? z : T.Zero);

    /// <inheritdoc />
    public override T Derivative<T>(T z, T a) => z > T.Zero ? T.One : (T.IsNaN(z) ? z : T.Zero);

    /// <summary>g″(z) = 0 away from the kink (taken as 0 at z = 0 too; NaN stays NaN).</summary>
    internal override T SecondDerivative<T>(T z, T a) => T.IsNaN(z) ? z : T.Zero;

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units) => TensorPrimitives.Max(z, T.Zero, a);

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units) => Kernels.RectifierBackward(z, da, dz, T.Zero);
}
