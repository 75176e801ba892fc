using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Data;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Benchmarks;

/// <summary>
/// Where the time of one inference batch goes (784-128-10 ReLU/softmax, 1,000 Fashion-MNIST test images, float32):
/// the whole <see cref="Propagation.Predict{T}"/> on one batch and on ten different batches, then each piece alone.
/// Fastest of 50 calls after a warm-up long enough for tiered compilation, in µs.
/// </summary>
public static class PredictProbe
{
    /// <summary>Prints the table.</summary>
    /// <param name="output">Where the table goes.</param>
    public static void Run(TextWriter output)
    {
        var images = FashionMnist.LoadTest();
        var (features, _) = images.ToFeatures();
        var x = Array.ConvertAll(features, v => (float)v);
        var network = Network.Create<float>([784, 128, 10], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 1);
        var batch = Dense.Matrix(784, 1000, x.AsSpan(0, 784 * 1000).ToArray());
        var w0 = Dense.Data(network.Layers[0].Weights).ToArray();
        var b0 = Dense.Data(network.Layers[0].Bias).ToArray();
        var w1 = Dense.Data(network.Layers[1].Weights).ToArray();
        var b1 = Dense.Data(network.Layers[1].Bias).ToArray();
        var z0 = new float[128 * 1000];
        var z1 = new float[10 * 1000];
        var data = Dense.Data(batch).ToArray();
        output.WriteLine($"predict   {Fastest(() => Propagation.Predict(network, batch)),9:F1} µs");
        var batches = Enumerable.Range(0, 10).Select(b => Dense.Matrix(784, 1000, x.AsSpan(784 * 1000 * b, 784 * 1000).ToArray())).ToArray();
        HeadToHead(output, network, batches);
        output.WriteLine($"10 batches {Fastest(() => Array.ForEach(batches, b => Propagation.Predict(network, b))) / 10,8:F1} µs per batch");
        var datas = batches.Select(b => Dense.Data(b).ToArray()).ToArray();
        output.WriteLine($"10 affine0 {Fastest(() => Array.ForEach(datas, d => DenseKernels.Affine<float>(w0, b0, 128, 784, d, 1000, z0))) / 10,8:F1} µs per batch");
        output.WriteLine($"10 finite  {Fastest(() => Array.ForEach(datas, d => Guard.FirstNonFinite<float>(d))) / 10,8:F1} µs per batch");
        output.WriteLine($"finite    {Fastest(() => Guard.FirstNonFinite<float>(data)),9:F1} µs");
        output.WriteLine($"affine0   {Fastest(() => DenseKernels.Affine<float>(w0, b0, 128, 784, data, 1000, z0)),9:F1} µs");
        output.WriteLine($"relu      {Fastest(() => Activation.Relu.Forward<float>(z0, z0, 128)),9:F1} µs");
        output.WriteLine($"affine1   {Fastest(() => DenseKernels.Affine<float>(w1, b1, 10, 128, z0, 1000, z1)),9:F1} µs");
        var y = new float[10 * 1000];
        for (var j = 0; j < 1000; j++)
        {
            y[(j * 10) + (j % 10)] = 1f;
        }

        var a1 = z1.ToArray();
        output.WriteLine($"ce total  {Fastest(() => Nn.Losses.Loss.SoftmaxCrossEntropy.Total<float>(z1, a1, y, 10)),9:F1} µs");
        output.WriteLine($"softmax   {Fastest(() => Activation.Softmax.Forward<float>(z1, z1, 10)),9:F1} µs");
    }

    /// <summary>
    /// Predict (by blocks of observations) against the per-layer pass with its finiteness check, on the same ten batches,
    /// taking turns for 30 rounds after a warm-up: medians per batch and the median of the rounds' ratios.
    /// </summary>
    private static void HeadToHead(TextWriter output, Network<float> network, Matrix<float>[] batches)
    {
        void Blocks() => Array.ForEach(batches, b => Propagation.Predict(network, b));
        void Layers() => Array.ForEach(batches, b =>
        {
            Guard.Finite(b, "X");
            Propagation.PredictByLayers(network, b);
        });
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < 1)
        {
            Blocks();
            Layers();
        }

        var (blocks, layers) = (new List<double>(), new List<double>());
        var watch = new Stopwatch();
        for (var round = 0; round < 30; round++)
        {
            Thread.Sleep(2);
            watch.Restart();
            Blocks();
            blocks.Add(watch.Elapsed.TotalSeconds * 1e5);
            Thread.Sleep(2);
            watch.Restart();
            Layers();
            layers.Add(watch.Elapsed.TotalSeconds * 1e5);
        }

        var ratio = Median(blocks.Zip(layers, (b, l) => l / b).ToList());
        output.WriteLine($"blocks    {Median(blocks),9:F1} µs per batch, by layers {Median(layers):F1} µs (10 batches, 30 alternating rounds, medians); by layers / blocks {ratio:F3}×");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Fastest(Action action)
    {
        // Run long enough for tiered compilation to replace the framework's precompiled code (≥ 0.5 s).
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < 0.7)
        {
            action();
        }

        var best = double.MaxValue;
        var watch = new Stopwatch();
        for (var round = 0; round < 50; round++)
        {
            watch.Restart();
            action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds * 1e6);
        }

        return best;
    }
}
