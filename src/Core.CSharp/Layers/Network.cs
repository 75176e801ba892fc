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
                if (i == value.Length - 1 && value[i].Dropout > 0)
                {
                    throw new ArgumentException($"Layer {i + 1} is the output layer but has dropout {value[i].Dropout}: dropout applies to hidden layers only.", nameof(Layers));
                }

                if (i > 0 && value[i].Inputs != value[i - 1].Outputs)
                {
                    throw new ArgumentException($"Layer {i + 1} has weights {value[i].Outputs}×{value[i].Inputs} but layer {i} has {value[i - 1].Outputs} outputs.", nameof(Layers));
                }
            }

            CheckParameterCount(value.Select(l => ((long)l.Outputs * l.Inputs) + l.Outputs).Sum(), nameof(Layers));
            layers = value;
        }
    }

    /// <summary>Number of input features.</summary>
    public int Inputs => layers[0].Inputs;

    /// <summary>Number of output units.</summary>
    public int Outputs => layers[^1].Outputs;

    /// <summary>The output layer's activation.</summary>
    public Activation OutputActivation => layers[^1].Activation;

    /// <summary>Number of scalar parameters: at most <see cref="Network.MaxParameters"/>, which every network is checked against.</summary>
    public int ParameterCount => layers.Sum(l => l.ParameterCount);

    /// <summary>The parameter tree (shares the layers' matrices: do not mutate).</summary>
    public Parameters<T> Parameters => new(layers.Select(l => new LayerParameters<T>(l.Weights, l.Bias)));

    /// <summary>Each layer's dropout rate (see <see cref="DenseLayer{T}.Dropout"/>), first layer first; the last is always 0.</summary>
    public ImmutableArray<double> DropoutRates => [.. layers.Select(l => l.Dropout)];

    /// <summary>True when some layer has a positive dropout rate, so training and inference passes differ.</summary>
    public bool HasDropout => layers.Any(l => l.Dropout > 0);

    /// <summary>
    /// The same network with dropout rate <paramref name="rates"/>[l] on the output of hidden layer l + 1: one rate per
    /// hidden layer (every layer but the last), each in [0, 1). Parameters are shared, not copied.
    /// </summary>
    /// <exception cref="ArgumentException">The count differs from the number of hidden layers, or a rate is outside [0, 1).</exception>
    public Network<T> WithDropout(IEnumerable<double> rates)
    {
        ArgumentNullException.ThrowIfNull(rates);
        var list = rates.ToList();
        if (list.Count != layers.Length - 1)
        {
            throw new ArgumentException($"{list.Count} dropout rates were given for {layers.Length - 1} hidden layers.", nameof(rates));
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (!(list[i] >= 0.0 && list[i] < 1.0))
            {
                throw new ArgumentException($"rates[{i}] is {list[i]}: a dropout rate must be in [0, 1).", nameof(rates));
            }
        }

        return new Network<T>(layers.Select((l, i) => l with { Dropout = i < list.Count ? list[i] : 0.0 }));
    }

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
            l.Activation)
        { Dropout = l.Dropout }));

    /// <summary>
    /// Finds two hidden units of one layer with identical incoming weights and bias. Such units compute the same
    /// value and receive the same gradient, so gradient training can never tell them apart (what zero
    /// initialisation causes). Returns a description such as "layer 1, units 1 and 2", or null when there is none.
    /// </summary>
    /// <remarks>
    /// Linear in the number of parameters: each unit's row (bias and weights) is hashed, and only units whose hashes
    /// collide are compared value by value, so a layer of 300,000 units costs one pass over its weights instead of
    /// 4.5 × 10¹⁰ row comparisons. Of several pairs, the one whose second unit comes first is reported. Values are
    /// compared with <c>==</c> (so 0 and −0 are equal; a NaN equals nothing).
    /// </remarks>
    public string? FindSymmetricHiddenUnits()
    {
        for (var l = 0; l < layers.Length - 1; l++)
        {
            var w = Dense.Data(layers[l].Weights);
            var b = Dense.Data(layers[l].Bias);
            var units = b.Length;
            var seen = new Dictionary<int, List<int>>(units);
            for (var i = 0; i < units; i++)
            {
                var hash = RowHash(w, b, units, i);
                if (seen.TryGetValue(hash, out var candidates))
                {
                    foreach (var j in candidates)
                    {
                        if (RowsEqual(w, b, units, i, j))
                        {
                            return $"layer {l + 1}, units {j + 1} and {i + 1}";
                        }
                    }

                    candidates.Add(i);
                }
                else
                {
                    seen.Add(hash, [i]);
                }
            }
        }

        return null;
    }

    /// <summary>A hash of unit i's bias and weights (column-major W, units rows) that is equal for equal rows: −0 hashes as 0.</summary>
    private static int RowHash(T[] w, T[] b, int units, int i)
    {
        var hash = default(HashCode);
        hash.Add(b[i] + T.Zero);
        for (var k = i; k < w.Length; k += units)
        {
            // Adding zero turns −0 into +0, so values that compare equal hash equally.
            hash.Add(w[k] + T.Zero);
        }

        return hash.ToHashCode();
    }

    private static bool RowsEqual(T[] w, T[] b, int units, int i, int j)
    {
        if (b[i] != b[j])
        {
            return false;
        }

        for (int p = i, q = j; p < w.Length; p += units, q += units)
        {
            if (w[p] != w[q])
            {
                return false;
            }
        }

        return true;
    }

    /// <exception cref="ArgumentException">The count exceeds <see cref="Network.MaxParameters"/>.</exception>
    internal static void CheckParameterCount(long count, string argument)
    {
        if (count > Network.MaxParameters)
        {
            throw new ArgumentException($"The network would have {count:N0} parameters; at most {Network.MaxParameters:N0} are supported.", argument);
        }
    }
}

