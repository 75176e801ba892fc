using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nn.Activations;

/// <summary>
/// An elementwise activation's function and its first and second derivatives, each from z alone, on vectors of doubles.
/// Computing the derivatives from z rather than from a = g(z) keeps them accurate where g saturates (σ′(30) is
/// e⁻³⁰ ≈ 9.4·10⁻¹⁴, but a(1 − a) from the rounded a = σ(30) is wrong in the third digit).
/// </summary>
internal interface IElementwiseKernel
{
    /// <summary>g(z).</summary>
    Vector<double> Value(Vector<double> z);

    /// <summary>g′(z).</summary>
    Vector<double> Slope(Vector<double> z);

    /// <summary>g″(z).</summary>
    Vector<double> Curvature(Vector<double> z);
}

/// <summary>A kernel that computes g(z) and g′(z) together, each with the bits of its own method, sharing their common part.</summary>
internal interface ISlopeKeepingKernel : IElementwiseKernel
{
    /// <summary>g(z) as <see cref="IElementwiseKernel.Value"/> computes it and g′(z) as <see cref="IElementwiseKernel.Slope"/> does.</summary>
    (Vector<double> Value, Vector<double> Slope) ValueAndSlope(Vector<double> z);
}

/// <summary>
/// Runs an <see cref="IElementwiseKernel"/> over spans of any IEEE type: doubles directly, floats widened to double and
/// rounded once at the end (so a float32 result is the double result correctly rounded), other types through double.
/// </summary>
/// <remarks>
/// <para><b>Same bits everywhere.</b> The end of a span that does not fill a vector is copied into a zero-padded
/// vector and computed by the same vector code, and the scalar entry points go through it too. So an element's result
/// depends only on its own inputs — not on the span's length, its position in the span, or whether it was computed
/// alone — which makes the forward pass batch-invariant (see <see cref="Layers.Propagation"/>).</para>
/// <para><b>Aliasing.</b> Each chunk's inputs are read before its output is written, so the output may be the same
/// span as any input; otherwise it must not overlap them.</para>
/// </remarks>
internal static class Elementwise
{
    /// <summary>a = g(z).</summary>
    public static void Forward<TK, T>(TK kernel, ReadOnlySpan<T> z, Span<T> a)
        where TK : struct, IElementwiseKernel
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(new ValueMap<TK>(kernel), z, z, z, z, a);

    /// <summary>dz = da ⊙ g′(z).</summary>
    public static void Backward<TK, T>(TK kernel, ReadOnlySpan<T> z, ReadOnlySpan<T> da, Span<T> dz)
        where TK : struct, IElementwiseKernel
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(new BackwardMap<TK>(kernel), z, da, da, da, dz);

    /// <summary>R{dz} = R{da} ⊙ g′(z) + da ⊙ g″(z) ⊙ R{z}, the R-operator of <see cref="Backward{TK, T}"/>.</summary>
    public static void BackwardTangent<TK, T>(TK kernel, ReadOnlySpan<T> z, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> rda, Span<T> rdz)
        where TK : struct, IElementwiseKernel
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(new TangentMap<TK>(kernel), z, da, rz, rda, rdz);

    /// <summary>
    /// a = g(z) with the bits of <see cref="Forward{TK, T}"/>, and <paramref name="slope"/> = g′(z) in float64 (unrounded
    /// to T), for <see cref="BackwardWithSlope{T}"/>. For float and double; <paramref name="a"/> may be <paramref name="z"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardWithSlope<TK, T>(TK kernel, ReadOnlySpan<T> z, Span<T> a, Span<double> slope)
        where TK : struct, ISlopeKeepingKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var doubles = Vector<double>.Count;
        var i = 0;
        if (typeof(T) == typeof(float))
        {
            var zs = Cast<T, float>(z);
            var output = MemoryMarshal.Cast<T, float>(a);
            for (; i <= zs.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(zs[i..]), out var z0, out var z1);
                var (a0, s0) = kernel.ValueAndSlope(z0);
                var (a1, s1) = kernel.ValueAndSlope(z1);
                Vector.Narrow(a0, a1).CopyTo(output[i..]);
                s0.CopyTo(slope[i..]);
                s1.CopyTo(slope[(i + doubles)..]);
            }

