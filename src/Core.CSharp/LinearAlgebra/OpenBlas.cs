using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Nn.LinearAlgebra;

/// <summary>
/// The <see cref="IBlasBackend"/> over a system OpenBLAS (<c>libopenblas.so.0</c>, Debian package
/// <c>libopenblas0-pthread</c>), loaded at run time and called through its CBLAS entry points
/// <c>cblas_dgemm</c>, <c>cblas_sgemm</c> and <c>cblas_dsyrk</c> on the caller's memory in place, and through the LAPACK
/// routines <c>dpotrf_</c> and <c>dpotrs_</c> that Debian's build also exports.
/// </summary>
/// <remarks>
/// Nothing is copied: spans are pinned for the duration of the call. OpenBLAS threads large products over
/// its own pool. <see cref="Syrk"/> computes the lower triangle with <c>dsyrk</c>, then mirrors it so both
/// triangles are filled, as <see cref="IBlasBackend.Syrk"/> requires. NaN and infinity propagate as in
/// OpenBLAS; with <c>β = 0</c> OpenBLAS zeroes <c>C</c> first, so NaN in the old <c>C</c> is ignored.
/// The LAPACK routines use the Fortran calling convention: every argument by reference, 32-bit integers, and the length of
/// the character argument <c>UPLO</c> passed last by value (gfortran's hidden argument). A library without them falls back
/// to the managed blocked Cholesky on OpenBLAS's own <c>dgemm</c>.
/// </remarks>
public sealed unsafe class OpenBlas : IBlasBackend
{
    // CBLAS enumeration values (cblas.h).
    private const int ColMajor = 102;
    private const int NoTrans = 111;
    private const int Trans = 112;
    private const int Lower = 122;

    /// <summary>The library name, then the places Debian and other distributions install it.</summary>
    private static readonly string[] Candidates =
    [
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib64/libopenblas.so.0",
        "/usr/lib/libopenblas.so.0",
        "/usr/local/lib/libopenblas.so.0",
        "libopenblas.so.0",
        "libopenblas",
    ];

    private static readonly Lazy<(OpenBlas? Backend, string Detail)> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> dgemm;
    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm;
    private readonly delegate* unmanaged<int, int, int, int, int, double, double*, int, double, double*, int, void> dsyrk;

    // dpotrf_(UPLO, N, A, LDA, INFO, len(UPLO)) and dpotrs_(UPLO, N, NRHS, A, LDA, B, LDB, INFO, len(UPLO)); null when absent.
    private readonly delegate* unmanaged<byte*, int*, double*, int*, int*, nint, void> dpotrf;
    private readonly delegate* unmanaged<byte*, int*, int*, double*, int*, double*, int*, int*, nint, void> dpotrs;

