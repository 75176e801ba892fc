namespace Nn.LinearAlgebra;

/// <summary>
/// The linear-algebra seam under every matrix product Nn computes. All operands are column-major flat
/// arrays, exactly as BLAS reads them: element (i, j) of an operand with leading dimension <c>ld</c> is at
/// <c>i + j·ld</c>.
/// </summary>
/// <remarks>
/// <c>C ← α·op(A)·op(B) + β·C</c> where <c>op(A)</c> is m×k, <c>op(B)</c> is k×n and <c>C</c> is m×n.
/// When <c>β = 0</c>, <c>C</c> is overwritten and its previous contents (even NaN) are ignored, as in BLAS.
/// <c>C</c> must not overlap <c>A</c> or <c>B</c>. NaN and infinity propagate as IEEE arithmetic dictates.
/// Implementations do not validate their arguments: <see cref="Blas"/> does, once.
/// </remarks>
public interface IBlasBackend
{
    /// <summary>A short name for logs and benchmark reports, e.g. <c>managed</c> or <c>openblas</c>.</summary>
    string Name { get; }

    /// <summary>Double-precision general matrix multiply (see the interface remarks for the contract).</summary>
    void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc);

    /// <summary>Single-precision general matrix multiply (see the interface remarks for the contract).</summary>
    void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc);

    /// <summary>
    /// Double-precision symmetric rank-k update <c>C ← α·op(A)·op(A)ᵀ + β·C</c>, where <c>op(A)</c> is n×k
    /// (<c>A</c> itself when <paramref name="trans"/> is <see cref="Transpose.No"/>, else <c>Aᵀ</c> of a k×n <c>A</c>).
    /// Unlike BLAS <c>dsyrk</c>, both triangles of the n×n <c>C</c> are written, so the result is a full symmetric matrix.
    /// With <c>β ≠ 0</c> the incoming <c>C</c> must be symmetric: backends may read only its lower triangle, as BLAS does.
    /// </summary>
    void Syrk(Transpose trans, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc);

    /// <summary>
    /// Cholesky factorisation <c>A = L·Lᵀ</c> of the n×n symmetric positive definite <c>A</c> in place (LAPACK <c>dpotrf</c>
    /// with <c>UPLO = 'L'</c>): only the lower triangle of <paramref name="a"/> is read, and on success it holds <c>L</c>.
    /// The strict upper triangle is workspace and its contents are unspecified on return.
    /// </summary>
    /// <returns>0 when <c>A</c> is numerically positive definite; otherwise the order k ≥ 1 of the first leading minor that is not
    /// (LAPACK's <c>INFO</c>), and the lower triangle holds a partial factor. A NaN pivot counts as not positive definite.</returns>
    int Potrf(int n, Span<double> a, int lda);

    /// <summary>
    /// Solves <c>A·X = B</c> with <c>A = L·Lᵀ</c> factored by <see cref="Potrf"/> (LAPACK <c>dpotrs</c> with <c>UPLO = 'L'</c>):
    /// two triangular solves, <c>L·Y = B</c> then <c>Lᵀ·X = Y</c>. <c>B</c> is n×nrhs and is overwritten by <c>X</c>; only the lower
    /// triangle of <paramref name="l"/> is read. NaN and infinity propagate.
    /// </summary>
    void Potrs(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb);
}
