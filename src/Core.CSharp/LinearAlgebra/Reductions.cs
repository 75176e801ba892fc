using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nn.LinearAlgebra;

/// <summary>
/// Sums whose rounding depends only on the values and their order in the span — not on where the span starts in
/// memory or what surrounds it — so a parameter buffer gives the same norm as its own array and as a slice of a flat
/// copy. A span is summed in chunks of 4,096 elements from its first, the chunks' sums added in order; each chunk keeps
/// four vector-wide partial sums that take consecutive vectors from the chunk's first element in turn, adds them and
/// their lanes in a fixed order, then the remaining elements one by one. The vector width is the
/// widest the processor accelerates (512 or 256 bits), so results are reproducible on one machine, not across machines.
/// </summary>
/// <remarks>NaN anywhere gives NaN; ±∞ propagates as IEEE arithmetic does.</remarks>
public static class Reductions
{
    /// <summary>Elements per chunk of a long sum: each chunk is summed on its own and the chunks' sums added in order.</summary>
    internal const int Chunk = 4096;

    /// <summary>Σ xᵢ².</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T SumOfSquares<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Dot(x, x);

    /// <summary>Σ xᵢ·yᵢ over spans of equal length.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The spans have lengths {x.Length} and {y.Length}.", nameof(y));
        }

        var sum = DotChunk(x[..Math.Min(Chunk, x.Length)], y[..Math.Min(Chunk, y.Length)]);
        for (var i = Chunk; i < x.Length; i += Chunk)
        {
            var length = Math.Min(Chunk, x.Length - i);
            sum += DotChunk(x.Slice(i, length), y.Slice(i, length));
        }

        return sum;
    }

    /// <summary>
    /// Σ xᵢ·yᵢ of at most <see cref="Chunk"/> elements: the four vector-wide partial sums, their lanes, then the rest
    /// one by one. A longer span is summed chunk by chunk, the chunks' sums added in order, so that its parts can be
    /// summed on different cores and added afterwards with the same bits (see Optimization.ParameterStep).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static T DotChunk<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        var n = x.Length;
        var i = 0;
        var sum = T.Zero;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && n >= 4 * Vector512<T>.Count)
        {
            var (a, b, c, d) = (Vector512<T>.Zero, Vector512<T>.Zero, Vector512<T>.Zero, Vector512<T>.Zero);
            var w = Vector512<T>.Count;
            for (; i <= n - (4 * w); i += 4 * w)
            {
                a += Vector512.LoadUnsafe(ref x0, (nuint)i) * Vector512.LoadUnsafe(ref y0, (nuint)i);
                b += Vector512.LoadUnsafe(ref x0, (nuint)(i + w)) * Vector512.LoadUnsafe(ref y0, (nuint)(i + w));
                c += Vector512.LoadUnsafe(ref x0, (nuint)(i + (2 * w))) * Vector512.LoadUnsafe(ref y0, (nuint)(i + (2 * w)));
                d += Vector512.LoadUnsafe(ref x0, (nuint)(i + (3 * w))) * Vector512.LoadUnsafe(ref y0, (nuint)(i + (3 * w)));
            }

            sum = Lanes((a + b) + (c + d));
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= 4 * Vector256<T>.Count)
        {
            var (a, b, c, d) = (Vector256<T>.Zero, Vector256<T>.Zero, Vector256<T>.Zero, Vector256<T>.Zero);
            var w = Vector256<T>.Count;
            for (; i <= n - (4 * w); i += 4 * w)
            {
                a += Vector256.LoadUnsafe(ref x0, (nuint)i) * Vector256.LoadUnsafe(ref y0, (nuint)i);
                b += Vector256.LoadUnsafe(ref x0, (nuint)(i + w)) * Vector256.LoadUnsafe(ref y0, (nuint)(i + w));
                c += Vector256.LoadUnsafe(ref x0, (nuint)(i + (2 * w))) * Vector256.LoadUnsafe(ref y0, (nuint)(i + (2 * w)));
                d += Vector256.LoadUnsafe(ref x0, (nuint)(i + (3 * w))) * Vector256.LoadUnsafe(ref y0, (nuint)(i + (3 * w)));
            }

            sum = Lanes((a + b) + (c + d));
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref x0, i) * Unsafe.Add(ref y0, i);
        }

        return sum;
    }

    private static T Lanes<T>(Vector512<T> v)
        where T : unmanaged, IFloatingPointIeee754<T> => Lanes(v.GetLower()) + Lanes(v.GetUpper());

    private static T Lanes<T>(Vector256<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sum = T.Zero;
        for (var lane = 0; lane < Vector256<T>.Count; lane++)
        {
            sum += v[lane];
        }

        return sum;
    }
}
