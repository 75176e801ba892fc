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
    // dispatching their 16-element products than computing them.
    private const long TinyWork = 256;

    /// <summary>z = W·a + b for m observations: W is n × inputs, a is inputs × m, z is n × m.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Affine<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, int n, int inputs, ReadOnlySpan<T> previous, int m, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Tiny<T>(n, m, inputs))
        {
            // zᵢⱼ = Σₚ Wᵢₚ·aₚⱼ + bᵢ, the sum by FMAs in order of p, exactly as PackedGemm.Direct forms C ← A·B + C.
            for (var j = 0; j < m; j++)
            {
                for (var i = 0; i < n; i++)
                {
                    var sum = T.Zero;
                    for (var p = 0; p < inputs; p++)
                    {
                        sum = T.FusedMultiplyAdd(weights[i + (p * n)], previous[p + (j * inputs)], sum);
                    }

                    z[i + (j * n)] = sum + bias[i];
                }
            }

            return;
        }

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
        if (Tiny<T>(n, inputs, m))
        {
            // ∂J/∂Wᵢₚ = Σⱼ dZᵢⱼ·aₚⱼ by FMAs in order of j, as PackedGemm.Direct forms C ← A·Bᵀ.
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
        }
        else
        {
            Blas.Gemm(Transpose.No, Transpose.Yes, n, inputs, m, T.One, dz, n, previous, inputs, T.Zero, weightGradient, n);
        }

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
        if (Tiny<T>(inputs, m, n))
        {
            // ∂J/∂aₚⱼ = Σᵢ Wᵢₚ·dZᵢⱼ by FMAs in order of i, as PackedGemm.Direct forms C ← Aᵀ·B.
            for (var j = 0; j < m; j++)
            {
                for (var p = 0; p < inputs; p++)
                {
                    var sum = T.Zero;
                    for (var i = 0; i < n; i++)
                    {
                        sum = T.FusedMultiplyAdd(weights[i + (p * n)], dz[i + (j * n)], sum);
                    }

                    inputGradient[p + (j * inputs)] = sum;
                }
            }

            return;
        }

        Blas.Gemm(Transpose.Yes, Transpose.No, inputs, m, n, T.One, weights, n, dz, n, T.Zero, inputGradient, inputs);
    }

    /// <summary>
    /// Whether an m×n×k product is tiny and the backend for <typeparamref name="T"/> is the managed kernel, which computes
    /// such a product by the plain loop the fast paths above repeat (so they give its bits, batch invariance included).
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
