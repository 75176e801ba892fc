using Nn.LinearAlgebra;
using Nn.TestSupport;

namespace Nn.Tests.LinearAlgebra;

public sealed class BlasSelectionTests
{
    private static (OpenBlas? Backend, string Detail) Missing() => (null, "libopenblas.so.0 not found");

    [Fact]
    public void ManagedSettingChoosesTheManagedBackendWithoutLoadingOpenBlas()
    {
        var (backend, description) = Blas.Choose("managed", () => throw new InvalidOperationException("OpenBLAS must not be loaded for NN_BLAS=managed"));
        Assert.Same(Blas.Managed, backend);
        Assert.Equal($"{Blas.Managed.Name} (requested; NN_BLAS=managed)", description);
    }

    [Fact]
    public void AutoFallsBackToManagedAndSaysWhyWhenOpenBlasIsMissing()
    {
        var (backend, description) = Blas.Choose(null, Missing);
        Assert.Same(Blas.Managed, backend);
        Assert.Equal($"{Blas.Managed.Name} (libopenblas.so.0 not found; NN_BLAS=auto)", description);
    }

    [Fact]
    public void OpenBlasSettingFailsWithAClearMessageWhenTheLibraryIsMissing()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Blas.Choose("OpenBLAS", Missing));
        Assert.Contains("NN_BLAS=openblas", error.Message, StringComparison.Ordinal);
        Assert.Contains("libopenblas.so.0 not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("libopenblas0-pthread", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownSettingIsRejectedByName()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Blas.Choose("mkl", Missing));
        Assert.Contains("NN_BLAS=mkl", error.Message, StringComparison.Ordinal);
    }

    [SystemFact(SystemPackage.OpenBlas)]
    public void TheOpenBlasSettingChoosesOpenBlasAndNamesItsLocation()
    {
        var openBlas = OpenBlas.Instance!;
        var (backend, description) = Blas.Choose(" openblas ", () => (openBlas, OpenBlas.LoadDetail));
        Assert.Same(openBlas, backend);
        Assert.StartsWith($"openblas (libopenblas.so.0", description, StringComparison.Ordinal);
        Assert.Contains(openBlas.Location, description, StringComparison.Ordinal);
    }

    [SystemFact(SystemPackage.OpenBlas)]
    public void AutoRunsFloat32OnTheManagedKernelAndFloat64OnOpenBlas()
    {
        var openBlas = OpenBlas.Instance!;
        foreach (var setting in new[] { null, "auto", " AUTO" })
        {
            var (backend, description) = Blas.Choose(setting, () => (openBlas, OpenBlas.LoadDetail));
            var split = Assert.IsType<PrecisionSplitBlas>(backend);
            Assert.Same(Blas.Managed, split.Single);
            Assert.Same(openBlas, split.Double);
            Assert.Equal("managed+openblas", backend.Name);
            Assert.StartsWith("managed+openblas (float32 products on the managed kernel; float64 products and factorisations on openblas: libopenblas.so.0", description, StringComparison.Ordinal);
            Assert.Contains(openBlas.Location, description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheSplitBackendSendsEachPrecisionToItsOwnBackend()
    {
        var single = new CountingBackend("s");
        var dual = new CountingBackend("d");
        var split = new PrecisionSplitBlas(single, dual);
        using (Blas.Use(split))
        {
            Blas.Gemm(Transpose.No, Transpose.No, 1, 1, 1, 1f, [2f], 1, [3f], 1, 0f, new float[1], 1);
            Blas.Gemm(Transpose.No, Transpose.No, 1, 1, 1, 1.0, [2.0], 1, [3.0], 1, 0.0, new double[1], 1);
            Blas.Syrk(Transpose.No, 1, 1, 1.0, [2.0], 1, 0.0, new double[1], 1);
        }

        Assert.Equal(["gemm32"], single.Calls);
        Assert.Equal(["gemm64", "syrk"], dual.Calls);
        Assert.Equal("s+d", split.Name);
    }

    private sealed class CountingBackend(string name) : IBlasBackend
    {
        public List<string> Calls { get; } = [];

        public string Name => name;

        public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc) => Calls.Add("gemm64");

        public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) => Calls.Add("gemm32");

        public void Syrk(Transpose trans, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc) => Calls.Add("syrk");

        public int Potrf(int n, Span<double> a, int lda)
        {
            Calls.Add("potrf");
            return 0;
        }

        public void Potrs(int n, int nrhs, ReadOnlySpan<double> l, int lda, Span<double> b, int ldb) => Calls.Add("potrs");
    }

    [Fact]
    public void UseInstallsABackendForItsScopeAndRestoresTheOuterOne()
    {
        var outside = Blas.Current;
        using (Blas.Use(ManagedBlas.Instance))
        {
            Assert.Same(ManagedBlas.Instance, Blas.Current);
            using (Blas.Use(Blas.Managed))
            {
                Assert.Same(Blas.Managed, Blas.Current);
            }

            Assert.Same(ManagedBlas.Instance, Blas.Current);
        }

        Assert.Same(outside, Blas.Current);
    }

    [Fact]
    public void TheStartupChoiceIsDescribedByName()
    {
        Assert.StartsWith(Blas.Default.Name + " (", Blas.Selection, StringComparison.Ordinal);
    }
}
