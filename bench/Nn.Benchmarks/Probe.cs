using System.Diagnostics;
using Nn.LinearAlgebra;

namespace Nn.Benchmarks;

/// <summary>
/// A quick stopwatch measurement of GFLOP/s per backend and shape: warm up, then the fastest of several
/// timed batches (on a shared machine the minimum is the figure least disturbed by other processes).
/// Much faster than BenchmarkDotNet. OpenBLAS's idle worker threads spin for a while after each call and
/// slow down whatever runs next on the same cores, so for clean figures probe one backend per process.
/// </summary>
public static class Probe
{
    /// <summary>
    /// Prints a table of GFLOP/s for every backend on the MLP shapes, the Syrk of the Newton step and a tiny product, each
    /// also as a percentage of the all-core float32 peak (<see cref="PeakProbe"/>, measured first in the same process).
    /// </summary>
    /// <param name="output">Where the table goes.</param>
    /// <param name="only">A backend name to probe alone, or null for all of them.</param>
    public static void Run(TextWriter output, string? only)
    {
        output.WriteLine($"default backend: {Blas.Selection}");
        output.WriteLine($"cores: {Environment.ProcessorCount}; AVX-512: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
        var (one, all) = PeakProbe.Measure();
        peak = all;
        output.WriteLine($"peak float32 FMA rate: {one:F1} GFLOP/s one core, {all:F1} GFLOP/s {Environment.ProcessorCount} cores (% peak below: of the latter; float64: of half of it)");
        var backends = Backends.Available.Where(x => only is null ? x is not ManagedBlas : x.Name == only).ToList();
        output.WriteLine($"{"shape (float32)",-22} {"m",5} {"n",5} {"k",5} " + string.Join(" ", backends.Select(x => $"{x.Name + " GF/s",14} {"%peak",6} {"µs",9}")) + "  managed/openblas");
        var wide = new List<double>();
        foreach (var shape in GemmShape.Mlp)
        {
            var (a, b, c) = shape.Operands();
            var seconds = backends.Select(backend => Fastest(backend, () => shape.Run(a, b, c), shape.Flops)).ToList();
            Print(output, shape.Name, shape.M, shape.N, shape.K, shape.Flops, seconds);
            if (shape.Wide)
            {
                wide.Add(shape.Flops / seconds[0] / 1e9);
            }
        }

        output.WriteLine($"784-wide products on {backends[0].Name}: worst {wide.Min() / peak:P0}, median {Median(wide) / peak:P0} of the {Environment.ProcessorCount}-core peak");
        DoubleProbe(output, backends);
        SyrkProbe(output, backends);
        CholeskyProbe(output, backends);
        TinyProbe(output, backends);
    }

    /// <summary>The 784-wide products in float64 (percentages of half the float32 peak: half the lanes).</summary>
    private static void DoubleProbe(TextWriter output, List<IBlasBackend> backends)
    {
        foreach (var shape in GemmShape.Mlp.Where(x => x.Wide))
        {
            var random = new Random(7);
            double[] Fill(int length) => Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
            var (a, b, c) = (Fill(shape.M * shape.K), Fill(shape.K * shape.N), new double[shape.M * shape.N]);
            var seconds = backends.Select(backend => Fastest(backend, () => Blas.Gemm(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, 1.0, a, shape.Lda, b, shape.Ldb, 0.0, c, shape.M), shape.Flops)).ToList();
            Print(output, shape.Name + " f64", shape.M, shape.N, shape.K, shape.Flops, seconds, peakScale: 0.5);
        }
    }

    /// <summary>Cholesky factorisation of a 784×784 symmetric positive definite matrix (float64), as in a Newton step.</summary>
    private static void CholeskyProbe(TextWriter output, List<IBlasBackend> backends)
    {
        const int n = 784;
        var random = new Random(5);
        var x = Enumerable.Range(0, 2 * n * n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var spd = new double[n * n];
        Blas.Syrk(Transpose.Yes, n, 2 * n, 1.0, x, 2 * n, 0.0, spd, n);
        var work = new double[n * n];
        var flops = n * (double)n * n / 3; // n³/3 multiply-adds, counted as flops as LAPACK's figures are
        var seconds = backends.Select(backend => Fastest(backend, () =>
        {
            spd.CopyTo(work, 0);
            Blas.Potrf(n, work, n);
        }, 2 * flops)).ToList();
        Print(output, "potrf 784 (float64)", n, n, n, 2 * flops, seconds, peakScale: 0.5);
    }

    /// <summary>The all-core float32 peak in GFLOP/s, measured at the start of <see cref="Run"/>.</summary>
    private static double peak = double.NaN;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
    }

    private static void SyrkProbe(TextWriter output, List<IBlasBackend> backends)
    {
        // The Gram matrix XᵀX of 12,000 samples × 784 features, as in a Newton step for logistic regression (float64).
        const int n = 784, k = 12000;
        var random = new Random(3);
        var x = Enumerable.Range(0, k * n).Select(_ => random.NextDouble()).ToArray();
        var h = new double[n * n];
        var flops = 1.0 * n * (n + 1) * k; // the triangle: n(n+1)/2 dot products of length k, 2 flops per term
        var seconds = backends.Select(backend => Fastest(backend, () => Blas.Syrk(Transpose.Yes, n, k, 1.0, x, k, 0.0, h, n), flops)).ToList();
        Print(output, "syrk XᵀX (float64)", n, n, k, flops, seconds, peakScale: 0.5);
    }

    private static void TinyProbe(TextWriter output, List<IBlasBackend> backends)
    {
        // The 2-2-1 XOR network: a 2×2 by 2×4 product.
        float[] a = [1, 2, 3, 4], b = [1, 2, 3, 4, 5, 6, 7, 8];
        var c = new float[8];
        var seconds = backends.Select(backend => Fastest(backend, () => Blas.Gemm(Transpose.No, Transpose.No, 2, 4, 2, 1f, a, 2, b, 2, 0f, c, 2), 32)).ToList();
        Print(output, "tiny 2×2·2×4", 2, 4, 2, 32, seconds);
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (Blas.Use(SimdBlas.Instance))
        {
            for (var i = 0; i < 1000; i++)
            {
                Blas.Gemm(Transpose.No, Transpose.No, 2, 4, 2, 1f, a, 2, b, 2, 0f, c, 2);
            }
        }

        output.WriteLine($"managed tiny product: {GC.GetAllocatedBytesForCurrentThread() - before} bytes allocated over 1000 calls (scope included)");

        // A product large enough to be split over threads; count what every thread allocates.
        var shape = GemmShape.Mlp[0];
        var (za, zb, zc) = shape.Operands();
        using (Blas.Use(SimdBlas.Instance))
        {
            for (var i = 0; i < 1000; i++)
            {
                shape.Run(za, zb, zc);
            }

            var total = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < 1000; i++)
            {
                shape.Run(za, zb, zc);
            }

            output.WriteLine($"managed {shape.Name} (two threads): {GC.GetTotalAllocatedBytes(precise: true) - total} bytes allocated by all threads over 1000 calls");
        }
    }

