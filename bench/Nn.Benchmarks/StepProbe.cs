using System.Diagnostics;
using Nn.Activations;
using Nn.Data;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Optimization;
using Nn.Training;

namespace Nn.Benchmarks;

/// <summary>
/// Where the time of one SGD step of the 784-128-10 MLP goes (float32, Fashion-MNIST, shuffled minibatches): the
/// trainer's step replayed piece by piece with a stopwatch around each, over 2,000 steps after a 2 s warm-up; the
/// update is the trainer's (θ ← θ − 0.1·∇J with the gradient norm, over both cores).
/// Mean µs per step and share of the step.
/// </summary>
public static class StepProbe
{
    /// <summary>Prints the table.</summary>
    /// <param name="output">Where the table goes.</param>
    /// <param name="batch">Minibatch size.</param>
    public static void Run(TextWriter output, int batch)
    {
        var images = FashionMnist.LoadTrain();
        var (features, labels) = images.ToFeatures();
        var x = Array.ConvertAll(features, v => (float)v);
        var samples = images.Count;
        var y = Dense.Data(Targets.OneHot<float>(Array.ConvertAll(labels, l => (int)l), 10));

        var network = Network.Create<float>([784, 128, 10], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 1);
        // θ and ∇J flat in the tree's order (W1, b1, W2, b2), as the trainer holds them, so the update is the trainer's.
        var theta = network.Parameters.ToArray();
        var gradients = new float[theta.Length];
        int[] offsets = [0, .. network.Parameters.Buffers.Select(b => b.Length)];
        for (var i = 1; i < offsets.Length; i++)
        {
            offsets[i] += offsets[i - 1];
        }

        Span<float> Slice(float[] flat, int buffer) => flat.AsSpan(offsets[buffer], offsets[buffer + 1] - offsets[buffer]);
        var step = new ParameterStep<float>(theta, gradients, offsets);
        float[] xb = new float[784 * batch], yb = new float[10 * batch];
        float[] z0 = new float[128 * batch], a0 = new float[128 * batch], z1 = new float[10 * batch], a1 = new float[10 * batch];
        float[] dz1 = new float[10 * batch], da0 = new float[128 * batch], dz0 = new float[128 * batch];
        var order = Enumerable.Range(0, samples).ToArray();
        var rng = Rng.FromSeed(0);
        string[] names = ["gather", "Z1 = W1·X + b1", "relu", "Z2 = W2·A1 + b2", "softmax", "loss", "dZ2 = A2 − Y", "dW2, db2", "dA1 = W2ᵀ·dZ2", "relu′", "dW1, db1", "update"];
        var ticks = new long[names.Length];
        var start = 0;
        void Step(bool timed)
        {
            if (start + batch > samples)
            {
                rng = Permutation.Shuffle(order, rng);
                start = 0;
            }

            var phase = 0;
            var last = Stopwatch.GetTimestamp();
            void Mark()
            {
                var now = Stopwatch.GetTimestamp();
                if (timed)
                {
                    ticks[phase] += now - last;
                }

                phase++;
                last = now;
            }

            ColumnGather.Gather<float>(x, 784, order.AsSpan(start, batch), xb);
            ColumnGather.Gather<float>(y, 10, order.AsSpan(start, batch), yb);

            start += batch;
            Mark();
            DenseKernels.Affine<float>(Slice(theta, 0), Slice(theta, 1), 128, 784, xb, batch, z0);
            Mark();
            Activation.Relu.Forward<float>(z0, a0, 128);
            Mark();
            DenseKernels.Affine<float>(Slice(theta, 2), Slice(theta, 3), 10, 128, a0, batch, z1);
            Mark();
            Activation.Softmax.Forward<float>(z1, a1, 10);
            Mark();
            _ = Loss.SoftmaxCrossEntropy.Total<float>(z1, a1, yb, 10);
            Mark();
            Loss.SoftmaxCrossEntropy.OutputGradient<float>(Activation.Softmax, z1, a1, yb, dz1, 10);
            System.Numerics.Tensors.TensorPrimitives.Multiply(dz1, 1f / batch, dz1);
            Mark();
            DenseKernels.ParameterGradients<float>(dz1, a0, 10, 128, batch, Slice(gradients, 2), Slice(gradients, 3));
            Mark();
            DenseKernels.InputGradient<float>(Slice(theta, 2), dz1, 10, 128, batch, da0);
            Mark();
            Activation.Relu.Backward<float>(z0, a0, da0, dz0, 128);
            Mark();
            DenseKernels.ParameterGradients<float>(dz0, xb, 128, 784, batch, Slice(gradients, 0), Slice(gradients, 1));
            Mark();
            _ = step.Apply(-0.1, true, out _);
            Mark();
        }

        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < 2)
        {
            Step(false);
        }

        const int steps = 2000;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            Step(true);
        }

        var perStep = total.Elapsed.TotalSeconds * 1e6 / steps;
        output.WriteLine($"batch {batch}, backend {Blas.Current.Name}: {perStep:F1} µs per step, {batch * 1e6 / perStep:F0} samples/s");
        for (var p = 0; p < names.Length; p++)
        {
            var us = ticks[p] * 1e6 / Stopwatch.Frequency / steps;
            output.WriteLine($"  {names[p],-18} {us,8:F1} µs {100 * us / perStep,5:F1} %");
        }
    }
}
