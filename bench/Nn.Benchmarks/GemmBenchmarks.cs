using BenchmarkDotNet.Attributes;
using Nn.LinearAlgebra;

namespace Nn.Benchmarks;

/// <summary>Float32 GEMM of the MLP's shapes on each backend.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] a = [];
    private float[] b = [];
    private float[] c = [];
    private IDisposable? scope;

    /// <summary>The backends to compare (the reference loop is left out: it is only a correctness oracle).</summary>
    public static IEnumerable<string> BackendNames => Backends.Available.Where(x => x is not ManagedBlas).Select(x => x.Name);

    /// <summary>The shapes to compare.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.Mlp;

    /// <summary>Backend under test.</summary>
    [ParamsSource(nameof(BackendNames))]
    public string Backend { get; set; } = "managed";

    /// <summary>Shape under test.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.Mlp[0];

    /// <summary>Allocates the operands and installs the backend.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (a, b, c) = Shape.Operands();
        scope = Blas.Use(Backends.Named(Backend));
    }

    /// <summary>Restores the default backend.</summary>
    [GlobalCleanup]
    public void Cleanup() => scope?.Dispose();

    /// <summary>One product.</summary>
    [Benchmark]
    public void Gemm() => Shape.Run(a, b, c);
}
