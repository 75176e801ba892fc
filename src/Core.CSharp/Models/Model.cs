using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;

namespace Nn.Models;

/// <summary>
/// A trained model: the network, the loss it was trained with, the input standardisation fitted on its training
/// data (if any), the names of its classes (for a classifier) and where it came from. This is what a model file
/// holds (see <see cref="Serialization.ModelFile"/>).
/// </summary>
/// <remarks>
/// Built only through the constructor, which checks that the parts fit together; derive a changed model with
/// <see cref="WithNetwork"/> or the constructor.
/// </remarks>
public sealed record Model
{
    /// <summary>Creates a model from its parts.</summary>
    /// <param name="network">The trained network (inputs × samples in, outputs × samples out).</param>
    /// <param name="loss">The loss the network was trained with; it must fit the output activation.</param>
    /// <param name="metadata">Seed, creation time, Nn version and training notes.</param>
    /// <param name="standardization">The input standardisation, with one entry per network input, or null for raw inputs.</param>
    /// <param name="classNames">
    /// Class names for a classifier, or null (or empty) for none: one per output unit after softmax, or two
    /// (negative class first) for a single sigmoid output. Names are non-empty and distinct.
    /// </param>
    /// <param name="precision">
    /// The precision the network was trained in and predicts in. For <see cref="Precision.Float32"/> every weight and
    /// bias of <paramref name="network"/> must be a float32 value (held exactly in float64), and <see cref="Predict"/>
    /// runs the network in float32.
    /// </param>
    /// <param name="featureNames">
    /// The names of the input features in order (the training file's header without the label), or null (or empty)
    /// when unknown: one per network input, non-empty and distinct.
    /// </param>
    /// <exception cref="ArgumentException">
    /// The loss does not fit the output activation, the standardisation has a different number of features than
    /// the network has inputs, the class names do not fit the output layer or are empty or repeated, a float32
    /// model holds a value that is not a float32, or the feature names are not one per input or are empty or repeated.
    /// </exception>
    public Model(Network<double> network, Loss loss, ModelMetadata metadata, Standardization? standardization = null, IEnumerable<string>? classNames = null, Precision precision = Precision.Float64, IEnumerable<string>? featureNames = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(metadata);
        loss.CheckOutputActivation(network.OutputActivation);
        if (standardization is not null && standardization.Features != network.Inputs)
        {
            throw new ArgumentException($"The standardisation has {standardization.Features} features but the network has {network.Inputs} inputs.", nameof(standardization));
        }

        ImmutableArray<string> names = [.. classNames ?? []];
        CheckClassNames(network, names, nameof(classNames));
        ImmutableArray<string> features = [.. featureNames ?? []];
        if (!features.IsEmpty)
        {
            if (features.Length != network.Inputs)
            {
                throw new ArgumentException($"{features.Length} feature names were given but the network has {network.Inputs} inputs.", nameof(featureNames));
            }

            CheckDistinct(features, "feature", nameof(featureNames));
        }

        if (precision == Precision.Float32)
        {
            var single = network.Convert<float>();
            foreach (var (wide, narrow) in network.Parameters.Buffers.Zip(single.Parameters.Buffers))
            {
                for (var i = 0; i < wide.Length; i++)
                {
                    if (wide[i] != narrow[i])
                    {
                        throw new ArgumentException($"The model is float32 but holds {Guard.Format(wide[i])}, which is not a float32 value.", nameof(network));
                    }
                }
            }

            single32 = single;
        }
        else if (precision != Precision.Float64)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "The precision must be Float64 or Float32.");
        }

        Precision = precision;
        Network = network;
        Loss = loss;
        Metadata = metadata;
        Standardization = standardization;
        ClassNames = names;
        FeatureNames = features;
    }

    private readonly Network<float>? single32;

    /// <summary>
    /// A float32 model of a network trained in float32: its values are widened exactly into the float64
    /// <see cref="Network"/>, and predictions run in float32.
    /// </summary>
    /// <exception cref="ArgumentException">As the main constructor.</exception>
    public static Model Of(Network<float> network, Loss loss, ModelMetadata metadata, Standardization? standardization = null, IEnumerable<string>? classNames = null, IEnumerable<string>? featureNames = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new Model(network.Convert<double>(), loss, metadata, standardization, classNames, Precision.Float32, featureNames);
    }

    /// <summary>
    /// A model of a network trained in precision T (float32 or float64) in one call: the loss, the standardisation the
    /// inputs went through and the class names, with metadata made of <paramref name="seed"/> and
    /// <paramref name="notes"/> (creation time and Nn version are filled in).
    /// </summary>
    /// <exception cref="ArgumentException">As the main constructor, or T is neither float nor double.</exception>
    public static Model Create<T>(Network<T> network, Loss loss, Standardization? standardization = null, IEnumerable<string>? classNames = null, long? seed = null, IEnumerable<KeyValuePair<string, string>>? notes = null)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var metadata = ModelMetadata.Create(seed, notes);
        return network switch
        {
            Network<float> single => Of(single, loss, metadata, standardization, classNames),
            Network<double> wide => new Model(wide, loss, metadata, standardization, classNames),
            _ => throw new ArgumentException($"A model holds float32 or float64 values, not {typeof(T).Name}.", nameof(network)),
        };
    }

    /// <summary>The trained network, in float64 (exactly the float32 values for a float32 model).</summary>
    public Network<double> Network { get; }

    /// <summary>The precision the model was trained in and predicts in.</summary>
    public Precision Precision { get; }

    /// <summary>The loss the network was trained with.</summary>
    public Loss Loss { get; }

    /// <summary>Seed, creation time, Nn version and training notes.</summary>
    public ModelMetadata Metadata { get; }

    /// <summary>The input standardisation applied before the network, or null.</summary>
    public Standardization? Standardization { get; }

    /// <summary>The class names (index k names class k), or empty when the model has none.</summary>
    public ImmutableArray<string> ClassNames { get; }

    /// <summary>
    /// The input features' names in order (feature i feeds input i), or empty when unknown (for example a model file
    /// written before Nn recorded them). Data with other names or another order is not what the model was trained on.
    /// </summary>
    public ImmutableArray<string> FeatureNames { get; }

    /// <summary>Number of input features.</summary>
    public int Inputs => Network.Inputs;

    /// <summary>True when the output layer is a softmax, or a single sigmoid unit: outputs are class probabilities.</summary>
    public bool IsClassifier => IsClassifierOutput(Network);

    /// <summary>The same model with another network of the same inputs and outputs (for example after more training).</summary>
    /// <exception cref="ArgumentException">As the constructor: the network does not fit the loss, the standardisation or the class names.</exception>
    public Model WithNetwork(Network<double> network) => new(network, Loss, Metadata, Standardization, ClassNames, Precision, FeatureNames);

    /// <summary>
    /// The model's output ŷ = network(standardise(x)): outputs × samples. Standardisation, when present, is applied
    /// first with the means and scales stored in the model (in float64); a float32 model then rounds the inputs to
    /// float32, runs its network in float32 and widens the outputs exactly.
    /// </summary>
    /// <param name="x">Raw inputs, features × samples (one observation per column), finite, at least one column.</param>
    /// <exception cref="ArgumentException"><paramref name="x"/> has the wrong number of rows, no columns, or a non-finite value.</exception>
    public Matrix<double> Predict(Matrix<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var input = Standardization is null ? x : Standardization.Apply(x);
        return single32 is null
            ? Propagation.Predict(Network, input)
            : Dense.Convert<float, double>(Propagation.Predict(single32, Dense.Convert<double, float>(input)));
    }

    /// <summary>
    /// The predicted class index of each observation: the argmax of the softmax outputs, or for a single sigmoid
    /// output 1 when ŷ ≥ 0.5 and 0 otherwise. Look names up in <see cref="ClassNames"/>.
    /// </summary>
    /// <param name="x">Raw inputs, features × samples, finite, at least one column.</param>
    /// <exception cref="ArgumentException">As <see cref="Predict"/>.</exception>
    /// <exception cref="InvalidOperationException">The model is not a classifier (see <see cref="IsClassifier"/>).</exception>
    public int[] PredictClasses(Matrix<double> x)
    {
        if (!IsClassifier)
        {
            throw new InvalidOperationException($"The model's output layer is {Network.Outputs} {Network.OutputActivation.Name} unit(s): class predictions need a softmax output or a single sigmoid unit.");
        }

        return Targets.Classes(Predict(x));
    }

    /// <summary>
    /// The outputs for observations given as rows (samples × features, the way a table reads), one array per row: the
    /// class probabilities of a classifier — for a single sigmoid unit the two probabilities [1 − p, p] — or the
    /// network's outputs otherwise. Standardisation is applied as in <see cref="Predict"/>.
    /// </summary>
    /// <param name="rows">One array of raw feature values per observation, each of length <see cref="Inputs"/>, finite.</param>
    /// <exception cref="ArgumentException">No rows, a row of the wrong length, or a non-finite value; the message names the row.</exception>
    public double[][] PredictRows(IReadOnlyList<double[]> rows)
    {
        var output = Predict(RowsToColumns(rows));
        var data = Dense.Data(output);
        var units = output.RowCount;
        return [.. Enumerable.Range(0, rows.Count).Select(j => units == 1 && IsClassifier
            ? [1 - data[j], data[j]]
            : data.AsSpan(j * units, units).ToArray())];
    }

    /// <summary>The predicted class of each row (samples × features), as <see cref="PredictClasses(Matrix{double})"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="PredictRows"/>.</exception>
    /// <exception cref="InvalidOperationException">The model is not a classifier.</exception>
    public int[] PredictClasses(IReadOnlyList<double[]> rows) => PredictClasses(RowsToColumns(rows));

    private Matrix<double> RowsToColumns(IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("rows is empty: give at least one observation.", nameof(rows));
        }

        var data = new double[checked(rows.Count * Inputs)];
        for (var j = 0; j < rows.Count; j++)
        {
            var row = rows[j] ?? throw new ArgumentException($"rows[{j}] is null.", nameof(rows));
            if (row.Length != Inputs)
            {
                throw new ArgumentException($"rows[{j}] has {row.Length} values but the model takes {Inputs} features.", nameof(rows));
            }

            row.CopyTo(data, j * Inputs);
        }

        return Dense.Matrix(Inputs, rows.Count, data);
    }

    private static bool IsClassifierOutput(Network<double> network) =>
        network.OutputActivation is SoftmaxActivation || (network.OutputActivation is SigmoidActivation && network.Outputs == 1);

    private static void CheckClassNames(Network<double> network, ImmutableArray<string> names, string argument)
    {
        if (names.IsEmpty)
        {
            return;
        }

        if (!IsClassifierOutput(network))
        {
            throw new ArgumentException($"{names.Length} class names were given but the output layer is {network.Outputs} {network.OutputActivation.Name} unit(s): class names need a softmax output or a single sigmoid unit.", argument);
        }

        var expected = network.Outputs == 1 ? 2 : network.Outputs;
        if (names.Length != expected)
        {
            throw new ArgumentException($"{names.Length} class names were given but the output layer is {network.Outputs} {network.OutputActivation.Name} unit(s), which predicts {expected} classes.", argument);
        }

        CheckDistinct(names, "class", argument);
    }

    /// <summary>Every name non-empty and none repeated; a hash set keeps this linear (a million names in milliseconds).</summary>
    private static void CheckDistinct(ImmutableArray<string> names, string what, string argument)
    {
        var seen = new HashSet<string>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
            {
                throw new ArgumentException($"{char.ToUpperInvariant(what[0])}{what[1..]} name {i} is empty.", argument);
            }

            if (!seen.Add(names[i]))
            {
                throw new ArgumentException($"The {what} name '{names[i]}' is given twice.", argument);
            }
        }
    }
}
