using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nn.Optimization;

/// <summary>
/// The elementwise arithmetic of the built-in optimizer stages, one method per rule, in the style of
/// <c>TensorPrimitives</c>: spans in, the caller's spans out. Every output span may be the same span as the input it
/// replaces (g and u, s and sOut, …), so one method serves both the pure form of a stage (fresh outputs) and its
/// in-place form (outputs over the inputs); other overlaps are not allowed.
/// </summary>
/// <remarks>
/// Each element is computed by the same sequence of IEEE operations (no fused multiply-add) in the vector body and in
/// the scalar tail, so a result depends only on the element's inputs — never on the span's length, its position in a
/// larger buffer or how the work is split. Hyper-parameters arrive in float64 and are rounded to T once. NaN in an
/// input propagates to the outputs.
/// </remarks>
public static class UpdateRules
{
    /// <summary>result = c·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale<T>(ReadOnlySpan<T> x, double c, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, result.Length);
        var s = T.CreateTruncating(c);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var sv = new Vector<T>(s);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (new Vector<T>(x[i..]) * sv).CopyTo(result[i..]);
            }
        }

        for (; i < x.Length; i++)
        {
            result[i] = x[i] * s;
        }
    }

    /// <summary>result = x + c·y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled<T>(ReadOnlySpan<T> x, double c, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        Check(x.Length, result.Length);
        var s = T.CreateTruncating(c);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var sv = new Vector<T>(s);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (new Vector<T>(x[i..]) + (new Vector<T>(y[i..]) * sv)).CopyTo(result[i..]);
            }
        }

        for (; i < x.Length; i++)
        {
            result[i] = x[i] + (y[i] * s);
        }
    }

    /// <summary>result = x + y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        Check(x.Length, result.Length);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (new Vector<T>(x[i..]) + new Vector<T>(y[i..])).CopyTo(result[i..]);
            }
        }

        for (; i < x.Length; i++)
        {
            result[i] = x[i] + y[i];
        }
    }

    /// <summary>
    /// Momentum as a trace: v′ = g + μ·v, and u = v′, or u = g + μ·v′ with Nesterov's look-ahead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Trace<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> v, double mu, bool nesterov, Span<T> vOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g.Length, v.Length);
        Check(g.Length, vOut.Length);
        Check(g.Length, u.Length);
        var m = T.CreateTruncating(mu);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var mv = new Vector<T>(m);
            for (; i <= g.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = new Vector<T>(g[i..]);
                var next = gi + (new Vector<T>(v[i..]) * mv);
                next.CopyTo(vOut[i..]);
                (nesterov ? gi + (next * mv) : next).CopyTo(u[i..]);
            }
        }

        for (; i < g.Length; i++)
        {
            var gi = g[i];
            var next = gi + (v[i] * m);
            vOut[i] = next;
            u[i] = nesterov ? gi + (next * m) : next;
        }
    }

    /// <summary>
    /// AdaGrad's accumulation: s′ = s + g², u = g / (√s′ + ε), with u = 0 where g = 0 (a coordinate that has only
    /// seen zero gradients does not move, even when s′ = 0 and ε = 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumOfSquares<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> s, double epsilon, Span<T> sOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g.Length, s.Length);
        Check(g.Length, sOut.Length);
        Check(g.Length, u.Length);
        var eps = T.CreateTruncating(epsilon);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var ev = new Vector<T>(eps);
            for (; i <= g.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = new Vector<T>(g[i..]);
                var next = new Vector<T>(s[i..]) + (gi * gi);
                next.CopyTo(sOut[i..]);
                Vector.ConditionalSelect(Vector.Equals(gi, Vector<T>.Zero), Vector<T>.Zero, gi / (Vector.SquareRoot(next) + ev)).CopyTo(u[i..]);
            }
        }

        for (; i < g.Length; i++)
        {
            var gi = g[i];
            var next = s[i] + (gi * gi);
            sOut[i] = next;
            u[i] = gi == T.Zero ? T.Zero : gi / (T.Sqrt(next) + eps);
        }
    }

    /// <summary>
    /// RMSProp's moving average: v′ = ρ·v + (1 − ρ)·g², u = g / (√v′ + ε), with u = 0 where g = 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RootMeanSquare<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> v, double decay, double epsilon, Span<T> vOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g.Length, v.Length);
        Check(g.Length, vOut.Length);
        Check(g.Length, u.Length);
        var rho = T.CreateTruncating(decay);
        var rest = T.CreateTruncating(1 - decay);
        var eps = T.CreateTruncating(epsilon);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var (rv, restv, ev) = (new Vector<T>(rho), new Vector<T>(rest), new Vector<T>(eps));
            for (; i <= g.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = new Vector<T>(g[i..]);
                var next = (new Vector<T>(v[i..]) * rv) + (gi * gi * restv);
                next.CopyTo(vOut[i..]);
                Vector.ConditionalSelect(Vector.Equals(gi, Vector<T>.Zero), Vector<T>.Zero, gi / (Vector.SquareRoot(next) + ev)).CopyTo(u[i..]);
            }
        }

        for (; i < g.Length; i++)
        {
            var gi = g[i];
            var next = (v[i] * rho) + (gi * gi * rest);
            vOut[i] = next;
            u[i] = gi == T.Zero ? T.Zero : gi / (T.Sqrt(next) + eps);
        }
    }

    /// <summary>
    /// Adam's bias-corrected moments (Kingma and Ba 2015, Algorithm 1) for update number t ≥ 1:
    /// m′ = β₁·m + (1 − β₁)·g, v′ = β₂·v + (1 − β₂)·g², u = (m′ / c₁) / (√(v′ / c₂) + ε) with cᵢ = 1 − βᵢᵗ
    /// computed in float64.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is not positive.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adam<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> m, ReadOnlySpan<T> v, double beta1, double beta2, double epsilon, int t, Span<T> mOut, Span<T> vOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t);
        Check(g.Length, m.Length);
        Check(g.Length, v.Length);
        Check(g.Length, mOut.Length);
        Check(g.Length, vOut.Length);
        Check(g.Length, u.Length);
        var (b1, rest1) = (T.CreateTruncating(beta1), T.CreateTruncating(1 - beta1));
        var (b2, rest2) = (T.CreateTruncating(beta2), T.CreateTruncating(1 - beta2));
        var c1 = T.CreateTruncating(1 - Math.Pow(beta1, t));
        var c2 = T.CreateTruncating(1 - Math.Pow(beta2, t));
        var eps = T.CreateTruncating(epsilon);
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var (b1v, r1v, b2v, r2v) = (new Vector<T>(b1), new Vector<T>(rest1), new Vector<T>(b2), new Vector<T>(rest2));
            var (c1v, c2v, ev) = (new Vector<T>(c1), new Vector<T>(c2), new Vector<T>(eps));
            for (; i <= g.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = new Vector<T>(g[i..]);
                var mi = (new Vector<T>(m[i..]) * b1v) + (gi * r1v);
                var vi = (new Vector<T>(v[i..]) * b2v) + (gi * gi * r2v);
                mi.CopyTo(mOut[i..]);
                vi.CopyTo(vOut[i..]);
                ((mi / c1v) / (Vector.SquareRoot(vi / c2v) + ev)).CopyTo(u[i..]);
            }
        }

        for (; i < g.Length; i++)
        {
            var gi = g[i];
            var mi = (m[i] * b1) + (gi * rest1);
            var vi = (v[i] * b2) + (gi * gi * rest2);
            mOut[i] = mi;
            vOut[i] = vi;
            u[i] = (mi / c1) / (T.Sqrt(vi / c2) + eps);
        }
    }

    private static void Check(int expected, int actual)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"The spans have lengths {expected} and {actual}; they must be equal.");
        }
    }
}
