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
    // Products of at most this many multiply-adds skip the BLAS seam (argument checks, backend dispatch, the kernel's own
    // size tests) when the managed kernel would run them anyway: the 2-2-1 networks of the lecture notes spend more time
    // dispatching their 16-element products than computing them. Each layer product then runs as its own loop with the
    // layout fixed (no strides, no k blocks: a tiny product has one), summing every element exactly as
    // PackedGemm.Direct sums it — one fused multiply-add chain from zero, then added to C (β = 1) or stored (β = 0) —
    // so the bits are those of the seam.
    private const long TinyWork = 256;

    /// <summary>z = W·a + b for m observations: W is n × inputs, a is inputs × m, z is n × m.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Affine<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, int n, int inputs, ReadOnlySpan<T> previous, int m, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inputs > 0 && Tiny<T>(n, m, inputs))
        {
            // z[i, j] = b[i] + Σ_p W[i, p]·a[p, j], the sum one fused chain from zero (PackedGemm.Direct with β = 1).
            for (var j = 0; j < m; j++)
            {
                var column = previous.Slice(j * inputs, inputs);
                var zj = z.Slice(j * n, n);
                for (var i = 0; i < n; i++)
                {
                    var sum = T.Zero;
                    for (var p = 0; p < column.Length; p++)
                    {
                        sum = T.FusedMultiplyAdd(weights[i + (p * n)], column[p], sum);
                    }

                    zj[i] = bias[i] + sum;
                }
            }

            return;
        }

        for (var j = 0; j < m; j++)
        {
            bias.CopyTo(z.Slice(j * n, n));
        }

        Product(Transpose.No, Transpose.No, n, m, inputs, weights, n, previous, inputs, T.One, z, n);
    }

    /// <summary>∂J/∂W = dZ·aᵀ (n × inputs) and ∂J/∂b = the row sums of dZ (n), from dZ (n × m) and a (inputs × m).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void ParameterGradients<T>(ReadOnlySpan<T> dz, ReadOnlySpan<T> previous, int n, int inputs, int m, Span<T> weightGradient, Span<T> biasGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m > 0 && Tiny<T>(n, inputs, m))
        {
            // ∂W[i, p] = Σ_j dZ[i, j]·a[p, j] (PackedGemm.Direct with β = 0); ∂b[i] = ((0 + dZ[i, 0]) + dZ[i, 1]) + …, the
            // order of the vector adds below.
            for (var p = 0; p < inputs; p++)
            {
                for (var i = 0; i < n; i++)
                {
                    var sum = T.Zero;
                    for (var j = 0; j < m; j++)
                    {
                        sum = T.FusedMultiplyAdd(dz[i + (j * n)], previous[p + (j * inputs)], sum);
                    }

                    weightGradient[i + (p * n)] = sum;
                }
            }

            for (var i = 0; i < n; i++)
            {
                var sum = T.Zero;
                for (var j = 0; j < m; j++)
                {
                    sum += dz[i + (j * n)];
                }

                biasGradient[i] = sum;
            }

            return;
        }

        Product(Transpose.No, Transpose.Yes, n, inputs, m, dz, n, previous, inputs, T.Zero, weightGradient, n);

        biasGradient.Clear();
        for (var j = 0; j < m; j++)
        {
            TensorPrimitives.Add(biasGradient, dz.Slice(j * n, n), biasGradient);
        }
    }

    /// <summary>∂J/∂a = Wᵀ·dZ (inputs × m), from W (n × inputs) and dZ (n × m).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> dz, int n, int inputs, int m, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n > 0 && Tiny<T>(inputs, m, n))
        {
            // ∂a[p, j] = Σ_i W[i, p]·dZ[i, j] (PackedGemm.Direct with β = 0).
            for (var j = 0; j < m; j++)
            {
                var column = dz.Slice(j * n, n);
                for (var p = 0; p < inputs; p++)
                {
                    var sum = T.Zero;
                    for (var i = 0; i < column.Length; i++)
                    {
                        sum = T.FusedMultiplyAdd(weights[i + (p * n)], column[i], sum);
                    }

                    inputGradient[p + (j * inputs)] = sum;
                }
            }

            return;
        }

        Product(Transpose.Yes, Transpose.No, inputs, m, n, weights, n, dz, n, T.Zero, inputGradient, inputs);
    }

    /// <summary>
    /// C ← op(A)·op(B) + β·C through the BLAS seam, or, for a tiny product on the managed kernel, by that kernel's own plain
    /// loop directly (<see cref="PackedGemm.Direct"/>: the same bits, batch invariance included, without the dispatch).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Product<T>(Transpose transA, Transpose transB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Tiny<T>(m, n, k))
        {
            PackedGemm.Direct(transA, transB, m, n, k, T.One, a, lda, b, ldb, beta, c, ldc);
        }
        else
        {
            Blas.Gemm(transA, transB, m, n, k, T.One, a, lda, b, ldb, beta, c, ldc);
        }
    }

    /// <summary>
    /// Whether an m×n×k product is tiny and the backend is the managed kernel, which computes such a product by
    /// <see cref="PackedGemm.Direct"/> anyway.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool Tiny<T>(int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((long)m * n * k > TinyWork || (typeof(T) != typeof(float) && typeof(T) != typeof(double)))
        {
            return false;
        }

        return Blas.Current is SimdBlas;
    }
}