    private OpenBlas(string location, string configuration, nint dgemm, nint sgemm, nint dsyrk, nint dpotrf, nint dpotrs)
    {
        this.dpotrf = (delegate* unmanaged<byte*, int*, double*, int*, int*, nint, void>)dpotrf;
        this.dpotrs = (delegate* unmanaged<byte*, int*, int*, double*, int*, double*, int*, int*, nint, void>)dpotrs;
        Location = location;
        Configuration = configuration;
        this.dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)dgemm;
        this.sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        this.dsyrk = (delegate* unmanaged<int, int, int, int, int, double, double*, int, double, double*, int, void>)dsyrk;
    }

    /// <summary>
    /// The process-wide OpenBLAS backend, or <see langword="null"/> when the library cannot be loaded
    /// (see <see cref="LoadDetail"/> for why). The first access loads the library; later ones reuse it.
    /// </summary>
    public static OpenBlas? Instance => Loaded.Value.Backend;

    /// <summary>
    /// Where the library was loaded from and how it was built (e.g. <c>libopenblas.so.0 from /usr/lib/…</c>),
    /// or why it could not be loaded (e.g. <c>libopenblas.so.0 not found</c>).
    /// </summary>
    public static string LoadDetail => Loaded.Value.Detail;

    /// <summary>The path (or bare name, when found on the loader's search path) the library was loaded from.</summary>
    public string Location { get; }

    /// <summary>OpenBLAS's own description of its build and of the CPU kernel it selected (<c>openblas_get_config</c>, <c>openblas_get_corename</c>).</summary>
    public string Configuration { get; }

    /// <inheritdoc />
    public string Name => "openblas";

    /// <summary>Returns the process-wide OpenBLAS backend when the library can be loaded.</summary>
    /// <param name="backend">The backend, or <see langword="null"/> when <c>libopenblas.so.0</c> is absent or lacks the CBLAS entry points.</param>
    /// <returns><see langword="true"/> when the library was loaded.</returns>
    public static bool TryGet([NotNullWhen(true)] out OpenBlas? backend)
    {
        backend = Instance;
        return backend is not null;
    }

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        fixed (double* pa = a, pb = b, pc = c)
        {
            dgemm(ColMajor, Code(transA), Code(transB), m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            sgemm(ColMajor, Code(transA), Code(transB), m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    /// <inheritdoc />
    public void Syrk(Transpose trans, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc)
    {
        fixed (double* pa = a, pc = c)
        {
            dsyrk(ColMajor, Lower, Code(trans), n, k, alpha, pa, lda, beta, pc, ldc);
        }

        Symmetric.MirrorLowerToUpper(c, n, ldc);
    }

    /// <inheritdoc />
    /// <remarks>LAPACK <c>dpotrf</c> (OpenBLAS's threaded implementation) when the library exports it.</remarks>
    public int Potrf(int n, Span<double> a, int lda)
    {
        if (dpotrf is null || dpotrs is null)
        {
            return BlockedCholesky.Factor(this, n, a, lda);
        }

        var uplo = (byte)'L';
        var info = 0;
        fixed (double* pa = a)
        {
            dpotrf(&uplo, &n, pa, &lda, &info, 1);
        }

        // INFO < 0 would name an illegal argument, which the validation in Blas rules out.
        return info;
    }

    /// <inheritdoc />
    /// <remarks>LAPACK <c>dpotrs</c> when the library exports it.</remarks>
    public void Potrs(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb)
    {
        if (dpotrf is null || dpotrs is null)
        {
            BlockedCholesky.Solve(n, nrhs, l, lda, b, ldb);
            return;
        }

        var uplo = (byte)'L';
        var info = 0;
        fixed (double* pl = l, pb = b)
        {
            dpotrs(&uplo, &n, &nrhs, pl, &lda, pb, &ldb, &info, 1);
        }
    }

    private static int Code(Transpose t) => t == Transpose.No ? NoTrans : Trans;

    private static (OpenBlas? Backend, string Detail) Load()
    {
        foreach (var candidate in Candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out var handle))
            {
                continue;
            }

            if (!NativeLibrary.TryGetExport(handle, "cblas_dgemm", out var dgemm)
                || !NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm)
                || !NativeLibrary.TryGetExport(handle, "cblas_dsyrk", out var dsyrk))
            {
                return (null, $"{candidate} lacks cblas_dgemm, cblas_sgemm or cblas_dsyrk");
            }

            NativeLibrary.TryGetExport(handle, "dpotrf_", out var dpotrf);
            NativeLibrary.TryGetExport(handle, "dpotrs_", out var dpotrs);
            var configuration = Describe(handle);
            var where = candidate.Contains('/', StringComparison.Ordinal) ? $"libopenblas.so.0 from {candidate}" : $"{candidate} from the loader search path";
            return (new OpenBlas(candidate, configuration, dgemm, sgemm, dsyrk, dpotrf, dpotrs), configuration.Length == 0 ? where : $"{where}, {configuration}");
        }

        return (null, "libopenblas.so.0 not found");
    }

    private static string Describe(nint handle)
    {
        var parts = new List<string>(2);
        if (NativeLibrary.TryGetExport(handle, "openblas_get_config", out var config))
        {
            var text = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)config)());
            if (!string.IsNullOrWhiteSpace(text))
            {
                parts.Add(text.Trim());
            }
        }

        if (NativeLibrary.TryGetExport(handle, "openblas_get_corename", out var core))
        {
            var text = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)core)());
            if (!string.IsNullOrWhiteSpace(text))
            {
                parts.Add($"kernel {text.Trim()}");
            }
        }

        return string.Join(", ", parts);
    }
}
