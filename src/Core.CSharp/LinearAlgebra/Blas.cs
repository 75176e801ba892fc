using System.Numerics;

namespace Nn.LinearAlgebra;

/// <summary>
/// The one entry point for matrix products. Validates once, then calls the selected
/// <see cref="IBlasBackend"/>. All operands are column-major flat arrays (see <see cref="IBlasBackend"/>).
/// </summary>
public static class Blas
{
    /// <summary>The backend every product in Nn runs on.</summary>
    public static IBlasBackend Current { get; } = ManagedBlas.Instance;

    /// <summary>
    /// <c>C ← α·op(A)·op(B) + β·C</c> for <c>double</c> or <c>float</c>. <c>op(A)</c> is m×k, <c>op(B)</c> is k×n,
    /// <c>C</c> is m×n; with <c>β = 0</c> the old contents of <c>C</c> are ignored. <c>C</c> must not overlap
    /// <c>A</c> or <c>B</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, a leading dimension is too small or a span is too short.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <c>double</c> nor <c>float</c>.</exception>
    public static void Gemm<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (aRows, aCols) = transA == Transpose.No ? (m, k) : (k, m);
        var (bRows, bCols) = transB == Transpose.No ? (k, n) : (n, k);
        CheckOperand("A", aRows, aCols, a.Length, lda);
        CheckOperand("B", bRows, bCols, b.Length, ldb);
        CheckOperand("C", m, n, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        if (typeof(T) == typeof(double))
        {
            Current.Gemm(transA, transB, m, n, k, double.CreateTruncating(alpha), Cast<T, double>(a), lda, Cast<T, double>(b), ldb, double.CreateTruncating(beta), CastMutable<T, double>(c), ldc);
        }
        else if (typeof(T) == typeof(float))
        {
            Current.Gemm(transA, transB, m, n, k, float.CreateTruncating(alpha), Cast<T, float>(a), lda, Cast<T, float>(b), ldb, float.CreateTruncating(beta), CastMutable<T, float>(c), ldc);
        }
        else
        {
            throw new NotSupportedException($"Blas.Gemm supports double and float, not {typeof(T).Name}.");
        }
    }

    /// <summary>
    /// Symmetric rank-k update <c>C ← α·op(A)·op(A)ᵀ + β·C</c> in double precision, both triangles written.
    /// <c>op(A)</c> is n×k: <c>A</c> (n×k) when <paramref name="trans"/> is <see cref="Transpose.No"/>, else <c>Aᵀ</c> of a k×n <c>A</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, a leading dimension is too small or a span is too short.</exception>
    public static void Syrk(Transpose trans, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc)
    {
        var (aRows, aCols) = trans == Transpose.No ? (n, k) : (k, n);
        CheckOperand("A", aRows, aCols, a.Length, lda);
        CheckOperand("C", n, n, c.Length, ldc);
        if (n == 0)
        {
            return;
        }

        Current.Syrk(trans, n, k, alpha, a, lda, beta, c, ldc);
    }

    private static void CheckOperand(string name, int rows, int cols, int length, int ld)
    {
        if (rows < 0 || cols < 0)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {rows}×{cols}: sizes must be non-negative.");
        }

        if (ld < Math.Max(1, rows))
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {rows}×{cols} but its leading dimension is {ld}.");
        }

        if (cols > 0 && rows > 0 && length < ((long)ld * (cols - 1)) + rows)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {rows}×{cols} with leading dimension {ld} but its span holds only {length} elements.");
        }
    }

    private static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(span);

    private static Span<TTo> CastMutable<TFrom, TTo>(Span<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(span);
}
