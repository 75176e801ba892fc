using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Nn.Activations;
using Nn.Data;
using Nn.Initialization;
using Nn.Interop;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Benchmarks;

/// <summary>
/// Nn's inference against ONNX Runtime in one process, on one model: a 784-128-10 ReLU/softmax float32 network (a saved
/// Xavier-initialised weights from seed 1: the time does not depend on the values, and the outputs still have to agree), exported
/// with <see cref="OnnxExport"/> and run by ONNX Runtime with 1 and 2 intra-op threads (one inter-op thread, all graph
/// optimisations), over the 10,000 Fashion-MNIST test images at batch 1,000. Nn runs the path <c>nn predict</c> and
/// <c>nn bench mlp</c> use, <see cref="Propagation.Predict{T}"/>. After ≥ 1 s of warm-up of each engine, the three
/// take turns, one pass over the 10 batches each per round; medians over the rounds, as samples/s and as ratios.
/// The outputs are compared too: the largest absolute difference of any class probability.
/// </summary>
/// <remarks>
/// <para><b>Turns.</b> ONNX Runtime's intra-op threads spin after each <c>Run</c> (by default) and Nn's helper thread
/// for 200 µs after each job, holding the cores for a while after the pass that is timed: whoever runs next would pay
/// for it. So before every turn the process waits until its threads are idle (<see cref="Settle"/>: under a tenth of a
/// core for 20 ms, at least <see cref="TurnPause"/>), and the report gives the median wait after each engine's pass and
/// how many cores each engine keeps busy in windows after a pass. ONNX Runtime
/// keeps its default, spinning; <c>NN_ORT_NO_SPIN=1</c> sets the session option
/// <c>session.intra_op.allow_spinning</c> to 0 instead, and the JSON says which ran (<c>ort_spinning</c>). The reference
/// is ONNX Runtime's fastest setting (<c>nn_over_ort_best</c>): with spinning on, a fourth engine, <c>ort-2q</c>, runs two
/// threads with spinning off, which on a busy machine is faster than spinning threads that fight for the cores.</para>
/// </remarks>
public static class InferPeer
{
    private const int Batch = 1000;

    /// <summary>The shortest pause before a timed turn, in ms.</summary>
    private const int TurnPause = 5;

    /// <summary>2 ms windows in a row with the process's threads idle that end the wait before a turn.</summary>
    private const int QuietWindows = 10;

    /// <summary>The longest wait for the process's threads to go idle before a timed turn, in ms.</summary>
    private const int SettleLimit = 1000;

