using System.Numerics;

namespace Nn.LinearAlgebra;

/// <summary>
/// Sums whose rounding depends only on the values and their order in the span — not on where the span starts in
/// memory or what surrounds it — so a parameter buffer gives the same norm as its own array and as a slice of a flat
/// copy. Each sum runs <see cref="Vector{T}"/>-wide partial sums from the span's first element, adds the lanes in
/// order, then the remaining elements one by one.
/// </summary>
/// <remarks>NaN anywhere gives NaN; ±∞ propagates as IEEE arithmetic does.</remarks>
public static class Reductions
{
    /// <summary>Σ xᵢ².</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static T SumOfSquares<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        var sum = T.Zero;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && x.Length >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(x[i..]);
                acc += v * v;
            }

            for (var lane = 0; lane < Vector<T>.Count; lane++)
            {
                sum += acc[lane];
            }
        }

        for (; i < x.Length; i++)
        {
            sum += x[i] * x[i];
        }

        return sum;
    }

    /// <summary>Σ xᵢ·yᵢ over spans of equal length.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The spans have lengths {x.Length} and {y.Length}.", nameof(y));
        }

        var i = 0;
        var sum = T.Zero;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && x.Length >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                acc += new Vector<T>(x[i..]) * new Vector<T>(y[i..]);
            }

            for (var lane = 0; lane < Vector<T>.Count; lane++)
            {
                sum += acc[lane];
            }
        }

        for (; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>max |xᵢ|, or NaN when any value is NaN (0 for an empty span).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static T MaxMagnitude<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var max = T.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && x.Length >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            var nan = Vector<T>.Zero;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(x[i..]);
                acc = Vector.Max(acc, Vector.Abs(v));
                nan |= ~Vector.Equals(v, v);
            }

            if (nan != Vector<T>.Zero)
            {
                return T.NaN;
            }

            for (var lane = 0; lane < Vector<T>.Count; lane++)
            {
                max = T.Max(max, acc[lane]);
            }
        }

        for (; i < x.Length; i++)
        {
            if (T.IsNaN(x[i]))
            {
                return T.NaN;
            }

            max = T.Max(max, T.Abs(x[i]));
        }

        return max;
    }
}
