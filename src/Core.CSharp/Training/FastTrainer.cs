using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;

namespace Nn.Training;

/// <summary>How <see cref="FastTrainer"/> trains.</summary>
/// <param name="Epochs">Passes over the data (non-negative).</param>
/// <param name="BatchSize">Observations per step; the last batch of an epoch holds the remainder (positive).</param>
/// <param name="Seed">Seeds the per-epoch shuffles.</param>
/// <param name="Shuffle">Reshuffle the observations at the start of every epoch.</param>
public sealed record FastTrainingOptions(int Epochs, int BatchSize, int Seed = 0, bool Shuffle = true);

/// <summary>What one epoch of <see cref="FastTrainer"/> reports to its observer.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="MeanLoss">The mean of the epoch's per-step costs.</param>
/// <param name="Steps">Steps taken so far.</param>
/// <param name="Elapsed">Wall time of this epoch: the shuffle, the batch gathers and the steps (not the one-time checks before the first epoch).</param>
public sealed record FastEpochReport(int Epoch, double MeanLoss, int Steps, TimeSpan Elapsed);

/// <summary>The trained network and the cost of every step.</summary>
/// <param name="Network">The trained network (new buffers; the input network is untouched).</param>
/// <param name="StepLosses">J on each minibatch, before that step's update.</param>
public sealed record FastTrainingResult<T>(Network<T> Network, ImmutableArray<T> StepLosses)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// Minibatch training that allocates nothing per step. The trainer owns its working buffers — a copy of the
/// parameters, every z[l], a[l], dZ[l], the gradients, the optimizer state and the gathered batch — and updates
/// them in place; the caller's network is never touched and the returned network is built from fresh arrays.
/// The hot path is compiled fully optimised on first use (no tiered warm-up), so short runs are as fast per step as
/// long ones. The arithmetic is exactly that of <see cref="Propagation"/> (same products, same order), so a full-batch,
/// unshuffled run with <see cref="InPlaceOptimizer.Sgd"/> reproduces <see cref="GradientDescent"/> bit for bit.
/// </summary>
public static class FastTrainer
{
    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="x"/> (inputs × samples) and <paramref name="y"/>
    /// (outputs × samples) with minibatches, shuffling each epoch when asked.
    /// </summary>
    /// <param name="network">The starting network.</param>
    /// <param name="x">Inputs × samples, finite.</param>
    /// <param name="y">Targets, outputs × samples, valid for <paramref name="loss"/>.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="optimizer">The in-place optimizer step.</param>
    /// <param name="options">Epochs, batch size, seed and shuffling.</param>
    /// <param name="onEpoch">Called after each epoch (optional).</param>
    /// <exception cref="ArgumentException">Bad shapes or values (as <see cref="Propagation.Backward{T}"/>), bad options, or symmetric hidden units.</exception>
    /// <exception cref="DivergenceException">A step's cost became non-finite; the message names the epoch and step.</exception>
    public static FastTrainingResult<T> Fit<T>(Network<T> network, Matrix<T> x, Matrix<T> y, Loss loss, InPlaceOptimizer optimizer, FastTrainingOptions options, Action<FastEpochReport>? onEpoch = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Epochs, nameof(options));
        Guard.Positive(options.BatchSize, nameof(options.BatchSize));
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(loss);
        x = Propagation.CheckInput(network, x);
        y = Dense.Ensure(y);
        if (y.RowCount != network.Outputs || y.ColumnCount != x.ColumnCount)
        {
            throw new ArgumentException($"Y is {y.RowCount}×{y.ColumnCount} but the network has {network.Outputs} outputs and X has {x.ColumnCount} samples.", nameof(y));
        }

        loss.CheckOutputActivation(network.OutputActivation);
        Guard.Finite(y, "Y");
        loss.CheckTargets<T>(Dense.Data(y), network.Outputs, "Y");
        if (network.FindSymmetricHiddenUnits() is { } symmetric)
        {
            throw new ArgumentException($"Hidden units are identical ({symmetric}): training cannot break that symmetry. Initialise randomly.", nameof(network));
        }