    /// <summary>Runs the comparison and prints a table and a <c>JSON {…}</c> line.</summary>
    /// <param name="output">Where the report goes.</param>
    /// <param name="rounds">How many alternating rounds to time.</param>
    public static void Run(TextWriter output, int rounds)
    {
        var (x, n, source) = Images();
        var network = Network.Create<float>([784, 128, 10], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 1);

        var onnx = OnnxExport.ToBytes(network);
        var batches = Enumerable.Range(0, (n + Batch - 1) / Batch)
            .Select(b => (Start: b * Batch, Count: Math.Min(Batch, n - (b * Batch))))
            .ToArray();
        var nnBatches = batches.Select(b => Dense.Matrix(784, b.Count, x.AsSpan(b.Start * 784, b.Count * 784).ToArray())).ToArray();

        var spinning = Environment.GetEnvironmentVariable("NN_ORT_NO_SPIN") != "1";
        using var one = new OrtPeer(onnx, 1, spinning, x, batches, network.Outputs);
        using var two = new OrtPeer(onnx, 2, spinning, x, batches, network.Outputs);

        // With spinning on, two threads without it as well: on a busy machine that is ONNX Runtime's faster setting.
        using var quiet = spinning ? new OrtPeer(onnx, 2, false, x, batches, network.Outputs) : null;
        var outputs = network.Outputs;
        var nnOut = new float[n * outputs];

        void NnPass()
        {
            foreach (var (b, i) in nnBatches.Select((b, i) => (b, i)))
            {
                Dense.Data(Propagation.Predict(network, b)).CopyTo(nnOut, batches[i].Start * outputs);
            }
        }

        (string Name, Action Pass)[] engines = [("nn", NnPass), ("ort-1", one.Pass), ("ort-2", two.Pass), .. quiet is null ? [] : new[] { ("ort-2q", (Action)quiet.Pass) }];
        foreach (var (_, pass) in engines)
        {
            var warm = Stopwatch.StartNew();
            for (var k = 0; k < 3 || warm.Elapsed.TotalSeconds < 1; k++)
            {
                pass();
            }
        }

        var busyAfter = engines.Select(e => BusyAfter(e.Pass)).ToArray();
        var times = engines.Select(_ => new List<double>()).ToArray();
        var settled = engines.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var e = 0; e < engines.Length; e++)
            {
                // The wait is charged to the engine that ran last.
                settled[(e + engines.Length - 1) % engines.Length].Add(Settle());
                var watch = Stopwatch.StartNew();
                engines[e].Pass();
                times[e].Add(watch.Elapsed.TotalSeconds);
            }
        }

        var medians = times.Select(Median).ToArray();
        var rates = medians.Select(s => n / s).ToArray();
        var diff1 = MaxAbsDiff(nnOut, one.Output);
        var diff2 = MaxAbsDiff(nnOut, two.Output);
        var agree = Enumerable.Range(0, n).Count(j => ArgMax(nnOut, j, outputs) == ArgMax(one.Output, j, outputs));

        output.WriteLine($"inference, {network.Inputs}-{string.Join('-', network.Layers.Select(l => l.Outputs))} float32, {n:N0} images ({source}) at batch {Batch}, {rounds} alternating rounds, medians");
        output.WriteLine($"  model: Xavier-normal weights, seed 1; Nn products on {Blas.Current.Name}; ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
        for (var e = 0; e < engines.Length; e++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {engines[e].Name,-6} {medians[e] * 1e3,8:F2} ms per pass  {rates[e],12:N0} samples/s  (min {times[e].Min() * 1e3:F2} ms, max {times[e].Max() * 1e3:F2} ms)"));
        }

        var best = rates.Skip(1).Max();
        var quietRate = quiet is null ? "null" : rates[3].ToString("F0", CultureInfo.InvariantCulture);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  nn / ort-1 = {rates[0] / rates[1]:F3}×   nn / ort-2 = {rates[0] / rates[2]:F3}×   nn / best ort = {rates[0] / best:F3}×   (samples/s ratios; ort-2q: 2 threads, spinning off)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  turns: ONNX Runtime spinning {(spinning ? "on (its default)" : "off (NN_ORT_NO_SPIN=1)")}; before each turn a wait of ≥ {TurnPause} ms until the process's threads are idle, median wait after {string.Join(", ", engines.Select((e, i) => string.Create(CultureInfo.InvariantCulture, $"{e.Name} {Median(settled[i]):F0} ms")))}"));
        output.WriteLine($"  cores busy after a pass, in the windows ending {string.Join('/', Windows)} ms after it: {string.Join("; ", engines.Select((e, i) => $"{e.Name} {Cores(busyAfter[i])}"))}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  outputs: max |p_nn − p_ort| = {diff1:G3} (1 thread), {diff2:G3} (2 threads); same class for {agree:N0} of {n:N0}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"JSON {{\"job\":\"infer\",\"images\":{n},\"source\":\"{source}\",\"batch\":{Batch},\"rounds\":{rounds},\"nn_samples_per_s\":{rates[0]:F0},\"ort1_samples_per_s\":{rates[1]:F0},\"ort2_samples_per_s\":{rates[2]:F0},\"ort2_nospin_samples_per_s\":{quietRate},\"nn_over_ort1\":{rates[0] / rates[1]:F4},\"nn_over_ort2\":{rates[0] / rates[2]:F4},\"nn_over_ort_best\":{rates[0] / best:F4},\"ort_spinning\":{(spinning ? "true" : "false")},\"min_pause_ms\":{TurnPause},\"settle_ms\":[{string.Join(',', settled.Select(t => Median(t).ToString("F1", CultureInfo.InvariantCulture)))}],\"busy_windows_ms\":[{string.Join(',', Windows)}],\"cores_busy_after\":{{{string.Join(',', engines.Select((e, i) => $"\"{e.Name}\":[{Cores(busyAfter[i], ",")}]"))}}},\"max_abs_diff\":{Math.Max(diff1, diff2):G4}}}"));
    }

    private static (float[] X, int N, string Source) Images()
    {
        if (File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "t10k-images-idx3-ubyte.gz")))
        {
            var (features, _) = FashionMnist.LoadTest().ToFeatures<float>();
            return (features, features.Length / 784, "Fashion-MNIST test set");
        }

        // Without the data set the timing is the same (dense products, no data-dependent branch) but the outputs mean nothing.
        Console.Error.WriteLine($"note: {FashionMnist.DefaultDirectory} is missing (Debian package dataset-fashion-mnist): timing on uniform random pixels instead.");
        var random = new Random(1);
        var x = new float[10_000 * 784];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = random.Next(256) / 255f;
        }

        return (x, 10_000, "uniform random pixels");
    }

    /// <summary>Ends, in ms after a pass, of the windows over which <see cref="BusyAfter"/> reports the cores kept busy.</summary>
    private static readonly int[] Windows = [2, 5, 10, 20, 50, 100, 200];

    /// <summary>
    /// How many cores the process keeps busy (its spinning threads) in each window after one pass of
    /// <paramref name="pass"/> (0–2 ms, 2–5 ms, … 100–200 ms): process CPU time over wall time, read over 1 ms sleeps; the
    /// median of 5 passes, each after 100 ms of rest.
    /// </summary>
    private static double[] BusyAfter(Action pass)
    {
        var samples = Windows.Select(_ => new List<double>()).ToArray();
        for (var repeat = 0; repeat < 5; repeat++)
        {
            Thread.Sleep(100);
            pass();
            var start = Stopwatch.GetTimestamp();
            var (cpu, wall) = (ProcessCpuMilliseconds(), 0.0);
            for (var w = 0; w < Windows.Length; w++)
            {
                double now;
                do
                {
                    Thread.Sleep(1);
                    now = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                while (now < Windows[w]);
                var used = ProcessCpuMilliseconds();
                samples[w].Add((used - cpu) / (now - wall));
                (cpu, wall) = (used, now);
            }
        }

        return [.. samples.Select(Median)];
    }

    /// <summary>
    /// Waits at least <see cref="TurnPause"/> ms and until the process used under a tenth of a core in each of
    /// <see cref="QuietWindows"/> 2 ms windows in a row (its spinning threads have parked: on a busy machine a spinning
    /// thread that lost its core looks idle for a while), at most <see cref="SettleLimit"/> ms; returns the wait in ms.
    /// </summary>
    private static double Settle()
    {
        var start = Stopwatch.GetTimestamp();
        Thread.Sleep(TurnPause);
        for (var quiet = 0; quiet < QuietWindows && Stopwatch.GetElapsedTime(start).TotalMilliseconds < SettleLimit;)
        {
            var (cpu, from) = (ProcessCpuMilliseconds(), Stopwatch.GetTimestamp());
            Thread.Sleep(2);
            var idle = ProcessCpuMilliseconds() - cpu < 0.1 * Stopwatch.GetElapsedTime(from).TotalMilliseconds;
            quiet = idle ? quiet + 1 : 0;
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>CPU time of all the process's threads, in ms, at nanosecond resolution (clock_gettime; 0 where that is missing).</summary>
    private static double ProcessCpuMilliseconds()
    {
        const int ProcessCpuTimeClock = 2;
        return OperatingSystem.IsLinux() && NativeMethods.clock_gettime(ProcessCpuTimeClock, out var time) == 0 ? (time.Seconds * 1e3) + (time.Nanoseconds / 1e6) : 0;
    }

    private static string Cores(double[] busy, string separator = "/") => string.Join(separator, busy.Select(b => b.ToString("F2", CultureInfo.InvariantCulture)));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (p, q) => Math.Abs((double)p - q)).Max();

    private static int ArgMax(float[] values, int column, int rows)
    {
        var best = 0;
        for (var i = 1; i < rows; i++)
        {
            if (values[(column * rows) + i] > values[(column * rows) + best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>One ONNX Runtime session with its input tensors over the images (no copy) and the last pass's outputs.</summary>
    private sealed class OrtPeer : IDisposable
    {
        private readonly InferenceSession session;
        private readonly RunOptions runOptions = new();
        private readonly OrtValue[] inputs;
        private readonly (int Start, int Count)[] batches;
        private readonly string inputName;
        private readonly string[] outputNames;
        private readonly int outputs;

        public OrtPeer(byte[] model, int threads, bool spinning, float[] x, (int Start, int Count)[] batches, int outputs)
        {
            using var options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            if (!spinning)
            {
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            }
            session = new InferenceSession(model, options);
            inputName = session.InputMetadata.Keys.Single();
            outputNames = [session.OutputMetadata.Keys.Single()];
            this.batches = batches;
            this.outputs = outputs;
            inputs = batches.Select(b => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(x, b.Start * 784, b.Count * 784), [b.Count, 784])).ToArray();
            Output = new float[batches.Sum(b => b.Count) * outputs];
        }

        public float[] Output { get; }

        public void Pass()
        {
            for (var i = 0; i < batches.Length; i++)
            {
                using var results = session.Run(runOptions, [inputName], [inputs[i]], outputNames);
                results[0].GetTensorDataAsSpan<float>().CopyTo(Output.AsSpan(batches[i].Start * outputs));
            }
        }

        public void Dispose()
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }

            runOptions.Dispose();
            session.Dispose();
        }
    }
}

/// <summary>The C library's clock, for the CPU time of the whole process.</summary>
internal static class NativeMethods
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int clock_gettime(int clock, out Timespec time);

    /// <summary>struct timespec on 64-bit Linux.</summary>
    internal struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
