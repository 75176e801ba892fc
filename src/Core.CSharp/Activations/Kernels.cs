using System.Numerics;

namespace Nn.Activations;

/// <summary>
/// Vectorised backward kernels for the elementwise activations (System.Numerics.Vector over the hardware width,
/// scalar tail). Each reads index i of every input before writing index i of the output, so the output may alias
/// <c>da</c>. NaN in z (ReLU family) or in a (sigmoid, tanh) propagates to dz.
/// </summary>
internal static class Kernels
{
    /// <summary>dz = da ⊙ a ⊙ (1 − a).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void SigmoidBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var one = Vector<T>.One;
            for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var av = new Vector<T>(a[i..]);
                (new Vector<T>(da[i..]) * av * (one - av)).CopyTo(dz[i..]);
            }
        }

        for (; i < a.Length; i++)
        {
            dz[i] = da[i] * a[i] * (T.One - a[i]);
        }
    }

    /// <summary>dz = da ⊙ (1 − a²).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void TanhBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var one = Vector<T>.One;
            for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var av = new Vector<T>(a[i..]);
                (new Vector<T>(da[i..]) * (one - (av * av))).CopyTo(dz[i..]);
            }
        }

        for (; i < a.Length; i++)
        {
            dz[i] = da[i] * (T.One - (a[i] * a[i]));
        }
    }

    /// <summary>dz = da where z &gt; 0, s·da elsewhere (s = 0 for ReLU), NaN where z is NaN.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void RectifierBackward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> da, Span<T> dz, T slope)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var s = new Vector<T>(slope);
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var zv = new Vector<T>(z[i..]);
                var dav = new Vector<T>(da[i..]);
                var result = Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<T>.Zero), dav, dav * s);
                Vector.ConditionalSelect(Vector.Equals(zv, zv), result, zv).CopyTo(dz[i..]);
            }
        }

        for (; i < z.Length; i++)
        {
            dz[i] = z[i] > T.Zero ? da[i] : (T.IsNaN(z[i]) ? z[i] : slope * da[i]);
        }
    }

    /// <summary>a = z where z &gt; 0, s·z elsewhere; NaN propagates.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void LeakyForward<T>(ReadOnlySpan<T> z, Span<T> a, T slope)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var s = new Vector<T>(slope);
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var zv = new Vector<T>(z[i..]);
                Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<T>.Zero), zv, zv * s).CopyTo(a[i..]);
            }
        }

        for (; i < z.Length; i++)
        {
            a[i] = z[i] > T.Zero ? z[i] : slope * z[i];
        }
    }
}
