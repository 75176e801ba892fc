using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;
using Nn.Initialization;
using Nn.LinearAlgebra;
using Nn.Losses;

namespace Nn.Layers;

/// <summary>
/// Forward and backward propagation over a batch: pure functions of the network, the data and the loss.
/// </summary>
/// <remarks>
/// <para><b>Batch layout (the one place it is defined).</b> A batch of m observations is a dense matrix with one
/// observation per column, as in the lecture notes: X = [x⁽¹⁾ … x⁽ᵐ⁾] is inputs × m, targets Y are outputs × m, and
/// every z[l], a[l] is units × m. Storage is column-major, so each observation is a contiguous run of values —
/// the same memory as a row-major "one sample per row" table — and every product is a plain BLAS call:
/// z[l] = W[l]·a[l−1] + b[l] (GEMM NN), ∂J/∂W[l] = dZ[l]·a[l−1]ᵀ (GEMM NT), ∂J/∂a[l−1] = W[l]ᵀ·dZ[l] (GEMM TN),
/// ∂J/∂b[l] = the row sums of dZ[l].</para>
/// <para><b>Cost.</b> J = (1/m)·Σᵢ L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾); gradients are of J, so they include the 1/m.</para>
/// <para><b>NaN policy.</b> Inputs and targets must be finite (checked, <see cref="ArgumentException"/>); the
/// network's parameters are finite by construction. Overflow inside the pass (for example exploding activations)
/// shows up as a non-finite cost, which training loops report as divergence.</para>
/// <para><b>Batch invariance.</b> An observation's forward values — every z[l] and a[l] of its column, hence its
/// prediction and its own loss (<see cref="Losses.Loss.Total{T}"/> over its column) — are the same bits whether it is
/// computed alone or in any batch, at any position. The activations, the bias and the losses compute each column from
/// that column alone, in an order that does not depend on the batch (see <see cref="Activations.Activation"/>); the
/// guarantee then rests on the matrix product z = W·a computing each output column in an order that does not depend on
/// the other columns either. <see cref="ManagedBlas"/> does, and so does the fast managed kernel (<see cref="Blas.Managed"/>):
/// it sums each element in an order fixed by the number of inputs alone, whatever the batch size, tile or thread.
/// OpenBLAS (<c>NN_BLAS=openblas</c>) does not: its result for one column differs in the last bits from the same column
/// inside a batch.</para>
/// </remarks>
public static class Propagation
{
    /// <summary>
    /// Runs the network forward on <paramref name="x"/> and keeps every z[l] and a[l]. Each observation's column is the
    /// same bits as when that observation is run alone (see "Batch invariance" in the class remarks).
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="x">Inputs × samples, finite, at least one column.</param>
    /// <exception cref="ArgumentException"><paramref name="x"/> has the wrong number of rows, no columns, or a non-finite value.</exception>
    public static ForwardTrace<T> Forward<T>(Network<T> network, Matrix<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        x = CheckInput(network, x);
        return ForwardUnchecked(network, x, null);
    }

