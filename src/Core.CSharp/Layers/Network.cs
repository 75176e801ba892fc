using System.Collections.Immutable;
using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.LinearAlgebra;

namespace Nn.Layers;

/// <summary>
/// A feed-forward network: an ordered list of dense layers, each feeding the next. The network <em>is</em> its
/// parameters plus each layer's activation; sizes follow from the weight shapes.
/// </summary>
/// <typeparam name="T"><c>double</c> (the default everywhere) or <c>float</c>.</typeparam>
public sealed record Network<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ImmutableArray<DenseLayer<T>> layers;

    /// <summary>Creates a network from its layers, first layer first.</summary>
    /// <exception cref="ArgumentException">There are no layers, or a layer's inputs differ from the previous layer's outputs.</exception>
    public Network(IEnumerable<DenseLayer<T>> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        Layers = [.. layers];
    }

    /// <summary>The layers, first (input side) first.</summary>
    public ImmutableArray<DenseLayer<T>> Layers
    {
        get => layers;
        init
        {
            if (value.IsDefaultOrEmpty)
            {
                throw new ArgumentException("A network needs at least one layer.", nameof(Layers));
            }

            for (var i = 0; i < value.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(value[i], nameof(Layers));
                value[i].CheckShape(i, nameof(Layers));
                if (i > 0 && value[i].Inputs != value[i - 1].Outputs)
                {
                    throw new ArgumentException($"Layer {i + 1} has weights {value[i].Outputs}×{value[i].Inputs} but layer {i} has {value[i - 1].Outputs} outputs.", nameof(Layers));
                }
            }

            layers = value;
        }
    }

    /// <summary>Number of input features.</summary>
    public int Inputs => layers[0].Inputs;

    /// <summary>Number of output units.</summary>
    public int Outputs => layers[^1].Outputs;

    /// <summary>The output layer's activation.</summary>
    public Activation OutputActivation => layers[^1].Activation;

    /// <summary>Number of scalar parameters.</summary>
    public int ParameterCount => layers.Sum(l => l.ParameterCount);

    /// <summary>The parameter tree (shares the layers' matrices: do not mutate).</summary>
    public Parameters<T> Parameters => new(layers.Select(l => new LayerParameters<T>(l.Weights, l.Bias)));

    /// <summary>The same architecture with new parameters.</summary>
    /// <exception cref="ArgumentException">The parameter tree's shape differs from this network's, or a value is not finite.</exception>
    public Network<T> WithParameters(Parameters<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters.CheckSameShape(parameters);
        return new Network<T>(layers.Select((l, i) => l with { Weights = parameters.Layers[i].Weights, Bias = parameters.Layers[i].Bias }));
    }

    /// <summary>The same network in another precision (values converted, e.g. float64 → float32).</summary>
    public Network<TOut> Convert<TOut>()
        where TOut : unmanaged, IFloatingPointIeee754<TOut> =>
        new(layers.Select(l => new DenseLayer<TOut>(
            Dense.Matrix(l.Outputs, l.Inputs, Array.ConvertAll(Dense.Data(l.Weights), TOut.CreateTruncating)),
            Dense.Vector(Array.ConvertAll(Dense.Data(l.Bias), TOut.CreateTruncating)),
            l.Activation)));

    /// <summary>
    /// Finds two hidden units of one layer with identical incoming weights and bias. Such units compute the same
    /// value and receive the same gradient, so gradient training can never tell them apart (what zero
    /// initialisation causes). Returns a description such as "layer 1, units 1 and 2", or null when there is none.
    /// </summary>
    public string? FindSymmetricHiddenUnits()
    {
        for (var l = 0; l < layers.Length - 1; l++)
        {
            var w = layers[l].Weights;
            var b = layers[l].Bias;
            for (var i = 0; i < w.RowCount; i++)
            {
                for (var j = i + 1; j < w.RowCount; j++)
                {
                    if (b[i] == b[j] && RowsEqual(w, i, j))
                    {
                        return $"layer {l + 1}, units {i + 1} and {j + 1}";
                    }
                }
            }
        }

        return null;
    }

    private static bool RowsEqual(Matrix<T> w, int i, int j)
    {
        for (var c = 0; c < w.ColumnCount; c++)
        {
            if (w[i, c] != w[j, c])
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Builds networks with initialised weights.</summary>
public static class Network
{
    /// <summary>
    /// A network with the given input size and layers (units and activation per layer), weights drawn by
    /// <paramref name="initializer"/> from <paramref name="rng"/>, biases zero.
    /// </summary>
    /// <exception cref="ArgumentException">No layers, or a size is not positive.</exception>
    public static Network<T> Create<T>(int inputs, IEnumerable<(int Units, Activation Activation)> layers, Initializer initializer, Rng rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(initializer);
        Guard.Positive(inputs, nameof(inputs));
        var built = new List<DenseLayer<T>>();
        var fanIn = inputs;
        foreach (var (units, activation) in layers)
        {
            if (units <= 0)
            {
                throw new ArgumentException($"Layer {built.Count + 1} has {units} units: sizes must be positive.", nameof(layers));
            }

            var w = new T[units * fanIn];
            rng = initializer.Fill<T>(w, fanIn, units, rng);
            built.Add(new DenseLayer<T>(Dense.Matrix(units, fanIn, w), Dense.Vector(new T[units]), activation));
            fanIn = units;
        }

        return new Network<T>(built);
    }

    /// <summary>
    /// A network from a list of sizes [n₀, n₁, …, n_L] (n₀ inputs), with <paramref name="hidden"/> on every hidden
    /// layer and <paramref name="output"/> on the last, weights drawn by <paramref name="initializer"/> from a
    /// generator seeded with <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two sizes, or a size is not positive.</exception>
    public static Network<T> Create<T>(IReadOnlyList<int> sizes, Activation hidden, Activation output, Initializer initializer, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count < 2)
        {
            throw new ArgumentException($"sizes has {sizes.Count} entries: give the input size and at least one layer size.", nameof(sizes));
        }

        var spec = sizes.Skip(1).Select((units, i) => (units, i == sizes.Count - 2 ? output : hidden));
        return Create<T>(sizes[0], spec, initializer, Rng.FromSeed(seed));
    }
}
