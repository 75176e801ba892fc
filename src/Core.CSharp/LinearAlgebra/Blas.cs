using System.Numerics;

namespace Nn.LinearAlgebra;

/// <summary>
/// The one entry point for matrix products. Validates once, then calls the selected
/// <see cref="IBlasBackend"/>. All operands are column-major flat arrays (see <see cref="IBlasBackend"/>).
/// </summary>
public static class Blas
{
    /// <summary>Name of the environment variable that chooses the backend at start-up.</summary>
    public const string EnvironmentVariable = "NN_BLAS";

    private static readonly Lazy<(IBlasBackend Backend, string Description)> Startup = new(() => Choose(Environment.GetEnvironmentVariable(EnvironmentVariable), () => (OpenBlas.Instance, OpenBlas.LoadDetail)), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly AsyncLocal<IBlasBackend?> Scoped = new();

    /// <summary>Set by the first <see cref="Use"/>: until then no scope exists and <see cref="Current"/> skips the async-local lookup.</summary>
    private static volatile bool scopesUsed;

    /// <summary>
    /// The backend every product in Nn runs on: the one installed by the innermost <see cref="Use"/> scope of
    /// the current thread or async flow, else <see cref="Default"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>NN_BLAS</c> asks for a backend that cannot be loaded, or has an unknown value.</exception>
    public static IBlasBackend Current => scopesUsed ? Scoped.Value ?? Default : Default;

    /// <summary>
    /// The backend chosen once per process from the environment variable <c>NN_BLAS</c>:
    /// <c>auto</c> or unset (<see cref="Managed"/> for everything: on the products, Gram matrices and factorisations Nn
    /// computes it is faster than OpenBLAS, which is then never loaded), <c>openblas</c> (OpenBLAS for everything, or an
    /// exception) or <c>managed</c>. Case is ignored.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>NN_BLAS=openblas</c> but the library cannot be loaded, or <c>NN_BLAS</c> has an unknown value.</exception>
    public static IBlasBackend Default => Startup.Value.Backend;

    /// <summary>
    /// Which backend <see cref="Default"/> is and why, for logs, e.g.
    /// <c>managed (the default; NN_BLAS=auto)</c> or <c>openblas (libopenblas.so.0 from …; NN_BLAS=openblas)</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">As for <see cref="Default"/>.</exception>
    public static string Selection => Startup.Value.Description;

    /// <summary>
    /// Whether Nn's own helper threads may share work outside the products (minibatch gathers, parameter updates).
    /// Not while OpenBLAS runs the products: its threads keep polling the cores between calls, and two sets of
    /// polling threads on the same cores slow each other down.
    /// </summary>
    internal static bool HelpersWelcome() => Current is not OpenBlas;

    /// <summary>The fast managed backend (<see cref="SimdBlas"/>), always available.</summary>
    public static IBlasBackend Managed => SimdBlas.Instance;

    /// <summary>
    /// Runs every product of the current thread and async flow on <paramref name="backend"/> until the returned
    /// scope is disposed, which restores the previous backend. Scopes nest and flow with the async context
    /// (tasks started inside the scope inherit it); other threads are not affected. Meant for tests and
    /// benchmarks that compare backends.
    /// </summary>
    /// <param name="backend">The backend to install.</param>
    /// <returns>A scope whose disposal restores the backend that was current before.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="backend"/> is null.</exception>
    public static IDisposable Use(IBlasBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        scopesUsed = true;
        var scope = new Scope(Scoped.Value);
        Scoped.Value = backend;
        return scope;
    }

    /// <summary>
    /// Chooses a backend from a <c>NN_BLAS</c> value (null meaning unset) and describes the choice.
    /// <paramref name="loadOpenBlas"/> returns the OpenBLAS backend (null when it cannot be loaded) and the
    /// loader's detail; it is called for <c>openblas</c> only, so otherwise the native library is never loaded.
    /// </summary>
    internal static (IBlasBackend Backend, string Description) Choose(string? setting, Func<(OpenBlas? Backend, string Detail)> loadOpenBlas)
    {
        var mode = string.IsNullOrWhiteSpace(setting) ? "auto" : setting.Trim().ToLowerInvariant();
        switch (mode)
        {
            case "managed":
                return (Managed, $"{Managed.Name} (requested; {EnvironmentVariable}=managed)");
            case "openblas":
                {
                    var (openBlas, loadDetail) = loadOpenBlas();
                    return openBlas is not null
                        ? (openBlas, $"openblas ({loadDetail}; {EnvironmentVariable}=openblas)")
                        : throw new InvalidOperationException($"{EnvironmentVariable}=openblas but OpenBLAS cannot be used: {loadDetail}. Install libopenblas0-pthread, or set {EnvironmentVariable}=auto or {EnvironmentVariable}=managed.");
                }

            case "auto":
                return (Managed, $"{Managed.Name} (the default; {EnvironmentVariable}=auto)");

            default:
                throw new InvalidOperationException($"{EnvironmentVariable}={setting} is not a backend: use auto, openblas or managed.");
        }
    }

    /// <summary>
    /// <c>C ← α·op(A)·op(B) + β·C</c> for <c>double</c> or <c>float</c>. <c>op(A)</c> is m×k, <c>op(B)</c> is k×n,
    /// <c>C</c> is m×n; with <c>β = 0</c> the old contents of <c>C</c> are ignored. <c>C</c> must not overlap
    /// <c>A</c> or <c>B</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, a leading dimension is too small or a span is too short.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <c>double</c> nor <c>float</c>.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// Cholesky factorisation <c>A = L·Lᵀ</c> of the n×n symmetric positive definite <c>A</c> in place (LAPACK <c>dpotrf</c>, lower):
    /// only the lower triangle of <paramref name="a"/> is read, and on success it holds <c>L</c>; the strict upper triangle is
    /// workspace, unspecified on return. Cost n³/3 multiply-adds.
    /// </summary>
    /// <param name="n">The order of <c>A</c>.</param>
    /// <param name="a">The n×n matrix, column-major with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">The leading dimension of <paramref name="a"/>, at least max(1, n).</param>
    /// <returns>0 on success; otherwise the order k ≥ 1 of the first leading minor of <c>A</c> that is not numerically positive
    /// definite, so that column k − 1 (zero-based) has a pivot that is zero, negative, NaN or infinite. NaN or infinity anywhere in
    /// the lower triangle is reported this way rather than returned as a factor; the lower triangle then holds a partial factor.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative, <paramref name="lda"/> is too small or the span is too short.</exception>
    public static int Potrf(int n, Span<double> a, int lda)
    {
        CheckOperand("A", n, n, a.Length, lda);
        if (n == 0)
        {
            return 0;
        }

        var info = Current.Potrf(n, a, lda);
        if (info != 0)
        {
            return info;
        }

        // A NaN or infinity in A reaches the diagonal of L (each L[i, i] depends on every L[i, j], j ≤ i), but not every
        // backend's pivot test catches it, so the finished diagonal is checked here: O(n).
        for (var j = 0; j < n; j++)
        {
            var pivot = a[j + (j * lda)];
            if (!(double.IsFinite(pivot) && pivot > 0))
            {
                return j + 1;
            }
        }

        return 0;
    }

    /// <summary>
    /// Solves <c>A·X = B</c> with the factor <c>A = L·Lᵀ</c> from <see cref="Potrf"/> (LAPACK <c>dpotrs</c>, lower):
    /// <c>L·Y = B</c>, then <c>Lᵀ·X = Y</c>. Only the lower triangle of <paramref name="l"/> is read. Cost n²·nrhs multiply-adds.
    /// </summary>
    /// <param name="n">The order of <c>L</c>.</param>
    /// <param name="nrhs">The number of right-hand sides (columns of <c>B</c>).</param>
    /// <param name="l">The factor, as <see cref="Potrf"/> left it (success required), leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">The leading dimension of <paramref name="l"/>.</param>
    /// <param name="b">The n×nrhs right-hand sides, overwritten by the solutions; must not overlap <paramref name="l"/>.</param>
    /// <param name="ldb">The leading dimension of <paramref name="b"/>.</param>
    /// <remarks>NaN and infinity in <c>B</c> propagate to the solutions; the backward error is that of two triangular solves
    /// (Higham, <em>Accuracy and Stability of Numerical Algorithms</em>, 2nd ed., §10.1).</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, a leading dimension is too small or a span is too short.</exception>
    public static void Potrs(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb)
    {
        CheckOperand("L", n, n, l.Length, lda);
        CheckOperand("B", n, nrhs, b.Length, ldb);
        if (n == 0 || nrhs == 0)
        {
            return;
        }

        Current.Potrs(n, nrhs, l, lda, b, ldb);
    }

    /// <summary>Restores the backend that was current when <see cref="Use"/> was called.</summary>
    private sealed class Scope(IBlasBackend? previous) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                Scoped.Value = previous;
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void CheckOperand(string name, int rows, int cols, int length, int ld)
    {
        if (rows < 0 || cols < 0 || ld < Math.Max(1, rows) || (cols > 0 && rows > 0 && length < ((long)ld * (cols - 1)) + rows))
        {
            ThrowBadOperand(name, rows, cols, length, ld);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadOperand(string name, int rows, int cols, int length, int ld)
    {
        if (rows < 0 || cols < 0)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {rows}×{cols}: sizes must be non-negative.");
        }

        if (ld < Math.Max(1, rows))
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {rows}×{cols} but its leading dimension is {ld}.");
        }

        throw new ArgumentOutOfRangeException(name, $"{name} is {rows}×{cols} with leading dimension {ld} but its span holds only {length} elements.");
    }

    private static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(span);

    private static Span<TTo> CastMutable<TFrom, TTo>(Span<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(span);
}
