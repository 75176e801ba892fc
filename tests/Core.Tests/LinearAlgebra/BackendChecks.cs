using System.Numerics;
using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>
/// The contract every <see cref="IBlasBackend"/> must meet, checked against <see cref="NaiveProduct"/>.
/// Each backend's test class runs these through <see cref="Blas"/> with the backend installed by <see cref="Blas.Use"/>.
/// </summary>
internal static class BackendChecks
{
    /// <summary>Odd sizes around the vector widths (8 doubles, 16 floats) and register-tile edges.</summary>
    private static readonly int[] OddSizes = [1, 3, 17, 65, 129];

    private static readonly Transpose[] Both = [Transpose.No, Transpose.Yes];

    /// <summary>Every m, n, k drawn from the odd sizes, every transpose pair, α = 1, β = 0.</summary>
    public static void AgreesOnOddShapes<T>(IBlasBackend backend)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(17);
        foreach (var m in OddSizes)
        {
            foreach (var n in OddSizes)
            {
                foreach (var k in OddSizes)
                {
                    foreach (var ta in Both)
                    {
                        foreach (var tb in Both)
                        {
                            Check<T>(backend, random, ta, tb, m, n, k, 1.0, 0.0, padding: 0);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Random shapes and scalars, with leading dimensions larger than the row counts.</summary>
    public static void AgreesOnRandomShapesWithScalarsAndPadding<T>(IBlasBackend backend, int cases)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(29);
        double[] alphas = [1, -1, 0.5, 2.25, 0];
        double[] betas = [0, 1, -0.75, 3];
        for (var c = 0; c < cases; c++)
        {
            var m = random.Next(1, 90);
            var n = random.Next(1, 90);
            var k = random.Next(1, 140);
            Check<T>(
                backend,
                random,
                Both[random.Next(2)],
                Both[random.Next(2)],
                m,
                n,
                k,
                alphas[random.Next(alphas.Length)],
                betas[random.Next(betas.Length)],
                padding: random.Next(0, 5));
        }
    }

    /// <summary>Products large enough for blocked and multi-threaded paths, in all transpose pairs.</summary>
    public static void AgreesOnLargeProducts<T>(IBlasBackend backend)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(41);
        foreach (var ta in Both)
        {
            foreach (var tb in Both)
            {
                Check<T>(backend, random, ta, tb, 67, 101, 600, 0.5, -1.5, padding: 3);
            }
        }

        Check<T>(backend, random, Transpose.No, Transpose.No, 10, 1000, 128, 1, 0, padding: 0);
        Check<T>(backend, random, Transpose.No, Transpose.Yes, 128, 784, 64, 1, 1, padding: 0);
    }

    /// <summary>β = 0 overwrites C without reading it, so NaN and infinity in C leave no trace.</summary>
    public static void BetaZeroIgnoresNaNInC<T>(IBlasBackend backend)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (m, n, k) in new[] { (2, 2, 2), (3, 5, 7), (65, 33, 129) })
        {
            var random = new Random(m + n + k);
            var a = RandomMatrix<T>(random, m * k);
            var b = RandomMatrix<T>(random, k * n);
            var c = new T[m * n];
            Array.Fill(c, T.NaN);
            c[0] = T.PositiveInfinity;
            using (Blas.Use(backend))
            {
                Blas.Gemm(Transpose.No, Transpose.No, m, n, k, T.One, a, m, b, k, T.Zero, c, m);
            }

            var (value, bound) = NaiveProduct.Gemm(Transpose.No, Transpose.No, m, n, k, T.One, a, m, b, k, T.Zero, c, m);
            AssertWithin(value, bound, c, m, n, m, $"{backend.Name} β=0 over NaN, {m}×{n}×{k}");
        }
    }

    /// <summary>k = 0: the product is empty, so C ← β·C.</summary>
    public static void EmptyInnerDimensionScalesCByBeta<T>(IBlasBackend backend)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] c = [T.CreateTruncating(1.0), T.CreateTruncating(-2.0), T.CreateTruncating(3.0), T.CreateTruncating(4.0)];
        using (Blas.Use(backend))
        {
            Blas.Gemm(Transpose.No, Transpose.No, 2, 2, 0, T.One, ReadOnlySpan<T>.Empty, 2, ReadOnlySpan<T>.Empty, 1, T.CreateTruncating(0.5), c, 2);
        }

