using System.Numerics.Tensors;

namespace Nn.LinearAlgebra;

/// <summary>
/// Managed Cholesky factorisation and solve on column-major arrays, for backends without LAPACK
/// (arguments as in <see cref="IBlasBackend.Potrf"/> and <see cref="IBlasBackend.Potrs"/>, already validated).
/// </summary>
/// <remarks>
/// <para>The factorisation is the blocked, left-looking (gaxpy) Cholesky of Golub &amp; Van Loan, <em>Matrix Computations</em>,
/// 4th ed., §4.2.9, in the loop order of LAPACK <c>dpotrf</c>: for each block column of width <see cref="Block"/>, first subtract
/// the contribution of every column already factored with one matrix product through the backend's <see cref="IBlasBackend.Gemm(Transpose, Transpose, int, int, int, double, ReadOnlySpan{double}, int, ReadOnlySpan{double}, int, double, Span{double}, int)"/>
/// (almost all of the n³/3 multiply-adds), then factor the tall panel column by column (Alg. 4.2.1 restricted to the panel).</para>
/// <para>Rounding: the computed factor satisfies <c>L·Lᵀ = A + ΔA</c> with <c>|ΔA| ≤ γ_{n+1}·|L|·|Lᵀ|</c> whatever the blocking
/// (Higham, <em>Accuracy and Stability of Numerical Algorithms</em>, 2nd ed., Thm. 10.3). A pivot that is zero, negative or NaN stops
/// the factorisation and is reported, as LAPACK does.</para>
/// </remarks>
internal static class BlockedCholesky
{
    /// <summary>Columns per block: wide enough for the product to run near the kernel's speed, narrow enough that the
    /// unblocked panel work (about n²·Block/2 multiply-adds in vector axpys) stays a small fraction of n³/3.</summary>
    private const int Block = 48;

    /// <summary>Factors the lower triangle in place; returns 0, or the order of the first leading minor that is not positive definite.</summary>
    internal static int Factor(IBlasBackend backend, int n, Span<double> a, int lda)
    {
        for (var j0 = 0; j0 < n; j0 += Block)
        {
            var nb = Math.Min(Block, n - j0);
            var rows = n - j0;
            if (j0 > 0)
            {
                // A[j0:, j0:j0+nb] −= L[j0:, 0:j0]·L[j0:j0+nb, 0:j0]ᵀ. The operands are disjoint columns of the same array.
                var left = a.Slice(j0, ((j0 - 1) * lda) + rows);
                var right = a.Slice(j0, ((j0 - 1) * lda) + nb);
                var target = a.Slice(j0 + (j0 * lda), ((nb - 1) * lda) + rows);
                backend.Gemm(Transpose.No, Transpose.Yes, rows, nb, j0, -1.0, left, lda, right, lda, 1.0, target, lda);
            }

            for (var j = j0; j < j0 + nb; j++)
            {
                var column = a.Slice(j + (j * lda), n - j);
                for (var l = j0; l < j; l++)
                {
                    // A[j:, j] −= L[j, l]·L[j:, l]
                    TensorPrimitives.MultiplyAdd(a.Slice(j + (l * lda), n - j), -a[j + (l * lda)], column, column);
                }

                var pivot = column[0];
                if (!(pivot > 0))
                {
                    return j + 1;
                }

                var root = Math.Sqrt(pivot);
                column[0] = root;
                TensorPrimitives.Multiply(column[1..], 1 / root, column[1..]);
            }
        }

        return 0;
    }

    /// <summary>Overwrites each column b of <paramref name="b"/> with the solution of <c>L·Lᵀ·x = b</c>.</summary>
    internal static void Solve(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb)
    {
        for (var c = 0; c < nrhs; c++)
        {
            var x = b.Slice(c * ldb, n);

            // L·y = b by columns (forward substitution, Golub & Van Loan Alg. 3.1.3).
            for (var j = 0; j < n; j++)
            {
                var xj = x[j] / l[j + (j * lda)];
                x[j] = xj;
                var below = x[(j + 1)..];
                TensorPrimitives.MultiplyAdd(l.Slice(j + 1 + (j * lda), n - j - 1), -xj, below, below);
            }

            // Lᵀ·x = y by rows of Lᵀ, which are the contiguous columns of L (back substitution, Alg. 3.1.2).
            for (var j = n - 1; j >= 0; j--)
            {
                x[j] = (x[j] - Reductions.Dot(l.Slice(j + 1 + (j * lda), n - j - 1), x[(j + 1)..])) / l[j + (j * lda)];
            }
        }
    }
}