/// <summary>Builds networks with initialised weights.</summary>
public static class Network
{
    /// <summary>
    /// The largest parameter count a network may have: <see cref="int.MaxValue"/> (2,147,483,647), since parameters
    /// are counted and flattened with 32-bit indices. A layer's weight matrix is further limited to
    /// <see cref="Array.MaxLength"/> values, the largest .NET array.
    /// </summary>
    public const long MaxParameters = int.MaxValue;

    /// <summary>
    /// The number of parameters of a network with <paramref name="inputs"/> inputs and layers of
    /// <paramref name="units"/>: Σₗ (nₗ·nₗ₋₁ + nₗ), computed in 64 bits so that it cannot overflow.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public static long CountParameters(int inputs, IEnumerable<int> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        Guard.Positive(inputs, nameof(inputs));
        var (count, fanIn, index) = (0L, (long)inputs, 0);
        foreach (var n in units)
        {
            index++;
            if (n <= 0)
            {
                throw new ArgumentException($"Layer {index} has {n} units: sizes must be positive.", nameof(units));
            }

            count += (n * fanIn) + n;
            fanIn = n;
        }

        return count;
    }

    /// <summary>
    /// Checks the sizes of a network before anything is allocated: every size positive, every weight matrix within
    /// <see cref="Array.MaxLength"/> values and the parameter count within <see cref="MaxParameters"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A check fails; the message names the layer and the sizes.</exception>
    private static void CheckSizes(int inputs, IEnumerable<int> units, string argument)
    {
        var fanIn = (long)inputs;
        var index = 0;
        foreach (var n in units)
        {
            index++;
            if (n <= 0)
            {
                throw new ArgumentException($"Layer {index} has {n} units: sizes must be positive.", argument);
            }

            if (n * fanIn > Array.MaxLength)
            {
                throw new ArgumentException($"Layer {index} would have {n:N0}×{fanIn:N0} = {n * fanIn:N0} weights, more than one array holds ({Array.MaxLength:N0}).", argument);
            }

            fanIn = n;
        }

        Network<double>.CheckParameterCount(CountParameters(inputs, units), argument);
    }

    /// <summary>
    /// A network with the given input size and layers (units and activation per layer), weights drawn by
    /// <paramref name="initializer"/> from <paramref name="rng"/>, biases zero.
    /// </summary>
    /// <exception cref="ArgumentException">No layers, a size is not positive, a layer's weights exceed one array, or the parameter count exceeds <see cref="MaxParameters"/> (checked before anything is allocated).</exception>
    public static Network<T> Create<T>(int inputs, IEnumerable<(int Units, Activation Activation)> layers, Initializer initializer, Rng rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(initializer);
        Guard.Positive(inputs, nameof(inputs));
        var spec = layers.ToList();
        CheckSizes(inputs, spec.Select(l => l.Units), nameof(layers));
        var built = new List<DenseLayer<T>>();
        var fanIn = inputs;
        foreach (var (units, activation) in spec)
        {
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