        Assert.Equal([T.CreateTruncating(0.5), T.CreateTruncating(-1.0), T.CreateTruncating(1.5), T.CreateTruncating(2.0)], c);
    }

    /// <summary>Syrk equals the naive α·op(A)·op(A)ᵀ + β·C in both triangles, and C is exactly symmetric.</summary>
    public static void SyrkFillsBothTriangles(IBlasBackend backend)
    {
        var random = new Random(53);
        foreach (var (n, k, trans, alpha, beta, padding) in new[]
        {
            (1, 1, Transpose.No, 1.0, 0.0, 0),
            (3, 17, Transpose.Yes, 1.0, 0.0, 2),
            (17, 3, Transpose.No, -0.5, 2.0, 1),
            (65, 129, Transpose.Yes, 1.0, 1.0, 0),
            (129, 65, Transpose.No, 2.0, -1.0, 3),
            (300, 700, Transpose.Yes, 1.0, 0.0, 5),
        })
        {
            var rows = trans == Transpose.No ? n : k;
            var cols = trans == Transpose.No ? k : n;
            var lda = rows + padding;
            var ldc = n + padding;
            var a = RandomMatrix<double>(random, lda * cols);
            var c = SymmetricMatrix(random, n, ldc);
            var original = (double[])c.Clone();
            using (Blas.Use(backend))
            {
                Blas.Syrk(trans, n, k, alpha, a, lda, beta, c, ldc);
            }

            var other = trans == Transpose.No ? Transpose.Yes : Transpose.No;
            var (value, bound) = NaiveProduct.Gemm(trans, other, n, n, k, alpha, a, lda, a, lda, beta, original, ldc);
            var label = $"{backend.Name} syrk n={n} k={k} {trans} α={alpha} β={beta}";
            AssertWithin(value, bound, c, n, n, ldc, label);
            for (var j = 0; j < n; j++)
            {
                for (var i = j + 1; i < n; i++)
                {
                    Assert.True(c[i + (j * ldc)] == c[j + (i * ldc)], $"{label}: C[{i},{j}] = {c[i + (j * ldc)]} but C[{j},{i}] = {c[j + (i * ldc)]}");
                }
            }

            AssertPaddingUntouched(original, c, n, n, ldc, label);
        }
    }

    /// <summary>Runs one product through <see cref="Blas.Gemm{T}"/> under <paramref name="backend"/> and compares it with the naive loop.</summary>
    public static void Check<T>(IBlasBackend backend, Random random, Transpose ta, Transpose tb, int m, int n, int k, double alpha, double beta, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (aRows, aCols) = ta == Transpose.No ? (m, k) : (k, m);
        var (bRows, bCols) = tb == Transpose.No ? (k, n) : (n, k);
        int lda = aRows + padding, ldb = bRows + padding, ldc = m + padding;
        var a = RandomMatrix<T>(random, lda * aCols);
        var b = RandomMatrix<T>(random, ldb * bCols);
        var c = RandomMatrix<T>(random, ldc * n);
        var (aCopy, bCopy, cCopy) = ((T[])a.Clone(), (T[])b.Clone(), (T[])c.Clone());
        var (al, be) = (T.CreateTruncating(alpha), T.CreateTruncating(beta));
        using (Blas.Use(backend))
        {
            Blas.Gemm(ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc);
        }

        var label = $"{backend.Name} {typeof(T).Name} {ta}{tb} m={m} n={n} k={k} α={alpha} β={beta} pad={padding}";
        var (value, bound) = NaiveProduct.Gemm(ta, tb, m, n, k, al, a, lda, b, ldb, be, cCopy, ldc);
        AssertWithin(value, bound, c, m, n, ldc, label);
        Assert.True(a.AsSpan().SequenceEqual(aCopy), $"{label}: A was modified");
        Assert.True(b.AsSpan().SequenceEqual(bCopy), $"{label}: B was modified");
        AssertPaddingUntouched(cCopy, c, m, n, ldc, label);
    }

    private static void AssertWithin<T>(double[] value, double[] bound, T[] c, int m, int n, int ldc, string label)
        where T : IFloatingPointIeee754<T>
    {
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
            {
                var actual = double.CreateTruncating(c[i + (j * ldc)]);
                var expected = value[i + (j * m)];
                var error = Math.Abs(actual - expected);
                Assert.True(error <= bound[i + (j * m)], $"{label}: C[{i},{j}] = {actual}, expected {expected} ± {bound[i + (j * m)]:g3}");
            }
        }
    }

    /// <summary>Rows m..ldc−1 of every column of C are outside the matrix and must keep their old values.</summary>
    private static void AssertPaddingUntouched<T>(T[] before, T[] after, int m, int n, int ldc, string label)
        where T : IFloatingPointIeee754<T>
    {
        for (var j = 0; j < n; j++)
        {
            for (var i = m; i < ldc && i + (j * ldc) < after.Length; i++)
            {
                Assert.True(before[i + (j * ldc)] == after[i + (j * ldc)], $"{label}: padding C[{i},{j}] changed");
            }
        }
    }

    public static T[] RandomMatrix<T>(Random random, int length)
        where T : IFloatingPointIeee754<T>
    {
        var x = new T[length];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = T.CreateTruncating((random.NextDouble() * 2) - 1);
        }

        return x;
    }

    private static double[] SymmetricMatrix(Random random, int n, int ldc)
    {
        var c = RandomMatrix<double>(random, ldc * n);
        for (var j = 0; j < n; j++)
        {
            for (var i = j + 1; i < n; i++)
            {
                c[j + (i * ldc)] = c[i + (j * ldc)];
            }
        }

        return c;
    }
}
