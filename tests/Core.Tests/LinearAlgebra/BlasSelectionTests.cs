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
    public void AutoChoosesTheManagedBackendWithoutLoadingOpenBlas()
    {
        foreach (var setting in new[] { null, "", "auto", " AUTO" })
        {
            var (backend, description) = Blas.Choose(setting, () => throw new InvalidOperationException("OpenBLAS must not be loaded for NN_BLAS=auto"));
            Assert.Same(Blas.Managed, backend);
            Assert.Equal($"{Blas.Managed.Name} (the default; NN_BLAS=auto)", description);
        }
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
