namespace Nn.LinearAlgebra;

/// <summary>
/// The fast managed backend: cache-blocked, packed GEMM on AVX-512 (or AVX2 with FMA) vectors, split over
/// all cores for large products, and a plain loop for tiny ones (no packing, no threads, no allocation).
/// Used when OpenBLAS is not available or <c>NN_BLAS=managed</c>.
/// </summary>
/// <remarks>
/// Results agree with the naive triple loop within the usual dot-product error bound <c>γ_k·|α|·|op(A)|·|op(B)|</c>
/// (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, §3.5); the summation order depends on
/// the blocking but not on the number of threads, so results are reproducible run to run. On hardware without
/// 256-bit FMA it falls back to plain loops. NaN and infinity propagate; with <c>β = 0</c> the old
/// <c>C</c> is not read.
/// </remarks>
public sealed class SimdBlas : IBlasBackend
{
    private SimdBlas()
    {
    }

    /// <summary>The single instance.</summary>
    public static SimdBlas Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "managed";

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc) =>
        PackedGemm.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, lowerOnly: false);

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        PackedGemm.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, lowerOnly: false);

    /// <inheritdoc />
    /// <remarks>Only the register tiles touching the lower triangle are computed (about half the work of a full product), then the lower triangle is mirrored.</remarks>
    public void Syrk(Transpose trans, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc)
    {
        var other = trans == Transpose.No ? Transpose.Yes : Transpose.No;
        PackedGemm.Gemm(trans, other, n, n, k, alpha, a, lda, a, lda, beta, c, ldc, lowerOnly: true);
        Symmetric.MirrorLowerToUpper(c, n, ldc);
    }

    /// <inheritdoc />
    /// <remarks>Blocked left-looking Cholesky whose updates run on this backend's products (Golub &amp; Van Loan §4.2.9).</remarks>
    public int Potrf(int n, Span<double> a, int lda) => BlockedCholesky.Factor(this, n, a, lda);

    /// <inheritdoc />
    public void Potrs(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb) => BlockedCholesky.Solve(n, nrhs, l, lda, b, ldb);
}
