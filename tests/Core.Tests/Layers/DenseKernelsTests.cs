using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Tests.Layers;

/// <summary>
/// A layer's three products on tiny shapes (the XOR network's, where the layer kernels run their own loops) and on
/// larger ones give bit for bit what the BLAS seam and the vector adds give: z = W·a + b, ∂W = dZ·aᵀ with ∂b the row
/// sums of dZ, and ∂a = Wᵀ·dZ, on the managed kernel and on its plain loops.
/// </summary>
public sealed class DenseKernelsTests
{
    /// <summary>(units n, inputs, batch m): every tiny shape up to 4 in each, then some around and above the tiny bound.</summary>
    private static readonly (int N, int Inputs, int M)[] Shapes =
    [
        .. from n in Enumerable.Range(1, 4) from inputs in Enumerable.Range(1, 4) from m in Enumerable.Range(1, 4) select (n, inputs, m),
        (2, 2, 64), (16, 16, 1), (1, 256, 1), (8, 4, 8), (8, 4, 9), (9, 9, 9), (3, 7, 13),
    ];

    [Fact]
    public void FloatLayerProductsGiveTheBitsOfTheSeam() => AllAgree<float>();

    [Fact]
    public void DoubleLayerProductsGiveTheBitsOfTheSeam() => AllAgree<double>();

    [Fact]
    public void FloatLayerProductsGiveTheBitsOfThePlainLoops()
    {
        using (Blas.Use(SimdBlas.PlainLoops))
        {
            AllAgree<float>();
        }
    }

    private static void AllAgree<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(11);
        foreach (var (n, inputs, m) in Shapes)
        {
            var shape = $"{typeof(T).Name} n={n} inputs={inputs} m={m}";
            var weights = Values<T>(random, n * inputs);
            var bias = Values<T>(random, n);
            var previous = Values<T>(random, inputs * m);
            var dz = Values<T>(random, n * m);

            var z = new T[n * m];
            DenseKernels.Affine<T>(weights, bias, n, inputs, previous, m, z);
            var zSeam = new T[n * m];
            for (var j = 0; j < m; j++)
            {
                bias.CopyTo(zSeam.AsSpan(j * n, n));
            }

            Blas.Gemm(Transpose.No, Transpose.No, n, m, inputs, T.One, weights, n, previous, inputs, T.One, zSeam, n);
            SameBits<T>(zSeam, z, $"{shape}: z = W·a + b");

            var weightGradient = new T[n * inputs];
            var biasGradient = new T[n];
            DenseKernels.ParameterGradients<T>(dz, previous, n, inputs, m, weightGradient, biasGradient);
            var weightSeam = new T[n * inputs];
            Blas.Gemm(Transpose.No, Transpose.Yes, n, inputs, m, T.One, dz, n, previous, inputs, T.Zero, weightSeam, n);
            var biasSeam = new T[n];
            for (var j = 0; j < m; j++)
            {
                TensorPrimitives.Add(biasSeam, dz.AsSpan(j * n, n), biasSeam);
            }

            SameBits<T>(weightSeam, weightGradient, $"{shape}: ∂W = dZ·aᵀ");
            SameBits<T>(biasSeam, biasGradient, $"{shape}: ∂b = Σ_j dZ[:, j]");

            var inputGradient = new T[inputs * m];
            DenseKernels.InputGradient<T>(weights, dz, n, inputs, m, inputGradient);
            var inputSeam = new T[inputs * m];
            Blas.Gemm(Transpose.Yes, Transpose.No, inputs, m, n, T.One, weights, n, dz, n, T.Zero, inputSeam, inputs);
            SameBits<T>(inputSeam, inputGradient, $"{shape}: ∂a = Wᵀ·dZ");
        }
    }

    // Values of mixed signs and magnitudes (so that a product rounded before its addition would differ from a fused
    // multiply-add), with signed zeros among them.
    private static T[] Values<T>(Random random, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        [
            .. Enumerable.Range(0, count).Select(_ => random.Next(8) switch
            {
                0 => T.Zero,
                1 => T.NegativeZero,
                _ => T.CreateTruncating((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-12, 12))),
            }),
        ];

    private static void SameBits<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged
    {
        Assert.True(MemoryMarshal.AsBytes(expected).SequenceEqual(MemoryMarshal.AsBytes(actual)), $"{what}: [{string.Join(", ", expected.ToArray())}] expected, [{string.Join(", ", actual.ToArray())}] computed");
    }
}
