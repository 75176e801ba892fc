using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Nn.LinearAlgebra;

/// <summary>
/// Elementwise operations that a tiny network runs on spans of a few elements: below <see cref="Short"/> elements a
/// plain loop, which costs less than the vectorised library call's checks and set-up; from there on
/// <see cref="TensorPrimitives"/>. Each element is the one IEEE operation either way, so both give the same bits.
/// </summary>
/// <remarks>
/// Unchecked beyond what the library checks: the destination must be at least as long as the inputs, and may be the
/// same span as an input but must not overlap it otherwise. NaN propagates as in the operation itself.
/// </remarks>
internal static class ShortSpans
{
    /// <summary>Spans shorter than this take the plain loop.</summary>
    private const int Short = 16;

    /// <summary>dᵢ = xᵢ − yᵢ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Subtract<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length >= Short || y.Length != x.Length || destination.Length < x.Length)
        {
            TensorPrimitives.Subtract(x, y, destination);
            return;
        }

        for (var i = 0; i < x.Length; i++)
        {
            destination[i] = x[i] - y[i];
        }
    }

    /// <summary>dᵢ = xᵢ·c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply<T>(ReadOnlySpan<T> x, T c, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length >= Short || destination.Length < x.Length)
        {
            TensorPrimitives.Multiply(x, c, destination);
            return;
        }

        for (var i = 0; i < x.Length; i++)
        {
            destination[i] = x[i] * c;
        }
    }
}
