using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Nn.Activations;
using Nn.Initialization;
using Nn.LinearAlgebra;
using Nn.Losses;

namespace Nn.Layers;

/// <summary>
/// The in-place form of <see cref="Propagation"/> for a training run: the buffers a training loop owns — a flat copy
/// of the parameters, the gradients, every z[l], a[l], dZ[l] for up to <see cref="Capacity"/> observations and a
/// gathered batch — and the forward and backward passes over them. Each pass does exactly the arithmetic of
/// <see cref="Propagation.CostAndGradients{T}"/> (the same kernels in the same order), so the gradients are bit for
/// bit those of the pure functions; only where the numbers live differs.
/// </summary>
/// <remarks>
/// Mutable and single-threaded: the loop that creates a workspace is its only user and never hands it out. Nothing is
/// checked here (the loop validates its data once); the caller's network is copied, never touched.
/// The flat order is that of <see cref="Parameters{T}.ToArray"/>: layer by layer, the weights column-major, then the
/// bias — so <see cref="Offsets"/> mark the tree's buffers in order.
/// </remarks>
internal sealed class Workspace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T> shape;
    private readonly Loss loss;
    private readonly int[] units;
    private readonly Activation[] activations;
    private readonly int[] offsets;
    private readonly T[][] z;
    private readonly T[][] a;
    private readonly double[] rates;
    private readonly T[][] dropped;
    private readonly T[][] dz;
    private readonly T[] da;

    // g′(z[l]) of a training pass's hidden layers whose activation keeps its slope (sigmoid), taken with g(z[l]) in the
    // forward pass and read by the backward pass instead of a second exponential; null for the other layers.
    private readonly double[]?[] slopes;

    // A softmax output under softmax cross-entropy: each column's maximum and log S from a training pass's forward pass,
    // of which the loss is made (SoftmaxCrossEntropyLoss.FromLogSums) instead of a second pass of exponentials; null
    // otherwise.
    private readonly double[]? logSums;

    // The activations' and the loss's generic virtual methods, bound once to delegates: a generic virtual call looks
    // its target up on every call, which costs more than the work itself on a tiny network.
    private readonly ForwardKernel[] forward;
    private readonly BackwardKernel[] backward;
    private readonly ForwardSlopeKernel?[] forwardWithSlope;
    private readonly TotalKernel total;
    private readonly OutputGradientKernel outputGradient;

    // The next batch's gather, run on the helpers during a training pass (GatherAlongside), its buffer and its state.
    private ColumnGather.Columns<T>? alongside;
    private Partitioned.Started<ColumnGather.Columns<T>>? started;
    private bool alongsideReady;
    private T[]? nextInputs;

    /// <summary>Copies <paramref name="network"/>'s parameters and allocates buffers for batches of up to <paramref name="capacity"/> observations.</summary>
    public Workspace(Network<T> network, Loss loss, int capacity)
    {
        shape = network;
        this.loss = loss;
        Capacity = capacity;
        var layers = network.Layers;
        var count = layers.Length;
        units = [network.Inputs, .. layers.Select(l => l.Outputs)];
        activations = [.. layers.Select(l => l.Activation)];
        offsets = new int[(2 * count) + 1];
        var segments = new int[2 * count];
        for (var l = 0; l < count; l++)
        {
            segments[2 * l] = units[l + 1] * units[l];
            segments[(2 * l) + 1] = units[l + 1];
        }

        for (var s = 0; s < segments.Length; s++)
        {
            offsets[s + 1] = checked(offsets[s] + segments[s]);
        }

        Parameters = new T[offsets[^1]];
        for (var l = 0; l < count; l++)
        {
            Dense.Data(layers[l].Weights).CopyTo(Parameters.AsSpan(offsets[2 * l]));
            Dense.Data(layers[l].Bias).CopyTo(Parameters.AsSpan(offsets[(2 * l) + 1]));
        }

        Gradients = new T[Parameters.Length];
        z = [.. Enumerable.Range(1, count).Select(l => new T[checked(units[l] * capacity)])];
        a = [.. Enumerable.Range(1, count).Select(l => activations[l - 1] is IdentityActivation ? z[l - 1] : new T[units[l] * capacity])];
        rates = [.. layers.Select(l => l.Dropout)];
        dropped = [.. Enumerable.Range(1, count).Select(l => rates[l - 1] > 0 ? new T[units[l] * capacity] : a[l - 1])];
        dz = [.. Enumerable.Range(1, count).Select(l => new T[units[l] * capacity])];
        da = new T[units.Take(count).Max() * capacity];
        BatchInputs = new T[checked(units[0] * capacity)];
        BatchTargets = new T[units[count] * capacity];
        forward = [.. activations.Select(g => (ForwardKernel)g.Forward<T>)];
        var keeps = typeof(T) == typeof(float) || typeof(T) == typeof(double);
        slopes = [.. Enumerable.Range(1, count).Select(l => keeps && l < count && activations[l - 1].KeepsSlope ? new double[units[l] * capacity] : null)];
        forwardWithSlope = [.. activations.Select((g, l) => slopes[l] is null ? null : (ForwardSlopeKernel)g.ForwardWithSlope<T>)];
        backward = [.. activations.Select(g => (BackwardKernel)g.Backward<T>)];
        logSums = loss is SoftmaxCrossEntropyLoss && activations[^1] is SoftmaxActivation ? new double[2 * capacity] : null;
        total = loss.Total<T>;
        outputGradient = loss.OutputGradient<T>;
    }

    private delegate void ForwardKernel(ReadOnlySpan<T> z, Span<T> a, int units);

    private delegate void ForwardSlopeKernel(ReadOnlySpan<T> z, Span<T> a, Span<double> slope);

    private delegate void BackwardKernel(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units);

    private delegate T TotalKernel(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units);

    private delegate void OutputGradientKernel(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> dz, int units);

    /// <summary>The most observations a pass takes.</summary>
    public int Capacity { get; }

    /// <summary>Inputs per observation.</summary>
    public int Inputs => units[0];

    /// <summary>Outputs per observation.</summary>
    public int Outputs => units[^1];

    /// <summary>θ, flat (read and written in place by the loop).</summary>
    public T[] Parameters { get; }

    /// <summary>∇J of the last <see cref="CostAndGradients"/>, flat; the loop may overwrite it with updates.</summary>
    public T[] Gradients { get; }

    /// <summary>A gathered batch's inputs, Inputs × Capacity (one of two buffers: see <see cref="GatherAlongside"/>).</summary>
    public T[] BatchInputs { get; private set; }

    /// <summary>A gathered batch's targets, Outputs × Capacity.</summary>
    public T[] BatchTargets { get; }

    /// <summary>
    /// Asks the next <see cref="CostAndGradients"/> to gather the next batch's inputs — columns
    /// <c>order[from … from + count)</c> of <paramref name="source"/> (Inputs × anything) — into a second buffer on the
    /// helper threads while it runs its smaller work (from after the first layer's product to before that layer's
    /// parameter gradient), when the cores have helpers and the gather is large enough to split; <see cref="TakeGathered"/>
    /// then hands that buffer over as <see cref="BatchInputs"/>. The gather is a copy: the results do not change.
    /// </summary>
    public void GatherAlongside(T[] source, int[] order, int from, int count)
    {
        alongsideReady = false;
        if (count < 1 || count > Capacity || Partitioned.ThreadsFor<T>((long)units[0] * count) < 2)
        {
            alongside = null;
            return;
        }

        nextInputs ??= new T[BatchInputs.Length];
        alongside = new ColumnGather.Columns<T>(source, units[0], order, from, count, nextInputs);
    }

    /// <summary>
    /// Whether the last <see cref="CostAndGradients"/> gathered the batch asked for by <see cref="GatherAlongside"/>; if so,
    /// <see cref="BatchInputs"/> now holds it (the buffers are swapped), and the request is used up either way.
    /// </summary>
    public bool TakeGathered()
    {
        alongside = null;
        if (!alongsideReady)
        {
            return false;
        }

        alongsideReady = false;
        (BatchInputs, nextInputs) = (nextInputs!, BatchInputs);
        return true;
    }

    /// <summary>Where each buffer of the tree starts in the flat order, and the total length last.</summary>
    public ReadOnlySpan<int> Offsets => offsets;

    /// <summary>
    /// Forward and backward on the first <paramref name="m"/> observations of <paramref name="x"/> (Inputs × m) and
    /// <paramref name="y"/> (Outputs × m): fills <see cref="Gradients"/> with ∇J and returns J = (1/m)·Σ L, or the
    /// weighted mean with sample <paramref name="weights"/> (empty for none; see <see cref="SampleWeights"/>). A
    /// training pass: layers with a dropout rate drop by the masks of <paramref name="key"/>, exactly as
    /// <see cref="Propagation.TrainingCostAndGradients{T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T CostAndGradients(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int m, ReadOnlySpan<T> weights, RandomKey key)
    {
        if (started is { } left)
        {
            // A pass that failed left its gather running: let it end before its buffer is used again.
            started = null;
            left.Finish();
        }

        Forward(x, m, true, key);
        var count = activations.Length;
        var last = count - 1;
        var outputs = units[count];
        var zL = z[last].AsSpan(0, outputs * m);
        var aL = a[last].AsSpan(0, outputs * m);
        var yL = y[..(outputs * m)];
        var cost = !weights.IsEmpty ? SampleWeights.Cost(loss, zL, aL, yL, outputs, m, weights)
            : logSums is { } kept ? SoftmaxCrossEntropyLoss.FromLogSums<T>(zL, yL, outputs, kept.AsSpan(0, m), kept.AsSpan(Capacity, m)) / T.CreateTruncating(m)
            : total(zL, aL, yL, outputs) / T.CreateTruncating(m);
        var delta = dz[last].AsSpan(0, outputs * m);
        outputGradient(activations[last], zL, aL, yL, delta, outputs);
        SampleWeights.Scale(delta, outputs, m, weights);

        for (var l = last; l >= 0; l--)
        {
            var (n, inputs) = (units[l + 1], units[l]);
            var below = l == 0 ? x[..(inputs * m)] : dropped[l - 1].AsSpan(0, inputs * m);
            var dzl = dz[l].AsSpan(0, n * m);
            if (l == 0)
            {
                FinishAlongside();
            }

            DenseKernels.ParameterGradients<T>(dzl, below, n, inputs, m, Gradients.AsSpan(offsets[2 * l], n * inputs), Gradients.AsSpan(offsets[(2 * l) + 1], n));
            if (l > 0)
            {
                var dal = da.AsSpan(0, inputs * m);
                DenseKernels.InputGradient<T>(Parameters.AsSpan(offsets[2 * l], n * inputs), dzl, n, inputs, m, dal);
                if (rates[l - 1] > 0)
                {
                    // ∂J/∂ã → ∂J/∂a through the forward pass's mask.
                    Dropout.Multiply<T>(dal, dal, rates[l - 1], Dropout.LayerKey(key, l - 1));
                }

                if (slopes[l - 1] is { } slope)
                {
                    Elementwise.BackwardWithSlope<T>(slope.AsSpan(0, inputs * m), dal, dz[l - 1].AsSpan(0, inputs * m));
                }
                else
                {
                    backward[l - 1](z[l - 1].AsSpan(0, inputs * m), a[l - 1].AsSpan(0, inputs * m), dal, dz[l - 1].AsSpan(0, inputs * m), inputs);
                }
            }
        }

        return cost;
    }

    /// <summary>
    /// Σ L over the first <paramref name="m"/> observations (an inference pass only, without dropout; not divided by m),
    /// or Σ wᵢLᵢ with sample <paramref name="weights"/> (empty for none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T TotalLoss(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int m, ReadOnlySpan<T> weights)
    {
        Forward(x, m, false, default);
        var last = activations.Length - 1;
        var outputs = units[^1];
        var zL = z[last].AsSpan(0, outputs * m);
        var aL = a[last].AsSpan(0, outputs * m);
        var yL = y[..(outputs * m)];
        if (weights.IsEmpty)
        {
            return total(zL, aL, yL, outputs);
        }

        var sum = T.Zero;
        for (var j = 0; j < m; j++)
        {
            sum += weights[j] * total(zL.Slice(j * outputs, outputs), aL.Slice(j * outputs, outputs), yL.Slice(j * outputs, outputs), outputs);
        }

        return sum;
    }

    /// <summary>
    /// Adds an L2 penalty on the weights (not the biases) to the last <see cref="CostAndGradients"/>: ∇J += λ·W in
    /// <see cref="Gradients"/>; returns ½λ‖W‖² (float64), the term to add to J. The sums of squares are taken layer by
    /// layer as <see cref="Optimization.WeightPenalty.Value{T}"/> takes them.
    /// </summary>
    public double AddL2(double lambda)
    {
        var squares = 0.0;
        for (var l = 0; l < activations.Length; l++)
        {
            var w = Parameters.AsSpan(offsets[2 * l], offsets[(2 * l) + 1] - offsets[2 * l]);
            squares += double.CreateTruncating(Reductions.SumOfSquares<T>(w));
            var g = Gradients.AsSpan(offsets[2 * l], w.Length);
            Optimization.UpdateRules.AddScaled<T>(g, lambda, w, g);
        }

        return 0.5 * lambda * squares;
    }

    /// <summary>
    /// How many of the last pass's <paramref name="m"/> observations are classified as their targets say, by
    /// <see cref="Targets.Decide{T}"/> on both the output and the target column.
    /// </summary>
    public int CountCorrect(ReadOnlySpan<T> y, int m)
    {
        var outputs = units[^1];
        var output = a[^1];
        var correct = 0;
        if (outputs == 1)
        {
            // One unit: Decide's rule for a single value on each side, without a span and a call per observation.
            for (var j = 0; j < m; j++)
            {
                correct += Targets.DecideUnit(output[j]) == Targets.DecideUnit(y[j]) ? 1 : 0;
            }

            return correct;
        }

        for (var j = 0; j < m; j++)
        {
            if (Targets.Decide<T>(output.AsSpan(j * outputs, outputs)) == Targets.Decide(y.Slice(j * outputs, outputs)))
            {
                correct++;
            }
        }

        return correct;
    }

    /// <summary>‖v‖₂ of a flat vector, summed buffer by buffer in the tree's order exactly as <see cref="Parameters{T}.Norm"/> does.</summary>
    public T Norm(ReadOnlySpan<T> flat) => Optimization.ParameterStep<T>.Norm(flat, offsets);

    /// <summary>A new tree of the network's shape holding <paramref name="flat"/> (copied).</summary>
    public Parameters<T> Tree(ReadOnlySpan<T> flat) => shape.Parameters.FromArray(flat);

    /// <summary>Writes <paramref name="tree"/> (of the network's shape) into <paramref name="flat"/> in flat order.</summary>
    public static void Flatten(Parameters<T> tree, Span<T> flat)
    {
        var offset = 0;
        foreach (var buffer in tree.Buffers)
        {
            buffer.CopyTo(flat[offset..]);
            offset += buffer.Length;
        }
    }

    /// <summary>The network holding the current <see cref="Parameters"/> (fresh arrays).</summary>
    public Network<T> ToNetwork() => shape.WithParameters(Tree(Parameters));

    /// <summary>The network of this shape holding <paramref name="flat"/> (fresh arrays).</summary>
    public Network<T> ToNetwork(ReadOnlySpan<T> flat) => shape.WithParameters(Tree(flat));

    /// <summary>The loss this workspace evaluates.</summary>
    public Loss Loss => loss;

    /// <summary>Waits for the gather begun alongside this pass (helping with what is left of it), if one was begun.</summary>
    private void FinishAlongside()
    {
        if (started is { } running)
        {
            started = null;
            running.Finish();
            alongsideReady = true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Forward(ReadOnlySpan<T> x, int m, bool training, RandomKey key)
    {
        ReadOnlySpan<T> previous = x[..(units[0] * m)];
        for (var l = 0; l < activations.Length; l++)
        {
            var n = units[l + 1];
            var zl = z[l].AsSpan(0, n * m);
            DenseKernels.Affine<T>(Parameters.AsSpan(offsets[2 * l], n * units[l]), Parameters.AsSpan(offsets[(2 * l) + 1], n), n, units[l], previous, m, zl);
            if (l == 0 && training && alongside is { } gather)
            {
                alongside = null;
                started = Partitioned.Start(gather, gather.Parts, Environment.ProcessorCount);
            }
            var al = a[l].AsSpan(0, n * m);
            if (training && slopes[l] is { } slope)
            {
                forwardWithSlope[l]!(zl, al, slope.AsSpan(0, n * m));
            }
            else if (training && l == activations.Length - 1 && logSums is { } kept)
            {
                SoftmaxActivation.Pass<T>(zl, al, n, kept.AsSpan(0, m), kept.AsSpan(Capacity, m));
            }
            else if (!ReferenceEquals(a[l], z[l]))
            {
                forward[l](zl, al, n);
            }

            previous = al;
            if (training && rates[l] > 0)
            {
                var dl = dropped[l].AsSpan(0, n * m);
                Dropout.Multiply<T>(al, dl, rates[l], Dropout.LayerKey(key, l));
                previous = dl;
            }
        }
    }
}