    /// <summary>
    /// Seconds per call: the fastest of 30 timed batches of about 2·10⁷ flops each, after a warm-up. Many short batches
    /// rather than a few long ones, since on a shared machine the figure that counts is the least disturbed one.
    /// </summary>
    private static double Fastest(IBlasBackend backend, Action product, double flops)
    {
        using var scope = Blas.Use(backend);
        var reps = Math.Max(1, (int)(2e7 / flops));
        for (var i = 0; i < 20 * reps; i++)
        {
            product();
        }

        var best = double.MaxValue;
        for (var batch = 0; batch < 30; batch++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < reps; i++)
            {
                product();
            }

            best = Math.Min(best, watch.Elapsed.TotalSeconds / reps);
        }

        return best;
    }

    private static void Print(TextWriter output, string name, int m, int n, int k, double flops, List<double> seconds, double peakScale = 1)
    {
        var cells = string.Join(" ", seconds.Select(s => $"{flops / s / 1e9,14:F1} {flops / s / 1e9 / (peak * peakScale),6:P0} {s * 1e6,9:F2}"));
        var ratio = seconds.Count > 1 ? $"  {seconds[1] / seconds[0],16:F2}" : string.Empty;
        output.WriteLine($"{name,-22} {m,5} {n,5} {k,5} {cells}{ratio}");
    }
}