        var workspace = new Workspace<T>(network, Math.Min(options.BatchSize, x.ColumnCount), optimizer);
        return workspace.Fit(Dense.Data(x), Dense.Data(y), x.ColumnCount, loss, options, onEpoch);
    }

    /// <summary>The working buffers of one training run; mutated in place, never exposed.</summary>
    private sealed class Workspace<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int[] units;
        private readonly Activation[] activations;
        private readonly T[][] weights;
        private readonly T[][] biases;
        private readonly T[][] weightGradients;
        private readonly T[][] biasGradients;
        private readonly T[][] z;
        private readonly T[][] a;
        private readonly T[][] dz;
        private readonly T[] da;
        private readonly T[] xBatch;
        private readonly T[] yBatch;
        private readonly T[][] state0;
        private readonly T[][] state1;
        private readonly T[] scratch;
        private readonly InPlaceOptimizer optimizer;
        private readonly int capacity;

        // The activations' and the optimizer's generic virtual methods, bound once to delegates: a generic virtual
        // call looks its target up on every call, which costs more than the work itself on a tiny network.
        private readonly ForwardKernel[] forward;
        private readonly BackwardKernel[] backward;
        private readonly ApplyKernel apply;

        public Workspace(Network<T> network, int capacity, InPlaceOptimizer optimizer)
        {
            this.capacity = capacity;
            this.optimizer = optimizer;
            var layers = network.Layers;
            var count = layers.Length;
            units = [network.Inputs, .. layers.Select(l => l.Outputs)];
            activations = [.. layers.Select(l => l.Activation)];
            weights = [.. layers.Select(l => (T[])Dense.Data(l.Weights).Clone())];
            biases = [.. layers.Select(l => (T[])Dense.Data(l.Bias).Clone())];
            weightGradients = [.. weights.Select(w => new T[w.Length])];
            biasGradients = [.. biases.Select(b => new T[b.Length])];
            z = [.. Enumerable.Range(1, count).Select(l => new T[units[l] * capacity])];
            a = [.. Enumerable.Range(1, count).Select(l => activations[l - 1] is IdentityActivation ? z[l - 1] : new T[units[l] * capacity])];
            dz = [.. Enumerable.Range(1, count).Select(l => new T[units[l] * capacity])];
            da = new T[units.Take(count).Max() * capacity];
            xBatch = new T[units[0] * capacity];
            yBatch = new T[units[count] * capacity];
            var buffers = weights.Concat(biases).ToArray();
            state0 = [.. weights.Concat(biases).Select(b => optimizer.StateBuffers >= 1 ? new T[b.Length] : [])];
            state1 = [.. weights.Concat(biases).Select(b => optimizer.StateBuffers >= 2 ? new T[b.Length] : [])];
            scratch = new T[buffers.Max(b => b.Length)];
            forward = [.. activations.Select(g => (ForwardKernel)g.Forward<T>)];
            backward = [.. activations.Select(g => (BackwardKernel)g.Backward<T>)];
            apply = optimizer.Apply<T>;
        }

        private delegate void ForwardKernel(ReadOnlySpan<T> z, Span<T> a, int units);

        private delegate void BackwardKernel(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units);

        private delegate T TotalKernel(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units);

        private delegate void OutputGradientKernel(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> dz, int units);

        private delegate void ApplyKernel(Span<T> theta, ReadOnlySpan<T> gradient, Span<T> state0, Span<T> state1, Span<T> scratch, int t);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public FastTrainingResult<T> Fit(T[] x, T[] y, int samples, Loss loss, FastTrainingOptions options, Action<FastEpochReport>? onEpoch)
        {
            var stepsPerEpoch = (samples + capacity - 1) / capacity;
            var losses = new T[stepsPerEpoch * options.Epochs];
            TotalKernel total = loss.Total<T>;
            OutputGradientKernel outputGradient = loss.OutputGradient<T>;
            var order = new int[samples];
            for (var i = 0; i < samples; i++)
            {
                order[i] = i;
            }

            var rng = Rng.FromSeed(options.Seed);
            var step = 0;
            for (var epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                if (options.Shuffle)
                {
                    rng = Permutation.Shuffle(order, rng);
                }

                var epochSum = 0.0;
                for (var start = 0; start < samples; start += capacity)
                {
                    var m = Math.Min(capacity, samples - start);
                    ColumnGather.Gather<T>(x, units[0], order.AsSpan(start, m), xBatch);
                    ColumnGather.Gather<T>(y, units[^1], order.AsSpan(start, m), yBatch);
                    var cost = Step(m, total, outputGradient, step + 1);
                    if (!T.IsFinite(cost))
                    {
                        throw new DivergenceException(step + 1, $"Training diverged at epoch {epoch}, step {step + 1}: the cost is {cost} (learning rate {optimizer.LearningRate}).");
                    }

                    losses[step++] = cost;
                    epochSum += double.CreateTruncating(cost);
                }

                onEpoch?.Invoke(new FastEpochReport(epoch, epochSum / stepsPerEpoch, step, System.Diagnostics.Stopwatch.GetElapsedTime(started)));
            }

            var layers = new DenseLayer<T>[weights.Length];
            for (var l = 0; l < layers.Length; l++)
            {
                layers[l] = new DenseLayer<T>(Dense.Matrix(units[l + 1], units[l], (T[])weights[l].Clone()), Dense.Vector((T[])biases[l].Clone()), activations[l]);
            }

            return new FastTrainingResult<T>(new Network<T>(layers), ImmutableCollectionsMarshal.AsImmutableArray(losses));
        }

        /// <summary>One forward, backward and update on the first <paramref name="m"/> gathered columns; returns J before the update.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private T Step(int m, TotalKernel total, OutputGradientKernel outputGradient, int t)
        {
            var count = weights.Length;
            ReadOnlySpan<T> previous = xBatch.AsSpan(0, units[0] * m);
            for (var l = 0; l < count; l++)
            {
                var n = units[l + 1];
                var zl = z[l].AsSpan(0, n * m);
                DenseKernels.Affine<T>(weights[l], biases[l], n, units[l], previous, m, zl);
                var al = a[l].AsSpan(0, n * m);
                if (!ReferenceEquals(a[l], z[l]))
                {
                    forward[l](zl, al, n);
                }

                previous = al;
            }

            var outputs = units[count];
            var last = count - 1;
            var zL = z[last].AsSpan(0, outputs * m);
            var aL = a[last].AsSpan(0, outputs * m);
            var yL = yBatch.AsSpan(0, outputs * m);
            var scale = T.One / T.CreateTruncating(m);
            var cost = total(zL, aL, yL, outputs) / T.CreateTruncating(m);
            var delta = dz[last].AsSpan(0, outputs * m);
            outputGradient(activations[last], zL, aL, yL, delta, outputs);
            TensorPrimitives.Multiply(delta, scale, delta);

            for (var l = last; l >= 0; l--)
            {
                var (n, inputs) = (units[l + 1], units[l]);
                ReadOnlySpan<T> below = l == 0 ? xBatch.AsSpan(0, inputs * m) : a[l - 1].AsSpan(0, inputs * m);
                var dzl = dz[l].AsSpan(0, n * m);
                DenseKernels.ParameterGradients<T>(dzl, below, n, inputs, m, weightGradients[l], biasGradients[l]);

                if (l > 0)
                {
                    var dal = da.AsSpan(0, inputs * m);
                    DenseKernels.InputGradient<T>(weights[l], dzl, n, inputs, m, dal);
                    backward[l - 1](z[l - 1].AsSpan(0, inputs * m), a[l - 1].AsSpan(0, inputs * m), dal, dz[l - 1].AsSpan(0, inputs * m), inputs);
                }
            }

            for (var l = 0; l < count; l++)
            {
                Update(weights[l], weightGradients[l], state0[l], state1[l], t);
                Update(biases[l], biasGradients[l], state0[count + l], state1[count + l], t);
            }

            return cost;
        }

        /// <summary>One optimizer step on a parameter buffer; large buffers are split over the cores (every optimizer here is elementwise, so the split changes nothing).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private void Update(T[] theta, T[] gradient, T[] s0, T[] s1, int t)
        {
            var threads = Partitioned.ThreadsFor<T>(theta.Length);
            if (threads == 1)
            {
                apply(theta, gradient, s0, s1, scratch.AsSpan(0, theta.Length), t);
                return;
            }

            Partitioned.Run(new UpdateJob(apply, theta, gradient, s0, s1, scratch, t), threads, threads);
        }

        /// <summary>A contiguous share of one parameter buffer's optimizer step, cut at whole cache lines.</summary>
        private readonly struct UpdateJob(ApplyKernel apply, T[] theta, T[] gradient, T[] s0, T[] s1, T[] scratch, int t) : IPartitionedJob
        {
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
            public void Run(int part, int parts)
            {
                var from = Cut(part, parts);
                var length = Cut(part + 1, parts) - from;
                apply(
                    theta.AsSpan(from, length),
                    gradient.AsSpan(from, length),
                    s0.Length == 0 ? [] : s0.AsSpan(from, length),
                    s1.Length == 0 ? [] : s1.AsSpan(from, length),
                    scratch.AsSpan(from, length),
                    t);
            }

            private int Cut(int part, int parts) => part == parts ? theta.Length : (int)((long)theta.Length * part / parts) / 64 * 64;
        }
    }
}
