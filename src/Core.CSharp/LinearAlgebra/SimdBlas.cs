namespace Nn.LinearAlgebra;

/// <summary>
/// The fast managed backend: cache-blocked GEMM on register tiles of AVX-512 (or AVX2 with FMA) vectors, split over
/// all cores for large products, and a plain loop for tiny ones (no packing, no threads, no allocation).
/// The default (<c>NN_BLAS=auto</c> or unset, and <c>NN_BLAS=managed</c>).
/// </summary>
/// <remarks>
/// Results agree with the naive triple loop within the usual dot-product error bound <c>γ_k·|α|·|op(A)|·|op(B)|</c>
/// (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, §3.5). Every element is summed in an order that
/// depends on k alone — not on the number of threads, the other dimensions or the vector width — so results are
/// reproducible run to run, each column of C is the same bits whatever the other columns of op(B) are, and machines
/// with 512-bit, 256-bit or no vectors agree bit for bit. On hardware without 256-bit FMA it runs plain loops. NaN and infinity propagate; with <c>β = 0</c> the old
/// <c>C</c> is not read.
/// </remarks>
public sealed class SimdBlas : IBlasBackend
{
    private readonly PackedGemm.Width width;

    private SimdBlas(PackedGemm.Width width, string name)
    {
        this.width = width;
        Name = name;
    }

    /// <summary>The vector width this instance runs the kernel's tiles on.</summary>
    internal PackedGemm.Width Width => width;

    /// <summary>The single instance.</summary>
    public static SimdBlas Instance { get; } = new(PackedGemm.Width.Auto, "managed");

    /// <summary>The same kernel on 256-bit tiles only: what a machine without AVX-512 runs.</summary>
    internal static SimdBlas Vector256Tiles { get; } = new(PackedGemm.Width.Vector256, "managed-256");

    /// <summary>The same kernel's plain loops only: what a machine without 256-bit FMA runs.</summary>
    internal static SimdBlas PlainLoops { get; } = new(PackedGemm.Width.Scalar, "managed-scalar");

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The vector width <paramref name="backend"/>'s tiles run on (a <see cref="SimdBlas"/>).</summary>
    internal static PackedGemm.Width WidthOf(IBlasBackend backend) => ((SimdBlas)backend).width;

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc) =>
        PackedGemm.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, lowerOnly: false, width);

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        PackedGemm.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, lowerOnly: false, width);

    /// <inheritdoc />
    /// <remarks>Only the register tiles touching the lower triangle are computed (about half the work of a full product), then the lower triangle is mirrored.</remarks>
    public void Syrk(Transpose trans, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc)
    {
        var other = trans == Transpose.No ? Transpose.Yes : Transpose.No;
        PackedGemm.Gemm(trans, other, n, n, k, alpha, a, lda, a, lda, beta, c, ldc, lowerOnly: true, width);
        Symmetric.MirrorLowerToUpper(c, n, ldc);
    }

    /// <inheritdoc />
    /// <remarks>Blocked left-looking Cholesky whose updates run on this backend's products (Golub &amp; Van Loan §4.2.9).</remarks>
    public int Potrf(int n, Span<double> a, int lda) => BlockedCholesky.Factor(this, n, a, lda);

    /// <inheritdoc />
    public void Potrs(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb) => BlockedCholesky.Solve(n, nrhs, l, lda, b, ldb);
}
