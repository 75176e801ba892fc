using System.Numerics;
using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>
/// The textbook triple loop in double precision, with a per-element forward error bound for the product
/// computed in precision <c>T</c>: <c>|Ĉ − C| ≤ γ·(|α|·Σₚ|a_ip||b_pj| + |β||c_ij|)</c> with
/// <c>γ = (k + 3)·ε</c>. Higham, <i>Accuracy and Stability of Numerical Algorithms</i> (2nd ed.), §3.5,
/// bounds a length-k dot product by <c>γ_k = k·u/(1 − k·u)</c> with unit roundoff <c>u = ε/2</c>; the
/// three extra roundings cover scaling by α, scaling by β and the final addition, in any order a blocked
/// kernel may choose; using ε rather than u leaves room for the reference's own rounding when T is double
/// (at most k·u, so the two computed values differ by at most (k + 1)·ε times the magnitude).
/// </summary>
internal static class NaiveProduct
{
    /// <summary>Machine epsilon of <typeparamref name="T"/> (2⁻²³ for float, 2⁻⁵² for double).</summary>
    public static double Epsilon<T>()
        where T : IFloatingPointIeee754<T> => double.CreateTruncating(T.BitIncrement(T.One) - T.One);

    /// <summary>Element (i, j) of op(X) for a column-major X with leading dimension ld.</summary>
    public static double At<T>(T[] x, Transpose t, int i, int j, int ld)
        where T : IFloatingPointIeee754<T> => double.CreateTruncating(t == Transpose.No ? x[i + (j * ld)] : x[j + (i * ld)]);

    /// <summary>Exact-as-double <c>α·op(A)·op(B) + β·C</c> (β = 0 ignores C) and the error bound of each element.</summary>
    public static (double[] Value, double[] Bound) Gemm<T>(Transpose ta, Transpose tb, int m, int n, int k, T alpha, T[] a, int lda, T[] b, int ldb, T beta, T[] c, int ldc)
        where T : IFloatingPointIeee754<T>
    {
        var eps = Epsilon<T>();
        var al = double.CreateTruncating(alpha);
        var be = double.CreateTruncating(beta);
        var value = new double[m * n];
        var bound = new double[m * n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
            {
                double sum = 0, magnitude = 0;
                for (var p = 0; p < k; p++)
                {
                    var product = At(a, ta, i, p, lda) * At(b, tb, p, j, ldb);
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                var old = be == 0 ? 0 : double.CreateTruncating(c[i + (j * ldc)]);
                value[i + (j * m)] = (al * sum) + (be * old);
                bound[i + (j * m)] = (k + 3) * eps * ((Math.Abs(al) * magnitude) + Math.Abs(be * old));
            }
        }

        return (value, bound);
    }
}
