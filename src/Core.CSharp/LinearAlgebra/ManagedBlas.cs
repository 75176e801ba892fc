namespace Nn.LinearAlgebra;

/// <summary>
/// A portable managed GEMM, written for clarity rather than speed (column-by-column axpy). Correct for
/// every shape and transpose; it is the reference the other backends are tested against. The fast managed
/// backend is <see cref="SimdBlas"/>.
/// </summary>
public sealed class ManagedBlas : IBlasBackend
{
    /// <summary>The single instance.</summary>
    public static ManagedBlas Instance { get; } = new();

    private ManagedBlas()
    {
    }

    /// <inheritdoc />
    public string Name => "managed-reference";

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc) =>
        Gemm<double>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Gemm<float>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <inheritdoc />
    public void Syrk(Transpose trans, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc) =>
        Gemm<double>(trans, trans == Transpose.No ? Transpose.Yes : Transpose.No, n, n, k, alpha, a, lda, a, lda, beta, c, ldc);

    /// <inheritdoc />
    /// <remarks>Blocked left-looking Cholesky whose updates run on this backend's products (Golub &amp; Van Loan §4.2.9).</remarks>
    public int Potrf(int n, Span<double> a, int lda) => BlockedCholesky.Factor(this, n, a, lda);

    /// <inheritdoc />
    public void Potrs(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb) => BlockedCholesky.Solve(n, nrhs, l, lda, b, ldb);

    private static void Gemm<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (var j = 0; j < n; j++)
        {
            var cj = c.Slice(j * ldc, m);
            if (T.IsZero(beta))
            {
                cj.Clear();
            }
            else if (beta != T.One)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(cj, beta, cj);
            }

            for (var p = 0; p < k; p++)
            {
                var bpj = transB == Transpose.No ? b[p + (j * ldb)] : b[j + (p * ldb)];
                var s = alpha * bpj;
                if (transA == Transpose.No)
                {
                    // column p of A is contiguous: c_j += s · A[:, p]
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(a.Slice(p * lda, m), s, cj, cj);
                }
                else
                {
                    for (var i = 0; i < m; i++)
                    {
                        cj[i] += s * a[p + (i * lda)];
                    }
                }
            }
        }
    }
}
