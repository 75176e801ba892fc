using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Benchmarks;

/// <summary>
/// The machine's peak float32 multiply-add rate: sixteen independent chains of 512-bit (else fourteen of 256-bit) fused
/// multiply-adds per thread, far more than the FMA latency × issue width needs (4 cycles × 2 pipes on Zen 4/5), so
/// the FMA pipes, not the dependencies, bound the rate. Run on one thread and on one thread per core at once; the
/// best of several trials is kept. Every GEMM figure of <see cref="Probe"/> is also given as a fraction of the
/// all-core figure.
/// </summary>
public static class PeakProbe
{
    private const int Chains = 16;

    /// <summary>Timed runs; many short ones, since on a shared machine the best is the one least disturbed.</summary>
    private const int Trials = 100;

    /// <summary>Multiply-adds per chain in one timed run (about 2 ms).</summary>
    private const int Steps = 1_000_000;

    /// <summary>Peak float32 GFLOP/s on one thread and on <see cref="Environment.ProcessorCount"/> threads at once.</summary>
    public static (double OneCore, double AllCores) Measure()
    {
        var one = Best(1);
        var all = Best(Environment.ProcessorCount);
        return (one, all);
    }

    /// <summary>Prints the peak rates, per core and for all cores, in float32 and float64.</summary>
    public static void Run(TextWriter output)
    {
        var width = Vector512.IsHardwareAccelerated ? 512 : 256;
        output.WriteLine($"peak FMA rate: {Chains} independent {width}-bit FMA chains per thread, best of {Trials} runs of {Steps:N0} steps; {Environment.ProcessorCount} cores");
        var (one, all) = Measure();
        output.WriteLine($"float32  one core: {one,7:F1} GFLOP/s   {Environment.ProcessorCount} cores: {all,7:F1} GFLOP/s   (scaling {all / one:F2}×)");
        output.WriteLine($"float64  one core: {one / 2,7:F1} GFLOP/s   {Environment.ProcessorCount} cores: {all / 2,7:F1} GFLOP/s   (half the lanes)");
    }

    private static double Best(int threads)
    {
        var best = 0.0;
        for (var trial = 0; trial < Trials + 1; trial++)
        {
            var seconds = Timed(threads);
            if (trial > 0)
            {
                // The first run warms up the JIT and the clocks.
                best = Math.Max(best, threads * Flops / seconds);
            }
        }

        return best / 1e9;
    }

    /// <summary>Flops of one thread's run: 16 chains of 16 lanes, or 14 chains of 8 lanes (16 registers without AVX-512).</summary>
    private static double Flops => 2.0 * Steps * (Vector512.IsHardwareAccelerated ? Chains * Vector512<float>.Count : 14 * Vector256<float>.Count);

    /// <summary>
    /// Wall time of <paramref name="threads"/> threads each running the chains once, released together: from the first
    /// start to the last finish, as the threads themselves saw them (the releasing thread may be descheduled meanwhile).
    /// </summary>
    private static double Timed(int threads)
    {
        using var start = new Barrier(threads);
        var sink = new float[threads];
        var begun = new long[threads];
        var ended = new long[threads];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            begun[t] = Stopwatch.GetTimestamp();
            sink[t] = Vector512.IsHardwareAccelerated ? Chains512(Steps) : Chains256(Steps);
            ended[t] = Stopwatch.GetTimestamp();
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        GC.KeepAlive(sink);
        return (double)(ended.Max() - begun.Min()) / Stopwatch.Frequency;
    }

    /// <summary>x ← 0.999·x + 0.001 on sixteen 512-bit chains: it settles at 1, so no overflow and no subnormals.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(int steps)
    {
        var m = Vector512.Create(0.999f);
        var s = Vector512.Create(0.001f);
        Vector512<float> x0 = Vector512.Create(0.1f), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0;
        Vector512<float> x8 = x0, x9 = x0, x10 = x0, x11 = x0, x12 = x0, x13 = x0, x14 = x0, x15 = x0;
        for (var i = 0; i < steps; i++)
        {
            x0 = Vector512.FusedMultiplyAdd(x0, m, s);
            x1 = Vector512.FusedMultiplyAdd(x1, m, s);
            x2 = Vector512.FusedMultiplyAdd(x2, m, s);
            x3 = Vector512.FusedMultiplyAdd(x3, m, s);
            x4 = Vector512.FusedMultiplyAdd(x4, m, s);
            x5 = Vector512.FusedMultiplyAdd(x5, m, s);
            x6 = Vector512.FusedMultiplyAdd(x6, m, s);
            x7 = Vector512.FusedMultiplyAdd(x7, m, s);
            x8 = Vector512.FusedMultiplyAdd(x8, m, s);
            x9 = Vector512.FusedMultiplyAdd(x9, m, s);
            x10 = Vector512.FusedMultiplyAdd(x10, m, s);
            x11 = Vector512.FusedMultiplyAdd(x11, m, s);
            x12 = Vector512.FusedMultiplyAdd(x12, m, s);
            x13 = Vector512.FusedMultiplyAdd(x13, m, s);
            x14 = Vector512.FusedMultiplyAdd(x14, m, s);
            x15 = Vector512.FusedMultiplyAdd(x15, m, s);
        }

        var sum = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13 + x14 + x15;
        return Vector512.Sum(sum);
    }

    /// <summary>As <see cref="Chains512"/> on fourteen 256-bit chains (the 16 registers of AVX2 hold them and the two constants).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(int steps)
    {
        var m = Vector256.Create(0.999f);
        var s = Vector256.Create(0.001f);
        Vector256<float> x0 = Vector256.Create(0.1f), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0;
        Vector256<float> x8 = x0, x9 = x0, x10 = x0, x11 = x0, x12 = x0, x13 = x0;
        for (var i = 0; i < steps; i++)
        {
            x0 = Vector256.FusedMultiplyAdd(x0, m, s);
            x1 = Vector256.FusedMultiplyAdd(x1, m, s);
            x2 = Vector256.FusedMultiplyAdd(x2, m, s);
            x3 = Vector256.FusedMultiplyAdd(x3, m, s);
            x4 = Vector256.FusedMultiplyAdd(x4, m, s);
            x5 = Vector256.FusedMultiplyAdd(x5, m, s);
            x6 = Vector256.FusedMultiplyAdd(x6, m, s);
            x7 = Vector256.FusedMultiplyAdd(x7, m, s);
            x8 = Vector256.FusedMultiplyAdd(x8, m, s);
            x9 = Vector256.FusedMultiplyAdd(x9, m, s);
            x10 = Vector256.FusedMultiplyAdd(x10, m, s);
            x11 = Vector256.FusedMultiplyAdd(x11, m, s);
            x12 = Vector256.FusedMultiplyAdd(x12, m, s);
            x13 = Vector256.FusedMultiplyAdd(x13, m, s);
        }

        var sum = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13;
        return Vector256.Sum(sum);
    }
}