            // The end in zero-padded double vectors; each lane is rounded to float once, as Narrow rounds it.
            Span<double> tail = stackalloc double[doubles];
            for (; i < zs.Length; i += doubles)
            {
                tail.Clear();
                var rest = Math.Min(doubles, zs.Length - i);
                for (var k = 0; k < rest; k++)
                {
                    tail[k] = zs[i + k];
                }

                var (value, derivative) = kernel.ValueAndSlope(new Vector<double>(tail));
                for (var k = 0; k < rest; k++)
                {
                    output[i + k] = (float)value[k];
                    slope[i + k] = derivative[k];
                }
            }
        }
        else if (typeof(T) == typeof(double))
        {
            var zs = Cast<T, double>(z);
            var output = MemoryMarshal.Cast<T, double>(a);
            for (; i <= zs.Length - doubles; i += doubles)
            {
                var (value, derivative) = kernel.ValueAndSlope(new Vector<double>(zs[i..]));
                value.CopyTo(output[i..]);
                derivative.CopyTo(slope[i..]);
            }

            if (i < zs.Length)
            {
                Span<double> tail = stackalloc double[doubles];
                tail.Clear();
                zs[i..].CopyTo(tail);
                var (value, derivative) = kernel.ValueAndSlope(new Vector<double>(tail));
                for (var k = 0; i + k < zs.Length; k++)
                {
                    output[i + k] = value[k];
                    slope[i + k] = derivative[k];
                }
            }
        }
        else
        {
            throw new NotSupportedException($"Slopes are kept for float and double, not {typeof(T).Name}.");
        }
    }

    /// <summary>
    /// dz = da ⊙ g′(z) from the float64 slope of <see cref="ForwardWithSlope{TK, T}"/>: each product taken in float64
    /// and rounded to T once, exactly as <see cref="Backward{TK, T}"/> takes it. For float and double; <paramref name="dz"/>
    /// may be <paramref name="da"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWithSlope<T>(ReadOnlySpan<double> slope, ReadOnlySpan<T> da, Span<T> dz)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var doubles = Vector<double>.Count;
        var i = 0;
        if (typeof(T) == typeof(float))
        {
            var upstream = Cast<T, float>(da);
            var output = MemoryMarshal.Cast<T, float>(dz);
            for (; i <= upstream.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(upstream[i..]), out var d0, out var d1);
                Vector.Narrow(d0 * new Vector<double>(slope[i..]), d1 * new Vector<double>(slope[(i + doubles)..])).CopyTo(output[i..]);
            }

            for (; i < upstream.Length; i++)
            {
                output[i] = (float)(upstream[i] * slope[i]);
            }
        }
        else if (typeof(T) == typeof(double))
        {
            var upstream = Cast<T, double>(da);
            var output = MemoryMarshal.Cast<T, double>(dz);
            for (; i <= upstream.Length - doubles; i += doubles)
            {
                (new Vector<double>(upstream[i..]) * new Vector<double>(slope[i..])).CopyTo(output[i..]);
            }

            for (; i < upstream.Length; i++)
            {
                output[i] = upstream[i] * slope[i];
            }
        }
        else
        {
            throw new NotSupportedException($"Slopes are kept for float and double, not {typeof(T).Name}.");
        }
    }

    /// <summary>g(z) for one value, with the same bits as <see cref="Forward{TK, T}"/>.</summary>
    public static T Value<TK, T>(TK kernel, T z)
        where TK : struct, IElementwiseKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = default(T);
        Forward(kernel, new ReadOnlySpan<T>(in z), new Span<T>(ref result));
        return result;
    }

    /// <summary>g′(z) for one value, with the same bits as <see cref="Backward{TK, T}"/> with da = 1.</summary>
    public static T Slope<TK, T>(TK kernel, T z)
        where TK : struct, IElementwiseKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var one = T.One;
        var result = default(T);
        Backward(kernel, new ReadOnlySpan<T>(in z), new ReadOnlySpan<T>(in one), new Span<T>(ref result));
        return result;
    }

    /// <summary>g″(z) for one value (<see cref="BackwardTangent{TK, T}"/> with da = R{z} = 1 and R{da} = 0).</summary>
    public static T Curvature<TK, T>(TK kernel, T z)
        where TK : struct, IElementwiseKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (one, zero) = (T.One, T.Zero);
        var result = default(T);
        BackwardTangent(kernel, new ReadOnlySpan<T>(in z), new ReadOnlySpan<T>(in one), new ReadOnlySpan<T>(in one), new ReadOnlySpan<T>(in zero), new Span<T>(ref result));
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TM, T>(TM map, ReadOnlySpan<T> z, ReadOnlySpan<T> b, ReadOnlySpan<T> c, ReadOnlySpan<T> d, Span<T> output)
        where TM : struct, IMap
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            RunDouble(map, Cast<T, double>(z), Cast<T, double>(b), Cast<T, double>(c), Cast<T, double>(d), MemoryMarshal.Cast<T, double>(output));
        }
        else if (typeof(T) == typeof(float))
        {
            RunSingle(map, Cast<T, float>(z), Cast<T, float>(b), Cast<T, float>(c), Cast<T, float>(d), MemoryMarshal.Cast<T, float>(output));
        }
        else
        {
            RunThroughDouble(map, z, b, c, d, output);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunDouble<TM>(TM map, ReadOnlySpan<double> z, ReadOnlySpan<double> b, ReadOnlySpan<double> c, ReadOnlySpan<double> d, Span<double> output)
        where TM : struct, IMap
    {
        var width = Vector<double>.Count;
        var i = 0;
        for (; i <= z.Length - width; i += width)
        {
            map.Apply(new Vector<double>(z[i..]), new Vector<double>(b[i..]), new Vector<double>(c[i..]), new Vector<double>(d[i..])).CopyTo(output[i..]);
        }

        if (i < z.Length)
        {
            Span<double> tail = stackalloc double[4 * width];
            tail.Clear();
            var rest = z.Length - i;
            z[i..].CopyTo(tail);
            b[i..].CopyTo(tail[width..]);
            c[i..].CopyTo(tail[(2 * width)..]);
            d[i..].CopyTo(tail[(3 * width)..]);
            map.Apply(new Vector<double>(tail), new Vector<double>(tail[width..]), new Vector<double>(tail[(2 * width)..]), new Vector<double>(tail[(3 * width)..])).CopyTo(tail);
            tail[..rest].CopyTo(output[i..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunSingle<TM>(TM map, ReadOnlySpan<float> z, ReadOnlySpan<float> b, ReadOnlySpan<float> c, ReadOnlySpan<float> d, Span<float> output)
        where TM : struct, IMap
    {
        var width = Vector<float>.Count;
        var i = 0;
        for (; i <= z.Length - width; i += width)
        {
            Narrowed(map, new Vector<float>(z[i..]), new Vector<float>(b[i..]), new Vector<float>(c[i..]), new Vector<float>(d[i..])).CopyTo(output[i..]);
        }

        // The end, fewer than a float vector's elements, in double vectors of its own length or less (each element is
        // widened, computed and rounded exactly as inside a float vector: the lanes do not interact).
        var doubles = Vector<double>.Count;
        Span<double> tail = stackalloc double[4 * doubles];
        for (; i < z.Length; i += doubles)
        {
            var rest = Math.Min(doubles, z.Length - i);
            if (rest == doubles && doubles == Vector256<double>.Count)
            {
                // A whole double vector's elements: widened straight from the span (the same values the copy below makes).
                var whole = map.Apply(WidenQuarter(z, i), WidenQuarter(b, i), WidenQuarter(c, i), WidenQuarter(d, i));
                Vector256.Narrow(whole.AsVector256(), Vector256<double>.Zero).GetLower().CopyTo(output[i..]);
                continue;
            }

            tail.Clear();
            for (var k = 0; k < rest; k++)
            {
                tail[k] = z[i + k];
                tail[doubles + k] = b[i + k];
                tail[(2 * doubles) + k] = c[i + k];
                tail[(3 * doubles) + k] = d[i + k];
            }

            var result = map.Apply(new Vector<double>(tail), new Vector<double>(tail[doubles..]), new Vector<double>(tail[(2 * doubles)..]), new Vector<double>(tail[(3 * doubles)..]));
            for (var k = 0; k < rest; k++)
            {
                output[i + k] = (float)result[k];
            }
        }
    }

    /// <summary>Elements i … i + 3 of <paramref name="span"/>, widened to a 256-bit double vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> WidenQuarter(ReadOnlySpan<float> span, int i) =>
        Vector256.WidenLower(Vector128.Create(span.Slice(i, Vector128<float>.Count)).ToVector256Unsafe()).AsVector();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Narrowed<TM>(TM map, Vector<float> z, Vector<float> b, Vector<float> c, Vector<float> d)
        where TM : struct, IMap
    {
        Vector.Widen(z, out var z0, out var z1);
        Vector.Widen(b, out var b0, out var b1);
        Vector.Widen(c, out var c0, out var c1);
        Vector.Widen(d, out var d0, out var d1);
        return Vector.Narrow(map.Apply(z0, b0, c0, d0), map.Apply(z1, b1, c1, d1));
    }

    /// <summary>Half precision and other IEEE types: each chunk converted to double, computed, converted back (rounded once).</summary>
    private static void RunThroughDouble<TM, T>(TM map, ReadOnlySpan<T> z, ReadOnlySpan<T> b, ReadOnlySpan<T> c, ReadOnlySpan<T> d, Span<T> output)
        where TM : struct, IMap
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var width = Vector<double>.Count;
        Span<double> chunk = stackalloc double[5 * width];
        for (var start = 0; start < z.Length; start += width)
        {
            var count = Math.Min(width, z.Length - start);
            chunk.Clear();
            for (var k = 0; k < count; k++)
            {
                chunk[k] = double.CreateTruncating(z[start + k]);
                chunk[width + k] = double.CreateTruncating(b[start + k]);
                chunk[(2 * width) + k] = double.CreateTruncating(c[start + k]);
                chunk[(3 * width) + k] = double.CreateTruncating(d[start + k]);
            }

            RunDouble(map, chunk[..width], chunk[width..(2 * width)], chunk[(2 * width)..(3 * width)], chunk[(3 * width)..(4 * width)], chunk[(4 * width)..]);
            for (var k = 0; k < count; k++)
            {
                output[start + k] = T.CreateTruncating(chunk[(4 * width) + k]);
            }
        }
    }

    private static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> span)
        where TFrom : struct
        where TTo : struct => MemoryMarshal.Cast<TFrom, TTo>(span);

    /// <summary>What one pass computes from up to four inputs (z first).</summary>
    private interface IMap
    {
        Vector<double> Apply(Vector<double> z, Vector<double> b, Vector<double> c, Vector<double> d);
    }

    private readonly struct ValueMap<TK>(TK kernel) : IMap
        where TK : struct, IElementwiseKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Apply(Vector<double> z, Vector<double> b, Vector<double> c, Vector<double> d) => kernel.Value(z);
    }

    private readonly struct BackwardMap<TK>(TK kernel) : IMap
        where TK : struct, IElementwiseKernel
    {
        /// <summary>b = da.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Apply(Vector<double> z, Vector<double> b, Vector<double> c, Vector<double> d) => b * kernel.Slope(z);
    }

    private readonly struct TangentMap<TK>(TK kernel) : IMap
        where TK : struct, IElementwiseKernel
    {
        /// <summary>b = da, c = R{z}, d = R{da}.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<double> Apply(Vector<double> z, Vector<double> b, Vector<double> c, Vector<double> d) =>
            (d * kernel.Slope(z)) + (b * kernel.Curvature(z) * c);
    }
}
