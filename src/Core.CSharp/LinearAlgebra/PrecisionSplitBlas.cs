namespace Nn.LinearAlgebra;

/// <summary>
/// The default backend when OpenBLAS loads: float32 products run on the managed kernel, which is faster than OpenBLAS
/// on the layer shapes of the networks Nn trains (small products, called thousands of times per second, where
/// OpenBLAS's thread hand-offs cost more than they save; docs/performance.md); float64 products, <see cref="Syrk"/>
/// and the Cholesky routines run on OpenBLAS.
/// </summary>
/// <param name="single">Runs float32 products.</param>
/// <param name="double">Runs everything in float64.</param>
internal sealed class PrecisionSplitBlas(IBlasBackend single, IBlasBackend @double) : IBlasBackend
{
    /// <summary>Runs float32 products.</summary>
    public IBlasBackend Single { get; } = single;

    /// <summary>Runs float64 products and factorisations.</summary>
    public IBlasBackend Double { get; } = @double;

    /// <inheritdoc />
    public string Name => $"{Single.Name}+{Double.Name}";

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc) =>
        Double.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Single.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <inheritdoc />
    public void Syrk(Transpose trans, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc) =>
        Double.Syrk(trans, n, k, alpha, a, lda, beta, c, ldc);

    /// <inheritdoc />
    public int Potrf(int n, Span<double> a, int lda) => Double.Potrf(n, a, lda);

    /// <inheritdoc />
    public void Potrs(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb) => Double.Potrs(n, nrhs, l, lda, b, ldb);
}
