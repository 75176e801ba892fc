using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nn.LinearAlgebra;

namespace Nn.Optimization;

/// <summary>
/// The elementwise arithmetic of the built-in optimizer stages, one method per rule, in the style of
/// <c>TensorPrimitives</c>: spans in, the caller's spans out. Every output span may be the same span as the input it
/// replaces (g and u, s and sOut, …), so one method serves both the pure form of a stage (fresh outputs) and its
/// in-place form (outputs over the inputs); other overlaps are not allowed.
/// </summary>
/// <remarks>
/// Each element is computed by the same sequence of IEEE operations (no fused multiply-add) in the 512-bit and 256-bit
/// vector bodies and in the scalar tail, so a result depends only on the element's inputs — never on the span's length,
/// its position in a larger buffer or how the work is split. Hyper-parameters arrive in float64 and are rounded to T
/// once. NaN in an input propagates to the outputs.
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
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var result0 = ref MemoryMarshal.GetReference(result);
        var n = x.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var sv = Vector512.Create(s);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                (Vector512.LoadUnsafe(ref x0, (nuint)i) * sv).StoreUnsafe(ref result0, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var sv = Vector256.Create(s);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref x0, (nuint)i) * sv).StoreUnsafe(ref result0, (nuint)i);
            }
        }

        for (; i < n; i++)
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
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        ref var result0 = ref MemoryMarshal.GetReference(result);
        var n = x.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var sv = Vector512.Create(s);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                (Vector512.LoadUnsafe(ref x0, (nuint)i) + (Vector512.LoadUnsafe(ref y0, (nuint)i) * sv)).StoreUnsafe(ref result0, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var sv = Vector256.Create(s);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref x0, (nuint)i) + (Vector256.LoadUnsafe(ref y0, (nuint)i) * sv)).StoreUnsafe(ref result0, (nuint)i);
            }
        }

        for (; i < n; i++)
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
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        ref var result0 = ref MemoryMarshal.GetReference(result);
        var n = x.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                (Vector512.LoadUnsafe(ref x0, (nuint)i) + Vector512.LoadUnsafe(ref y0, (nuint)i)).StoreUnsafe(ref result0, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref x0, (nuint)i) + Vector256.LoadUnsafe(ref y0, (nuint)i)).StoreUnsafe(ref result0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            result[i] = x[i] + y[i];
        }
    }

    /// <summary>Momentum as a trace: v′ = g + μ·v, and u = v′, or u = g + μ·v′ with Nesterov's look-ahead.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Trace<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> v, double mu, bool nesterov, Span<T> vOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g.Length, v.Length);
        Check(g.Length, vOut.Length);
        Check(g.Length, u.Length);
        var m = T.CreateTruncating(mu);
        ref var g0 = ref MemoryMarshal.GetReference(g);
        ref var v0 = ref MemoryMarshal.GetReference(v);
        ref var vOut0 = ref MemoryMarshal.GetReference(vOut);
        ref var u0 = ref MemoryMarshal.GetReference(u);
        var n = g.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var mv = Vector512.Create(m);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var gi = Vector512.LoadUnsafe(ref g0, (nuint)i);
                var next = gi + (Vector512.LoadUnsafe(ref v0, (nuint)i) * mv);
                (next).StoreUnsafe(ref vOut0, (nuint)i);
                (nesterov ? gi + (next * mv) : next).StoreUnsafe(ref u0, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var mv = Vector256.Create(m);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var gi = Vector256.LoadUnsafe(ref g0, (nuint)i);
                var next = gi + (Vector256.LoadUnsafe(ref v0, (nuint)i) * mv);
                (next).StoreUnsafe(ref vOut0, (nuint)i);
                (nesterov ? gi + (next * mv) : next).StoreUnsafe(ref u0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var gi = g[i];
            var next = gi + (v[i] * m);
            vOut[i] = next;
            u[i] = nesterov ? gi + (next * m) : next;
        }
    }

    /// <summary>AdaGrad's accumulation: s′ = s + g², u = g / (√s′ + ε), with u = 0 where g = 0 (a coordinate that has only seen zero gradients does not move, even when s′ = 0 and ε = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumOfSquares<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> s, double epsilon, Span<T> sOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g.Length, s.Length);
        Check(g.Length, sOut.Length);
        Check(g.Length, u.Length);
        var eps = T.CreateTruncating(epsilon);
        ref var g0 = ref MemoryMarshal.GetReference(g);
        ref var s0 = ref MemoryMarshal.GetReference(s);
        ref var sOut0 = ref MemoryMarshal.GetReference(sOut);
        ref var u0 = ref MemoryMarshal.GetReference(u);
        var n = g.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var ev = Vector512.Create(eps);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var gi = Vector512.LoadUnsafe(ref g0, (nuint)i);
                var next = Vector512.LoadUnsafe(ref s0, (nuint)i) + (gi * gi);
                (next).StoreUnsafe(ref sOut0, (nuint)i);
                (Vector512.ConditionalSelect(Vector512.Equals(gi, Vector512<T>.Zero), Vector512<T>.Zero, gi / (Vector512.Sqrt(next) + ev))).StoreUnsafe(ref u0, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var ev = Vector256.Create(eps);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var gi = Vector256.LoadUnsafe(ref g0, (nuint)i);
                var next = Vector256.LoadUnsafe(ref s0, (nuint)i) + (gi * gi);
                (next).StoreUnsafe(ref sOut0, (nuint)i);
                (Vector256.ConditionalSelect(Vector256.Equals(gi, Vector256<T>.Zero), Vector256<T>.Zero, gi / (Vector256.Sqrt(next) + ev))).StoreUnsafe(ref u0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var gi = g[i];
            var next = s[i] + (gi * gi);
            sOut[i] = next;
            u[i] = gi == T.Zero ? T.Zero : gi / (T.Sqrt(next) + eps);
        }
    }

    /// <summary>RMSProp's moving average: v′ = ρ·v + (1 − ρ)·g², u = g / (√v′ + ε), with u = 0 where g = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RootMeanSquare<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> v, double decay, double epsilon, Span<T> vOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g.Length, v.Length);
        Check(g.Length, vOut.Length);
        Check(g.Length, u.Length);
        var (rho, rest, eps) = (T.CreateTruncating(decay), T.CreateTruncating(1 - decay), T.CreateTruncating(epsilon));
        ref var g0 = ref MemoryMarshal.GetReference(g);
        ref var v0 = ref MemoryMarshal.GetReference(v);
        ref var vOut0 = ref MemoryMarshal.GetReference(vOut);
        ref var u0 = ref MemoryMarshal.GetReference(u);
        var n = g.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var (rv, restv, ev) = (Vector512.Create(rho), Vector512.Create(rest), Vector512.Create(eps));
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var gi = Vector512.LoadUnsafe(ref g0, (nuint)i);
                var next = (Vector512.LoadUnsafe(ref v0, (nuint)i) * rv) + (gi * gi * restv);
                (next).StoreUnsafe(ref vOut0, (nuint)i);
                (Vector512.ConditionalSelect(Vector512.Equals(gi, Vector512<T>.Zero), Vector512<T>.Zero, gi / (Vector512.Sqrt(next) + ev))).StoreUnsafe(ref u0, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var (rv, restv, ev) = (Vector256.Create(rho), Vector256.Create(rest), Vector256.Create(eps));
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var gi = Vector256.LoadUnsafe(ref g0, (nuint)i);
                var next = (Vector256.LoadUnsafe(ref v0, (nuint)i) * rv) + (gi * gi * restv);
                (next).StoreUnsafe(ref vOut0, (nuint)i);
                (Vector256.ConditionalSelect(Vector256.Equals(gi, Vector256<T>.Zero), Vector256<T>.Zero, gi / (Vector256.Sqrt(next) + ev))).StoreUnsafe(ref u0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var gi = g[i];
            var next = (v[i] * rho) + (gi * gi * rest);
            vOut[i] = next;
            u[i] = gi == T.Zero ? T.Zero : gi / (T.Sqrt(next) + eps);
        }
    }

    /// <summary>Adam's bias-corrected moments (Kingma and Ba 2015, Algorithm 1) for update number t ≥ 1: m′ = β₁·m + (1 − β₁)·g, v′ = β₂·v + (1 − β₂)·g², u = (m′ / c₁) / (√(v′ / c₂) + ε) with cᵢ = 1 − βᵢᵗ computed in float64.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is not positive.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Adam<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> m, ReadOnlySpan<T> v, double beta1, double beta2, double epsilon, int t, Span<T> mOut, Span<T> vOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g.Length, m.Length);
        Check(g.Length, v.Length);
        Check(g.Length, mOut.Length);
        Check(g.Length, vOut.Length);
        Check(g.Length, u.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t);
        var threads = Partitioned.ThreadsFor<T>(g.Length);
        if (threads == 1)
        {
            AdamRange(g, m, v, beta1, beta2, epsilon, t, mOut, vOut, u);
            return;
        }

        fixed (T* gp = g, mp = m, vp = v, mOutp = mOut, vOutp = vOut, up = u)
        {
            Split(new AdamPart<T>(gp, mp, vp, beta1, beta2, epsilon, t, mOutp, vOutp, up), g.Length, threads);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AdamRange<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> m, ReadOnlySpan<T> v, double beta1, double beta2, double epsilon, int t, Span<T> mOut, Span<T> vOut, Span<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (b1, rest1, b2, rest2) = (T.CreateTruncating(beta1), T.CreateTruncating(1 - beta1), T.CreateTruncating(beta2), T.CreateTruncating(1 - beta2));
        var (c1, c2, eps) = (T.CreateTruncating(1 - Math.Pow(beta1, t)), T.CreateTruncating(1 - Math.Pow(beta2, t)), T.CreateTruncating(epsilon));
        ref var g0 = ref MemoryMarshal.GetReference(g);
        ref var m0 = ref MemoryMarshal.GetReference(m);
        ref var v0 = ref MemoryMarshal.GetReference(v);
        ref var mOut0 = ref MemoryMarshal.GetReference(mOut);
        ref var vOut0 = ref MemoryMarshal.GetReference(vOut);
        ref var u0 = ref MemoryMarshal.GetReference(u);
        var n = g.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var (b1v, r1v, b2v, r2v) = (Vector512.Create(b1), Vector512.Create(rest1), Vector512.Create(b2), Vector512.Create(rest2));
            var (c1v, c2v, ev) = (Vector512.Create(c1), Vector512.Create(c2), Vector512.Create(eps));
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var gi = Vector512.LoadUnsafe(ref g0, (nuint)i);
                var mi = (Vector512.LoadUnsafe(ref m0, (nuint)i) * b1v) + (gi * r1v);
                var vi = (Vector512.LoadUnsafe(ref v0, (nuint)i) * b2v) + (gi * gi * r2v);
                (mi).StoreUnsafe(ref mOut0, (nuint)i);
                (vi).StoreUnsafe(ref vOut0, (nuint)i);
                ((mi / c1v) / (Vector512.Sqrt(vi / c2v) + ev)).StoreUnsafe(ref u0, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var (b1v, r1v, b2v, r2v) = (Vector256.Create(b1), Vector256.Create(rest1), Vector256.Create(b2), Vector256.Create(rest2));
            var (c1v, c2v, ev) = (Vector256.Create(c1), Vector256.Create(c2), Vector256.Create(eps));
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var gi = Vector256.LoadUnsafe(ref g0, (nuint)i);
                var mi = (Vector256.LoadUnsafe(ref m0, (nuint)i) * b1v) + (gi * r1v);
                var vi = (Vector256.LoadUnsafe(ref v0, (nuint)i) * b2v) + (gi * gi * r2v);
                (mi).StoreUnsafe(ref mOut0, (nuint)i);
                (vi).StoreUnsafe(ref vOut0, (nuint)i);
                ((mi / c1v) / (Vector256.Sqrt(vi / c2v) + ev)).StoreUnsafe(ref u0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var gi = g[i];
            var mi = (m[i] * b1) + (gi * rest1);
            var vi = (v[i] * b2) + (gi * gi * rest2);
            mOut[i] = mi;
            vOut[i] = vi;
            u[i] = (mi / c1) / (T.Sqrt(vi / c2) + eps);
        }
    }

    /// <summary>
    /// θ ← θ + c·u in place (each element x + (u·c), as <see cref="AddScaled{T}"/>; c = 1 is plain addition), returning
    /// max |θᵢ| after the update (NaN when any θᵢ is NaN; 0 for empty spans).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T AddScaledInPlace<T>(Span<T> theta, double c, ReadOnlySpan<T> u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(theta.Length, u.Length);
        var s = T.CreateTruncating(c);
        ref var theta0 = ref MemoryMarshal.GetReference(theta);
        ref var u0 = ref MemoryMarshal.GetReference(u);
        var n = theta.Length;
        var i = 0;
        var max = T.Zero;
        var nan = false;

        // Short spans (a tiny network's parameters) go straight to the scalar loop: the vector set-up and the lanes'
        // final maximum cost more than the work. Each element is the same x + (u·s) on either path.
        if (n >= 4 * Vector512<T>.Count && Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var sv = Vector512.Create(s);
            var acc = Vector512<T>.Zero;
            var bad = Vector512<T>.Zero;
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var next = Vector512.LoadUnsafe(ref theta0, (nuint)i) + (Vector512.LoadUnsafe(ref u0, (nuint)i) * sv);
                next.StoreUnsafe(ref theta0, (nuint)i);
                acc = Vector512.Max(acc, Vector512.Abs(next));
                bad |= ~Vector512.Equals(next, next);
            }

            nan |= bad != Vector512<T>.Zero;
            max = T.Max(max, MaxOf(Vector256.Max(acc.GetLower(), acc.GetUpper())));
        }

        if (n - i >= 4 * Vector256<T>.Count && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var sv = Vector256.Create(s);
            var acc = Vector256<T>.Zero;
            var bad = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var next = Vector256.LoadUnsafe(ref theta0, (nuint)i) + (Vector256.LoadUnsafe(ref u0, (nuint)i) * sv);
                next.StoreUnsafe(ref theta0, (nuint)i);
                acc = Vector256.Max(acc, Vector256.Abs(next));
                bad |= ~Vector256.Equals(next, next);
            }

            nan |= bad != Vector256<T>.Zero;
            max = T.Max(max, MaxOf(acc));
        }

        for (; i < n; i++)
        {
            var next = Unsafe.Add(ref theta0, i) + (Unsafe.Add(ref u0, i) * s);
            Unsafe.Add(ref theta0, i) = next;
            nan |= T.IsNaN(next);
            max = T.Max(max, T.Abs(next));
        }

        return nan ? T.NaN : max;
    }

    private static T MaxOf<T>(Vector256<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var max = T.Zero;
        for (var lane = 0; lane < Vector256<T>.Count; lane++)
        {
            max = T.Max(max, v[lane]);
        }

        return max;
    }

    /// <summary>Runs <paramref name="range"/> over n elements in one part per thread, cut at whole cache lines (64 elements).</summary>
    private static void Split<TRange>(TRange range, int n, int threads)
        where TRange : struct, IRange => Partitioned.Run(new Cuts<TRange>(range, n), threads, threads);

    /// <summary>An elementwise rule over elements [from, from + length) of buffers it holds pinned.</summary>
    private interface IRange
    {
        void Apply(int from, int length);
    }

    private readonly struct Cuts<TRange>(TRange range, int n) : IPartitionedJob
        where TRange : struct, IRange
    {
        public void Run(int part, int parts)
        {
            var from = Cut(part, parts);
            range.Apply(from, Cut(part + 1, parts) - from);
        }

        private int Cut(int part, int parts) => part == parts ? n : (int)((long)n * part / parts) / 64 * 64;
    }

    /// <summary>A part of <see cref="Adam{T}"/>, over spans pinned by the caller for the duration of the split.</summary>
    private readonly unsafe struct AdamPart<T>(T* g, T* m, T* v, double beta1, double beta2, double epsilon, int t, T* mOut, T* vOut, T* u) : IRange
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Apply(int from, int length) =>
            AdamRange(new ReadOnlySpan<T>(g + from, length), new ReadOnlySpan<T>(m + from, length), new ReadOnlySpan<T>(v + from, length), beta1, beta2, epsilon, t, new Span<T>(mOut + from, length), new Span<T>(vOut + from, length), new Span<T>(u + from, length));
    }

    private static void Check(int expected, int actual)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"The spans have lengths {expected} and {actual}; they must be equal.");
        }
    }
}