    /// <summary>
    /// A training pass: as <see cref="Forward{T}(Network{T}, Matrix{T})"/>, with inverted dropout on the output of
    /// every layer that has a rate (<see cref="DenseLayer{T}.Dropout"/>), the mask of layer l drawn from
    /// <see cref="Dropout.LayerKey"/>(<paramref name="key"/>, l). A pure function of (network, x, key): the same key
    /// gives the same masks and bits. The trace keeps the key, so <see cref="Backward{T}"/> applies the same masks.
    /// Without dropout rates it equals the inference pass. Unlike inference, an observation's mask depends on its
    /// column in the batch.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Forward{T}(Network{T}, Matrix{T})"/>.</exception>
    public static ForwardTrace<T> Forward<T>(Network<T> network, Matrix<T> x, RandomKey key)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        x = CheckInput(network, x);
        return ForwardUnchecked(network, x, key);
    }

    /// <summary>
    /// The network's output ŷ = a[L] for <paramref name="x"/> (outputs × samples): the same bits as the output of
    /// <see cref="Forward{T}(Network{T}, Matrix{T})"/>, and each observation's column the same bits as when that observation is predicted alone
    /// (see "Batch invariance" in the class remarks).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Forward{T}(Network{T}, Matrix{T})"/>.</exception>
    /// <remarks>
    /// Unlike <see cref="Forward{T}(Network{T}, Matrix{T})"/> it keeps no trace: each layer's values live in a pooled buffer that is
    /// overwritten in place by the activation and reused once the next layer has read it, so only the output is
    /// allocated. On the managed kernel (<see cref="Blas.Managed"/>), when every layer's weights fit in a core's L2
    /// cache and the batch has at least one block per core, the batch goes through the network in blocks of 48
    /// observations, each block through every layer on one core, the blocks shared out over the cores; otherwise (and
    /// with OpenBLAS) it goes layer by layer, each product split over the cores. On the managed kernel the bits are the
    /// same either way.
    /// </remarks>
    public static Matrix<T> Predict<T>(Network<T> network, Matrix<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        x = CheckShape(network, x);
        if (Inference.Applies(network, x.ColumnCount, out var width))
        {
            return Dense.Matrix(network.Outputs, x.ColumnCount, Inference.Predict(network, Dense.Data(x), x.ColumnCount, width));
        }

        Guard.Finite(x, "X");
        return PredictByLayers(network, x);
    }

    /// <summary>
    /// The per-layer inference pass: each layer's product over the whole batch (split over the cores by the backend),
    /// then its activation in place. <paramref name="x"/> is already checked, finiteness included.
    /// </summary>
    internal static Matrix<T> PredictByLayers<T>(Network<T> network, Matrix<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = x.ColumnCount;
        var pool = System.Buffers.ArrayPool<T>.Shared;
        T[]? previousBuffer = null;
        ReadOnlySpan<T> previous = Dense.Data(x);
        var last = network.Layers.Length - 1;
        T[] output = [];
        for (var l = 0; l <= last; l++)
        {
            var layer = network.Layers[l];
            var n = layer.Outputs;
            var buffer = l == last ? (output = new T[n * m]) : pool.Rent(n * m);
            var z = buffer.AsSpan(0, n * m);
            DenseKernels.Affine<T>(Dense.Data(layer.Weights), Dense.Data(layer.Bias), n, layer.Inputs, previous, m, z);
            layer.Activation.Forward<T>(z, z, n);
            if (previousBuffer is not null)
            {
                pool.Return(previousBuffer);
            }

            previousBuffer = l == last ? null : buffer;
            previous = z;
        }

        return Dense.Matrix(network.Outputs, m, output);
    }

    /// <summary>
    /// The cost J = (1/m)·Σᵢ L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾) of a forward trace against targets <paramref name="y"/>, or with sample
    /// weights the weighted mean J = Σᵢ wᵢLᵢ / Σᵢ wᵢ (see <see cref="SampleWeights"/>).
    /// </summary>
    /// <param name="network">The network that produced the trace.</param>
    /// <param name="trace">The forward trace.</param>
    /// <param name="y">Targets, outputs × samples.</param>
    /// <param name="loss">The loss; it must fit the output activation.</param>
    /// <param name="weights">One finite, non-negative weight per sample with a positive sum, or null for the plain mean.</param>
    /// <exception cref="ArgumentException">The loss does not fit the output activation, <paramref name="y"/> has the wrong shape or an invalid value, or the weights do not fit.</exception>
    public static T Cost<T>(Network<T> network, ForwardTrace<T> trace, Matrix<T> y, Loss loss, MathNet.Numerics.LinearAlgebra.Vector<T>? weights = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trace);
        y = CheckTargets(network, trace, y, loss);
        CheckWeights(trace, weights);
        return CostUnchecked(network, trace, y, loss, SampleWeights.Of(weights));
    }

    /// <summary>
    /// Backpropagation (lecture 002/004): from the output delta dZ[L] = ∂J/∂z[L] (the fused a − y for
    /// sigmoid + binary cross-entropy and softmax + cross-entropy), walk the trace in reverse with
    /// dZ[l] = g′[l] applied to W[l+1]ᵀ·dZ[l+1], collecting ∂J/∂W[l], ∂J/∂b[l] and finally ∂J/∂X.
    /// </summary>
    /// <param name="network">The network that produced <paramref name="trace"/>.</param>
    /// <param name="trace">The forward trace.</param>
    /// <param name="y">Targets, outputs × samples.</param>
    /// <param name="loss">The loss; it must fit the output activation.</param>
    /// <param name="weights">Sample weights (see <see cref="Cost{T}"/>), or null.</param>
    /// <exception cref="ArgumentException">Shapes differ, the loss does not fit the output activation, a target is invalid, or the weights do not fit.</exception>
    public static BackwardResult<T> Backward<T>(Network<T> network, ForwardTrace<T> trace, Matrix<T> y, Loss loss, MathNet.Numerics.LinearAlgebra.Vector<T>? weights = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trace);
        y = CheckTargets(network, trace, y, loss);
        CheckWeights(trace, weights);
        return BackwardFromDelta(network, trace, OutputDelta(network, trace, y, loss, SampleWeights.Of(weights)));
    }

    /// <summary>
    /// Backpropagation from an arbitrary upstream gradient <paramref name="outputGradient"/> = ∂J/∂a[L]
    /// (outputs × samples) instead of a loss. The result is linear in <paramref name="outputGradient"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The gradient's shape differs from the trace's output, or a value is not finite.</exception>
    public static BackwardResult<T> BackwardFromOutput<T>(Network<T> network, ForwardTrace<T> trace, Matrix<T> outputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(outputGradient);
        CheckTrace(network, trace);
        outputGradient = Dense.Ensure(outputGradient);
        CheckSameShape(trace.Output, outputGradient, nameof(outputGradient));
        Guard.Finite(outputGradient, nameof(outputGradient));
        var last = network.Layers.Length - 1;
        var dz = new T[outputGradient.RowCount * outputGradient.ColumnCount];
        network.OutputActivation.Backward<T>(Dense.Data(trace.PreActivations[last]), Dense.Data(trace.Activations[last]), Dense.Data(outputGradient), dz, network.Outputs);
        return BackwardFromDelta(network, trace, dz);
    }

    /// <summary>Cost and gradients of the network on one batch (with optional sample weights): Forward, then Backward.</summary>
    /// <exception cref="ArgumentException">As <see cref="Forward{T}(Network{T}, Matrix{T})"/> and <see cref="Backward{T}"/>.</exception>
    public static (T Cost, Parameters<T> Gradients) CostAndGradients<T>(Network<T> network, Matrix<T> x, Matrix<T> y, Loss loss, MathNet.Numerics.LinearAlgebra.Vector<T>? weights = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        CostAndGradientsOf(Forward(network, x), network, y, loss, weights);

    /// <summary>
    /// Cost and gradients of a training pass keyed by <paramref name="key"/> (dropout on; see
    /// <see cref="Forward{T}(Network{T}, Matrix{T}, RandomKey)"/>): the objective of that one set of masks. Sample
    /// <paramref name="weights"/> as in <see cref="CostAndGradients{T}"/>, or null.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Forward{T}(Network{T}, Matrix{T})"/> and <see cref="Backward{T}"/>.</exception>
    public static (T Cost, Parameters<T> Gradients) TrainingCostAndGradients<T>(Network<T> network, Matrix<T> x, Matrix<T> y, Loss loss, RandomKey key, MathNet.Numerics.LinearAlgebra.Vector<T>? weights = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        CostAndGradientsOf(Forward(network, x, key), network, y, loss, weights);

    private static (T Cost, Parameters<T> Gradients) CostAndGradientsOf<T>(ForwardTrace<T> trace, Network<T> network, Matrix<T> y, Loss loss, MathNet.Numerics.LinearAlgebra.Vector<T>? weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        y = CheckTargets(network, trace, y, loss);
        CheckWeights(trace, weights);
        var w = SampleWeights.Of(weights);
        return (CostUnchecked(network, trace, y, loss, w), BackwardFromDelta(network, trace, OutputDelta(network, trace, y, loss, w)).Gradients);
    }

    private static void CheckWeights<T>(ForwardTrace<T> trace, MathNet.Numerics.LinearAlgebra.Vector<T>? weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weights is not null)
        {
            SampleWeights.Check(SampleWeights.Of(weights), trace.Samples, nameof(weights));
        }
    }

    internal static ForwardTrace<T> ForwardUnchecked<T>(Network<T> network, Matrix<T> x, RandomKey? key)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = x.ColumnCount;
        var zs = ImmutableArray.CreateBuilder<Matrix<T>>(network.Layers.Length);
        var activations = ImmutableArray.CreateBuilder<Matrix<T>>(network.Layers.Length);
        var dropped = ImmutableArray.CreateBuilder<Matrix<T>>(network.Layers.Length);
        var previous = x;
        for (var l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            var n = layer.Outputs;
            var z = new T[n * m];
            DenseKernels.Affine<T>(Dense.Data(layer.Weights), Dense.Data(layer.Bias), n, layer.Inputs, Dense.Data(previous), m, z);
            var zMatrix = Dense.Matrix(n, m, z);
            Matrix<T> aMatrix;
            if (layer.Activation is Activations.IdentityActivation)
            {
                aMatrix = zMatrix;
            }
            else
            {
                var a = new T[n * m];
                layer.Activation.Forward<T>(z, a, n);
                aMatrix = Dense.Matrix(n, m, a);
            }

            zs.Add(zMatrix);
            activations.Add(aMatrix);
            previous = aMatrix;
            if (key is { } k && layer.Dropout > 0)
            {
                var d = new T[n * m];
                Dropout.Multiply<T>(Dense.Data(aMatrix), d, layer.Dropout, Dropout.LayerKey(k, l));
                previous = Dense.Matrix(n, m, d);
            }

            dropped.Add(previous);
        }

        return new ForwardTrace<T>(x, zs.MoveToImmutable(), activations.MoveToImmutable())
        {
            Key = key,
            Dropped = key is null ? default : dropped.MoveToImmutable(),
        };
    }

    internal static T CostUnchecked<T>(Network<T> network, ForwardTrace<T> trace, Matrix<T> y, Loss loss, ReadOnlySpan<T> weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var last = network.Layers.Length - 1;
        return SampleWeights.Cost(loss, Dense.Data(trace.PreActivations[last]), Dense.Data(trace.Activations[last]), Dense.Data(y), network.Outputs, trace.Samples, weights);
    }

    internal static T[] OutputDelta<T>(Network<T> network, ForwardTrace<T> trace, Matrix<T> y, Loss loss, ReadOnlySpan<T> weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var last = network.Layers.Length - 1;
        var dz = new T[y.RowCount * y.ColumnCount];
        loss.OutputGradient<T>(network.OutputActivation, Dense.Data(trace.PreActivations[last]), Dense.Data(trace.Activations[last]), Dense.Data(y), dz, network.Outputs);
        SampleWeights.Scale<T>(dz, network.Outputs, trace.Samples, weights);
        return dz;
    }

    /// <summary>The reverse walk, from dZ[L] (outputs × samples, already including 1/m).</summary>
    internal static BackwardResult<T> BackwardFromDelta<T>(Network<T> network, ForwardTrace<T> trace, T[] outputDelta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = trace.Samples;
        var count = network.Layers.Length;
        var gradients = new LayerParameters<T>[count];
        var dz = outputDelta;
        T[] da = [];
        for (var l = count - 1; l >= 0; l--)
        {
            var layer = network.Layers[l];
            var (n, inputs) = (layer.Outputs, layer.Inputs);
            var previous = Dense.Data(trace.InputAt(l));

            var dw = new T[n * inputs];
            var db = new T[n];
            DenseKernels.ParameterGradients<T>(dz, previous, n, inputs, m, dw, db);

            gradients[l] = new LayerParameters<T>(Dense.Matrix(n, inputs, dw), Dense.Vector(db));

            da = new T[inputs * m];
            DenseKernels.InputGradient<T>(Dense.Data(layer.Weights), dz, n, inputs, m, da);
            if (l > 0)
            {
                var below = network.Layers[l - 1];
                if (trace.Key is { } key && below.Dropout > 0)
                {
                    // ∂J/∂ã[l−1] → ∂J/∂a[l−1] through the same mask.
                    Dropout.Multiply<T>(da, da, below.Dropout, Dropout.LayerKey(key, l - 1));
                }

                var dzBelow = new T[inputs * m];
                below.Activation.Backward<T>(Dense.Data(trace.PreActivations[l - 1]), Dense.Data(trace.Activations[l - 1]), da, dzBelow, inputs);
                dz = dzBelow;
            }
        }

        return new BackwardResult<T>(new Parameters<T>(gradients), Dense.Matrix(network.Inputs, m, da));
    }

    internal static Matrix<T> CheckInput<T>(Network<T> network, Matrix<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        x = CheckShape(network, x);
        Guard.Finite(x, "X");
        return x;
    }

    /// <summary>The checks of <see cref="CheckInput{T}"/> but finiteness: a dense X of inputs × m with m ≥ 1.</summary>
    private static Matrix<T> CheckShape<T>(Network<T> network, Matrix<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        x = Dense.Ensure(x);
        if (x.RowCount != network.Inputs)
        {
            var first = network.Layers[0];
            throw new ArgumentException($"X has {x.RowCount} rows but the first layer's weights are {first.Outputs}×{first.Inputs}: X must be inputs × samples ({network.Inputs} × m).", nameof(x));
        }

        if (x.ColumnCount == 0)
        {
            throw new ArgumentException($"X is {x.RowCount}×0: the batch is empty.", nameof(x));
        }

        return x;
    }

    internal static Matrix<T> CheckTargets<T>(Network<T> network, ForwardTrace<T> trace, Matrix<T> y, Loss loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(loss);
        CheckTrace(network, trace);
        loss.CheckOutputActivation(network.OutputActivation);
        y = Dense.Ensure(y);
        CheckSameShape(trace.Output, y, "Y");
        Guard.Finite(y, "Y");
        loss.CheckTargets<T>(Dense.Data(y), network.Outputs, "Y");
        return y;
    }

    private static void CheckTrace<T>(Network<T> network, ForwardTrace<T> trace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (trace.PreActivations.Length != network.Layers.Length || trace.Activations.Length != network.Layers.Length || trace.Input.RowCount != network.Inputs)
        {
            throw new ArgumentException($"The trace has {trace.Activations.Length} layers and {trace.Input.RowCount} inputs but the network has {network.Layers.Length} layers and {network.Inputs} inputs.", nameof(trace));
        }
    }

    private static void CheckSameShape<T>(Matrix<T> expected, Matrix<T> actual, string argument)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (expected.RowCount != actual.RowCount || expected.ColumnCount != actual.ColumnCount)
        {
            throw new ArgumentException($"{argument} is {actual.RowCount}×{actual.ColumnCount} but the network's output is {expected.RowCount}×{expected.ColumnCount} (outputs × samples).", argument);
        }
    }
}
