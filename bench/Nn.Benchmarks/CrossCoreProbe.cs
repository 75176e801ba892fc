using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Benchmarks;

/// <summary>
/// What it costs a core to read data another core has just written, against reading its own: one thread writes a
/// buffer, reads it back (its own cache), writes it again and hands it to a second thread, which reads it (the other
/// core's cache); 2,000 rounds per size, mean µs per read and GB/s. The reason the training step keeps each core on its
/// own share of the first layer's weights (see Partitioned).
/// </summary>
public static class CrossCoreProbe
{
    private const int Rounds = 2000;

    /// <summary>Prints the table for buffers of 32 KiB, 400 KiB (the MLP's first-layer weights) and 1 MiB.</summary>
    public static void Run(TextWriter output)
    {
        if (Environment.ProcessorCount < 2)
        {
            output.WriteLine("cross-core reads: one core only, nothing to measure");
            return;
        }

        output.WriteLine($"{"buffer",10} {"own cache µs",13} {"GB/s",6} {"other core µs",14} {"GB/s",6}");
        foreach (var floats in new[] { 8192, 102_400, 262_144 })
        {
            var (own, other) = Measure(floats);
            var bytes = floats * 4.0;
            output.WriteLine($"{bytes / 1024,7:F0} KiB {own,13:F1} {bytes / own / 1e3,6:F1} {other,14:F1} {bytes / other / 1e3,6:F1}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double Own, double Other) Measure(int floats)
    {
        var buffer = new float[floats];
        var phase = 0;
        long ownTicks = 0, otherTicks = 0;
        var sink = 0f;
        var reader = new Thread(() =>
        {
            for (var r = 0; r < Rounds; r++)
            {
                while (Volatile.Read(ref phase) != 1)
                {
                    Thread.SpinWait(1);
                }

                var start = Stopwatch.GetTimestamp();
                sink += Sum(buffer);
                otherTicks += Stopwatch.GetTimestamp() - start;
                Volatile.Write(ref phase, 2);
            }
        });
        reader.Start();
        for (var r = 0; r < Rounds; r++)
        {
            Fill(buffer, r);
            var start = Stopwatch.GetTimestamp();
            sink += Sum(buffer);
            ownTicks += Stopwatch.GetTimestamp() - start;
            Fill(buffer, r + 1);
            Volatile.Write(ref phase, 1);
            while (Volatile.Read(ref phase) != 2)
            {
                Thread.SpinWait(1);
            }

            Volatile.Write(ref phase, 0);
        }

        reader.Join();
        GC.KeepAlive(sink);
        double Microseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency / Rounds;
        return (Microseconds(ownTicks), Microseconds(otherTicks));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum(float[] buffer)
    {
        var (a, b) = (Vector512<float>.Zero, Vector512<float>.Zero);
        var i = 0;
        for (; i + 32 <= buffer.Length; i += 32)
        {
            a += Vector512.LoadUnsafe(ref buffer[i]);
            b += Vector512.LoadUnsafe(ref buffer[i + 16]);
        }

        return Vector512.Sum(a + b);
    }

    private static void Fill(float[] buffer, float value) => buffer.AsSpan().Fill(value);
}
