using System.Numerics;
using System.Numerics.Tensors;
using Nn.LinearAlgebra;

namespace Nn.Layers;

/// <summary>
/// The three products of a dense layer on flat column-major buffers (batch layout of <see cref="Propagation"/>),
/// shared by the pure passes and the in-place trainer so both do exactly the same arithmetic. Unchecked: callers
/// validate. Outputs must not overlap inputs.
/// </summary>
internal static class DenseKernels
{
    /// <summary>z = W·a + b for m observations: W is n × inputs, a is inputs × m, z is n × m.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Affine<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, int n, int inputs, ReadOnlySpan<T> previous, int m, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var j = 0; j < m; j++)
        {
            bias.CopyTo(z.Slice(j * n, n));
        }

        Blas.Gemm(Transpose.No, Transpose.No, n, m, inputs, T.One, weights, n, previous, inputs, T.One, z, n);
    }

    /// <summary>∂J/∂W = dZ·aᵀ (n × inputs) and ∂J/∂b = the row sums of dZ (n), from dZ (n × m) and a (inputs × m).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void ParameterGradients<T>(ReadOnlySpan<T> dz, ReadOnlySpan<T> previous, int n, int inputs, int m, Span<T> weightGradient, Span<T> biasGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Blas.Gemm(Transpose.No, Transpose.Yes, n, inputs, m, T.One, dz, n, previous, inputs, T.Zero, weightGradient, n);
        biasGradient.Clear();
        for (var j = 0; j < m; j++)
        {
            TensorPrimitives.Add(biasGradient, dz.Slice(j * n, n), biasGradient);
        }
    }

    /// <summary>∂J/∂a = Wᵀ·dZ (inputs × m), from W (n × inputs) and dZ (n × m).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> dz, int n, int inputs, int m, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Blas.Gemm(Transpose.Yes, Transpose.No, inputs, m, n, T.One, weights, n, dz, n, T.Zero, inputGradient, inputs);
}
