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
/// for it. Every turn is therefore followed by a pause of <see cref="TurnPause"/>, longer than any engine keeps a core
/// busy after its pass; the report measures that time (process CPU time over 1 ms sleeps after a pass). ONNX Runtime
/// keeps its default, spinning, which is its fastest setting here; <c>NN_ORT_NO_SPIN=1</c> sets the session option
/// <c>session.intra_op.allow_spinning</c> to 0 instead, and the JSON says which ran (<c>ort_spinning</c>). The reference
/// is ONNX Runtime's faster thread setting (<c>nn_over_ort_best</c>).</para>
/// </remarks>
public static class InferPeer
{
    private const int Batch = 1000;

    /// <summary>The pause after every timed turn, so that no engine's spinning threads are still busy when the next starts.</summary>
    private const int TurnPause = 20;

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
        var outputs = network.Outputs;
        var nnOut = new float[n * outputs];

        void NnPass()
        {
            foreach (var (b, i) in nnBatches.Select((b, i) => (b, i)))
            {
                Dense.Data(Propagation.Predict(network, b)).CopyTo(nnOut, batches[i].Start * outputs);
            }
        }

        var engines = new (string Name, Action Pass)[] { ("nn", NnPass), ("ort-1", one.Pass), ("ort-2", two.Pass) };
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
        for (var round = 0; round < rounds; round++)
        {
            for (var e = 0; e < engines.Length; e++)
            {
                Thread.Sleep(TurnPause);
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

        var best = Math.Max(rates[1], rates[2]);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  nn / ort-1 = {rates[0] / rates[1]:F3}×   nn / ort-2 = {rates[0] / rates[2]:F3}×   nn / best ort = {rates[0] / best:F3}×   (samples/s ratios)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  turns: ONNX Runtime spinning {(spinning ? "on (its default)" : "off (NN_ORT_NO_SPIN=1)")}; {TurnPause} ms pause before each turn; CPU busy after a pass: {string.Join(", ", engines.Select((e, i) => $"{e.Name} {busyAfter[i]:F1} ms"))}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  outputs: max |p_nn − p_ort| = {diff1:G3} (1 thread), {diff2:G3} (2 threads); same class for {agree:N0} of {n:N0}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"JSON {{\"job\":\"infer\",\"images\":{n},\"source\":\"{source}\",\"batch\":{Batch},\"rounds\":{rounds},\"nn_samples_per_s\":{rates[0]:F0},\"ort1_samples_per_s\":{rates[1]:F0},\"ort2_samples_per_s\":{rates[2]:F0},\"nn_over_ort1\":{rates[0] / rates[1]:F4},\"nn_over_ort2\":{rates[0] / rates[2]:F4},\"nn_over_ort_best\":{rates[0] / best:F4},\"ort_spinning\":{(spinning ? "true" : "false")},\"pause_ms\":{TurnPause},\"busy_after_ms\":[{string.Join(',', busyAfter.Select(b => b.ToString("F1", CultureInfo.InvariantCulture)))}],\"max_abs_diff\":{Math.Max(diff1, diff2):G4}}}"));
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

    /// <summary>
    /// How long, in ms, the process keeps more than a tenth of a core busy after one pass of <paramref name="pass"/>
    /// (its spinning threads): process CPU time read over 1 ms sleeps, up to 100 ms; the median of 5 passes.
    /// </summary>
    private static double BusyAfter(Action pass)
    {
        var samples = new List<double>();
        for (var repeat = 0; repeat < 5; repeat++)
        {
            Thread.Sleep(50);
            pass();
            var start = Stopwatch.GetTimestamp();
            var cpu = ProcessCpuMilliseconds();
            var busyUntil = 0.0;
            while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 100)
            {
                var before = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Thread.Sleep(1);
                var now = ProcessCpuMilliseconds();
                var after = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (now - cpu > 0.1 * (after - before))
                {
                    busyUntil = after;
                }

                cpu = now;
            }

            samples.Add(busyUntil);
        }

        return Median(samples);
    }

    /// <summary>CPU time of all the process's threads, in ms, at nanosecond resolution (clock_gettime; 0 where that is missing).</summary>
    private static double ProcessCpuMilliseconds()
    {
        const int ProcessCpuTimeClock = 2;
        return OperatingSystem.IsLinux() && NativeMethods.clock_gettime(ProcessCpuTimeClock, out var time) == 0 ? (time.Seconds * 1e3) + (time.Nanoseconds / 1e6) : 0;
    }

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
