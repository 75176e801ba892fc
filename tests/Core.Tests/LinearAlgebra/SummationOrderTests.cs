using System.Numerics;
using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>
/// The managed kernel sums every element of C in an order fixed by k alone: the vector width, the tile an element
/// falls in and the other columns of the product make no difference to its bits.
/// </summary>
public sealed class SummationOrderTests
{
    private static readonly Transpose[] Both = [Transpose.No, Transpose.Yes];

    /// <summary>
    /// The MLP's products, odd shapes around the tile sizes, one long enough for two k blocks, one tall enough to pack
    /// op(B), two split over the cores by k blocks (128 × 64 × 784 by rows' measure, 48 × 100 × 1100 by columns'), and
    /// Aᵀ·op(B) with few columns, which runs transposed (784 × 64 × 128; 170 × 20 × 250 on one thread and 500 × 40 × 300
    /// split over the cores, both with ragged edges both ways).
    /// </summary>
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (128, 64, 784), (128, 784, 64), (784, 64, 128), (10, 64, 128), (128, 64, 10),
        (1, 1, 1), (17, 13, 3), (33, 27, 65), (65, 25, 129), (47, 5, 1100), (520, 530, 8), (48, 100, 1100), (170, 20, 250), (500, 40, 300),
    ];

    [Fact]
    public void The512BitAnd256BitTilesAndThePlainLoopsGiveTheSameBitsInFloat() => WidthsAgree<float>();

    [Fact]
    public void The512BitAnd256BitTilesAndThePlainLoopsGiveTheSameBitsInDouble() => WidthsAgree<double>();

    [Fact]
    public void EachColumnOfAFloatProductIsTheSameBitsAsThatColumnAlone() => ColumnsIndependent<float>();

    [Fact]
    public void EachColumnOfADoubleProductIsTheSameBitsAsThatColumnAlone() => ColumnsIndependent<double>();

    private static void WidthsAgree<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(5);
        (double Alpha, double Beta)[] scalars = [(1, 0), (1, 1), (0.5, -0.75)];
        foreach (var (m, n, k) in Shapes)
        {
            foreach (var ta in Both)
            {
                foreach (var tb in Both)
                {
                    foreach (var (alpha, beta) in scalars)
                    {
                        var (a, lda, b, ldb) = Operands<T>(random, ta, tb, m, n, k);
                        var c = BackendChecks.RandomMatrix<T>(random, m * n);
                        var results = new[] { SimdBlas.Instance, SimdBlas.Vector256Tiles, SimdBlas.PlainLoops }.Select(backend =>
                        {
                            var result = (T[])c.Clone();
                            using (Blas.Use(backend))
                            {
                                Blas.Gemm(ta, tb, m, n, k, T.CreateTruncating(alpha), a, lda, b, ldb, T.CreateTruncating(beta), result, m);
                            }

                            return result;
                        }).ToList();
                        Assert.True(results[0].AsSpan().SequenceEqual(results[1]), $"{typeof(T).Name} {ta}{tb} {m}×{n}×{k} α={alpha} β={beta}: 512-bit and 256-bit tiles differ");
                        Assert.True(results[0].AsSpan().SequenceEqual(results[2]), $"{typeof(T).Name} {ta}{tb} {m}×{n}×{k} α={alpha} β={beta}: tiles and plain loops differ");
                    }
                }
            }
        }
    }

    private static void ColumnsIndependent<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(11);
        foreach (var (m, n, k) in Shapes)
        {
            foreach (var ta in Both)
            {
                foreach (var tb in Both)
                {
                    var (a, lda, b, ldb) = Operands<T>(random, ta, tb, m, n, k);
                    var bias = BackendChecks.RandomMatrix<T>(random, m);
                    var c = new T[m * n];
                    for (var j = 0; j < n; j++)
                    {
                        bias.CopyTo(c, j * m);
                    }

                    using var scope = Blas.Use(SimdBlas.Instance);
                    Blas.Gemm(ta, tb, m, n, k, T.One, a, lda, b, ldb, T.One, c, m);
                    foreach (var j in new[] { 0, n / 2, n - 1 })
                    {
                        // Column j of op(B) alone: B's column j, or row j of Bᵀ (leading dimension kept).
                        var alone = (T[])bias.Clone();
                        var offset = tb == Transpose.No ? j * ldb : j;
                        Blas.Gemm(ta, tb, m, 1, k, T.One, a, lda, b.AsSpan(offset), ldb, T.One, alone, m);
                        Assert.True(alone.AsSpan().SequenceEqual(c.AsSpan(j * m, m)), $"{typeof(T).Name} {ta}{tb} {m}×{n}×{k}: column {j} differs from the same column alone");
                    }
                }
            }
        }
    }

    private static (T[] A, int Lda, T[] B, int Ldb) Operands<T>(Random random, Transpose ta, Transpose tb, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (aRows, aCols) = ta == Transpose.No ? (m, k) : (k, m);
        var (bRows, bCols) = tb == Transpose.No ? (k, n) : (n, k);
        return (BackendChecks.RandomMatrix<T>(random, aRows * aCols), aRows, BackendChecks.RandomMatrix<T>(random, bRows * bCols), bRows);
    }
}
