using MathNet.Numerics.LinearAlgebra;
using Nn.LinearAlgebra;
using Nn.TestSupport;

namespace Nn.Tests.LinearAlgebra;

/// <summary>
/// <see cref="Blas.Potrf"/> and <see cref="Blas.Potrs"/> on every backend, against the rounding bound of Higham's Theorem 10.3 and
/// against MathNet's Cholesky.
/// </summary>
public sealed class CholeskyTests
{
    private const double Unit = 1.1102230246251565e-16; // unit roundoff u = 2⁻⁵³

    private static readonly int[] Sizes = [1, 7, 64, 300, 785];

    public static TheoryData<string> ManagedBackends => new() { "managed", "managed-reference" };

    [Theory]
    [MemberData(nameof(ManagedBackends))]
    public void ManagedFactorsMeetTheRoundingBoundAndAgreeWithMathNet(string backend) => FactorsAgree(Managed(backend));

    [Theory]
    [MemberData(nameof(ManagedBackends))]
    public void ManagedSolvesAgreeWithMathNet(string backend) => SolvesAgree(Managed(backend));

    [Theory]
    [MemberData(nameof(ManagedBackends))]
    public void ManagedBackendsReportTheFirstMinorThatIsNotPositiveDefinite(string backend) => ReportsFailures(Managed(backend));

    [SystemFact(SystemPackage.OpenBlas)]
    public void OpenBlasFactorsMeetTheRoundingBoundAndAgreeWithMathNet() => FactorsAgree(OpenBlas.Instance!);

    [SystemFact(SystemPackage.OpenBlas)]
    public void OpenBlasSolvesAgreeWithMathNet() => SolvesAgree(OpenBlas.Instance!);

    [SystemFact(SystemPackage.OpenBlas)]
    public void OpenBlasReportsTheFirstMinorThatIsNotPositiveDefinite() => ReportsFailures(OpenBlas.Instance!);

    [Fact]
    public void ALeadingDimensionTooSmallIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Blas.Potrf(3, new double[9], 2));

    private static IBlasBackend Managed(string name) => name == "managed" ? Blas.Managed : ManagedBlas.Instance;

    // A = M·Mᵀ/n + I with M uniform on [−1, 1]: eigenvalues in [1, about 1 + 4/3] (Marchenko–Pastur for entries of variance 1/3),
    // so κ₂(A) < 3. Stored with a padded leading dimension, and NaN in the strict upper triangle, which must never be read.
    private static (double[] A, int Lda, Matrix<double> Reference) RandomSpd(int n, int seed)
    {
        var random = new Random(seed);
        var m = Matrix<double>.Build.Dense(n, n, (_, _) => (2 * random.NextDouble()) - 1);
        var reference = (m * m.Transpose() / n) + Matrix<double>.Build.DenseIdentity(n);
        var lda = n + 3;
        var a = new double[lda * n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                a[i + (j * lda)] = i >= j ? reference[i, j] : double.NaN;
            }
        }

        return (a, lda, reference);
    }

    private static void FactorsAgree(IBlasBackend backend)
    {
        using var scope = Blas.Use(backend);
        foreach (var n in Sizes)
        {
            var (a, lda, reference) = RandomSpd(n, n);
            Assert.Equal(0, Blas.Potrf(n, a, lda));

            // Higham, Accuracy and Stability, Thm. 10.3: L·Lᵀ = A + ΔA with |ΔA| ≤ γ_{n+1}·|L|·|Lᵀ|, for any summation order.
            var gamma = (n + 1) * Unit / (1 - ((n + 1) * Unit));
            for (var j = 0; j < n; j++)
            {
                for (var i = j; i < n; i++)
                {
                    double product = 0, magnitude = 0;
                    for (var k = 0; k <= j; k++)
                    {
                        product += a[i + (k * lda)] * a[j + (k * lda)];
                        magnitude += Math.Abs(a[i + (k * lda)] * a[j + (k * lda)]);
                    }

                    // The check itself is rounded: allow a second γ for computing L·Lᵀ here.
                    var bound = 2 * gamma * magnitude;
                    Assert.True(Math.Abs(product - reference[i, j]) <= bound, $"n = {n}: (L·Lᵀ − A)[{i}, {j}] = {product - reference[i, j]:G3} exceeds {bound:G3}");
                }
            }

            // Both factors are backward stable, so with κ₂(A) < 3 they agree to a few γ_{n+1}·κ ≈ 1e-12 (Higham Thm. 10.8);
            // 1e-10 leaves room for that, while a wrong element would be off by order 1.
            var expected = reference.Cholesky().Factor;
            var worst = 0.0;
            for (var j = 0; j < n; j++)
            {
                for (var i = j; i < n; i++)
                {
                    worst = Math.Max(worst, Math.Abs(a[i + (j * lda)] - expected[i, j]));
                }
            }

            Assert.True(worst <= 1e-10, $"n = {n}: largest difference from MathNet's factor is {worst:G3}");
        }
    }

    private static void SolvesAgree(IBlasBackend backend)
    {
        using var scope = Blas.Use(backend);
        foreach (var n in Sizes)
        {
            var (a, lda, reference) = RandomSpd(n, 100 + n);
            Assert.Equal(0, Blas.Potrf(n, a, lda));

            const int Rhs = 3;
            var random = new Random(n);
            var right = Matrix<double>.Build.Dense(n, Rhs, (_, _) => (2 * random.NextDouble()) - 1);
            var ldb = n + 1;
            var b = new double[ldb * Rhs];
            for (var c = 0; c < Rhs; c++)
            {
                for (var i = 0; i < n; i++)
                {
                    b[i + (c * ldb)] = right[i, c];
                }
            }

            Blas.Potrs(n, Rhs, a, lda, b, ldb);
            var expected = reference.Cholesky().Solve(right);

            // ‖A⁻¹‖ ≤ 1 (λ_min ≥ 1), so the two backward-stable solutions agree to about κ·n·u·‖x‖ ≈ 1e-12.
            for (var c = 0; c < Rhs; c++)
            {
                for (var i = 0; i < n; i++)
                {
                    Assert.True(Math.Abs(b[i + (c * ldb)] - expected[i, c]) <= 1e-10, $"n = {n}: x[{i}, {c}] is {b[i + (c * ldb)]} but MathNet gives {expected[i, c]}");
                }
            }

            Assert.Equal(0.0, b[n], 0.0); // the padding row of B is not touched
        }
    }

    private static void ReportsFailures(IBlasBackend backend)
    {
        using var scope = Blas.Use(backend);
        foreach (var n in Sizes)
        {
            // A negative diagonal entry at k leaves the leading minors of order ≤ k positive definite and makes minor k + 1 fail.
            var k = n / 2;
            var (a, lda, _) = RandomSpd(n, 7 * n);
            a[k + (k * lda)] = -1;
            Assert.Equal(k + 1, Blas.Potrf(n, a, lda));

            // NaN in the lower triangle is reported, never returned as a factor.
            var (withNaN, ldaNaN, _) = RandomSpd(n, 9 * n);
            withNaN[n - 1] = double.NaN; // A[n − 1, 0]
            var info = Blas.Potrf(n, withNaN, ldaNaN);
            Assert.InRange(info, 1, n);

            // The zero matrix fails at the first pivot.
            Assert.Equal(1, Blas.Potrf(n, new double[n * n], n));
        }
    }
}
