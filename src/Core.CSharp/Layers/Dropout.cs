using System.Numerics;
using System.Runtime.CompilerServices;
using Nn.Initialization;

namespace Nn.Layers;

/// <summary>
/// Inverted dropout (Srivastava et al. 2014, "Dropout: a simple way to prevent neural networks from overfitting",
/// JMLR 15), forward and backward side by side. In training each value of a layer's output is kept with probability
/// 1 − p and then scaled by 1/(1 − p), or set to zero: ã = a ⊙ m with mᵢ ∈ {0, 1/(1 − p)}, so E[ãᵢ] = aᵢ and inference
/// needs no rescaling — at inference dropout is the identity.
/// </summary>
/// <remarks>
/// <para>The mask is a pure function of a <see cref="RandomKey"/>: value i of the span (in a units × samples batch,
/// i = j·units + u for unit u of observation j) is kept when <c>key.Uniform(i)</c> &lt; 1 − p. Forward and backward
/// read the same mask from the same key, so nothing needs to be stored between them, and the same key gives the same
/// bits.</para>
/// <para>The map a ↦ a ⊙ m is linear and diagonal, so its backward is the same product: ∂J/∂a = ∂J/∂ã ⊙ m. NaN policy:
/// a NaN stays NaN even where it is dropped (NaN·0), so divergence is never hidden. Spans may alias (elementwise).</para>
/// </remarks>
public static class Dropout
{
    /// <summary>Throws unless <paramref name="rate"/> is in [0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is NaN, negative, or at least 1.</exception>
    public static void CheckRate(double rate, string argument)
    {
        if (!(rate >= 0.0 && rate < 1.0))
        {
            throw new ArgumentOutOfRangeException(argument, rate, $"A dropout rate must be in [0, 1) but is {rate}.");
        }
    }

    /// <summary>ã = a ⊙ m: each value kept and scaled by 1/(1 − <paramref name="rate"/>), or zeroed, by the mask of <paramref name="key"/>.</summary>
    /// <param name="a">The layer's output, units × samples, flat.</param>
    /// <param name="dropped">ã, the same length (may be <paramref name="a"/>).</param>
    /// <param name="rate">p in [0, 1); 0 copies.</param>
    /// <param name="key">The mask's key.</param>
    /// <exception cref="ArgumentException">The spans differ in length, or the rate is outside [0, 1).</exception>
    public static void Forward<T>(ReadOnlySpan<T> a, Span<T> dropped, double rate, RandomKey key)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckRate(rate, nameof(rate));
        CheckLengths(a.Length, dropped.Length);
        Multiply(a, dropped, rate, key);
    }

    /// <summary>∂J/∂a = ∂J/∂ã ⊙ m, with the mask <see cref="Forward{T}"/> uses for the same key and rate.</summary>
    /// <param name="upstream">∂J/∂ã, units × samples, flat.</param>
    /// <param name="downstream">∂J/∂a, the same length (may be <paramref name="upstream"/>).</param>
    /// <param name="rate">p in [0, 1).</param>
    /// <param name="key">The key the forward pass used.</param>
    /// <exception cref="ArgumentException">The spans differ in length, or the rate is outside [0, 1).</exception>
    public static void Backward<T>(ReadOnlySpan<T> upstream, Span<T> downstream, double rate, RandomKey key)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckRate(rate, nameof(rate));
        CheckLengths(upstream.Length, downstream.Length);
        Multiply(upstream, downstream, rate, key);
    }

    /// <summary>The key of layer <paramref name="layer"/> (0-based) within a pass keyed by <paramref name="key"/>.</summary>
    public static RandomKey LayerKey(RandomKey key, int layer) => key.Fold(unchecked((ulong)layer));

    /// <summary>output = input ⊙ m, unchecked: forward and backward alike (the map is diagonal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply<T>(ReadOnlySpan<T> input, Span<T> output, double rate, RandomKey key)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var keep = 1.0 - rate;
        var scale = T.CreateTruncating(1.0 / keep);
        for (var i = 0; i < input.Length; i++)
        {
            output[i] = input[i] * (key.Uniform((ulong)i) < keep ? scale : T.Zero);
        }
    }

    private static void CheckLengths(int input, int output)
    {
        if (input != output)
        {
            throw new ArgumentException($"The input has {input} values but the output span has {output}.", nameof(output));
        }
    }
}
