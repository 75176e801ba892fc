using Nn.LinearAlgebra;

namespace Nn.Benchmarks;

/// <summary>The backends to compare: the reference loop, the managed SIMD kernel and OpenBLAS when it loads.</summary>
public static class Backends
{
    /// <summary>Every backend available on this machine, by name.</summary>
    public static IReadOnlyList<IBlasBackend> Available { get; } =
        OpenBlas.Instance is { } openBlas ? [SimdBlas.Instance, openBlas, ManagedBlas.Instance] : [SimdBlas.Instance, ManagedBlas.Instance];

    /// <summary>The backend called <paramref name="name"/>.</summary>
    public static IBlasBackend Named(string name) => Available.Single(b => b.Name == name);
}
