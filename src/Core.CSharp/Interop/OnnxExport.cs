using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using Nn.Activations;
using Nn.Layers;
using Nn.LinearAlgebra;
using F = Nn.Interop.OnnxFields;

namespace Nn.Interop;

/// <summary>
/// Writes a trained network as an ONNX model (IR version <see cref="IrVersion"/>, default operator set
/// version <see cref="OpsetVersion"/>) that any ONNX runtime can evaluate. docs/onnx.md describes the graph.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Nn keeps a batch as features × samples; the ONNX graph takes the conventional
/// [N, features] input (one observation per row, N symbolic) and produces [N, outputs]. Layer l becomes
/// <c>Gemm(a, W, b, transB = 1)</c> = a·Wᵀ + b with W stored [outputs, inputs] row-major — the same matrix as Nn's
/// W, transposed in storage only — followed by its activation: a Sigmoid, Tanh, Relu or Softmax (axis = 1, each
/// observation's units) node, nothing for identity, and for leaky ReLU with slope s the pair Mul(z, s) then Max(z, s·z)
/// (equal to z for z &gt; 0 and s·z otherwise, bit for bit, since 0 ≤ s &lt; 1).</para>
/// <para><b>Standardisation.</b> When the options carry means μ and scales σ, explicit <c>Sub</c> and <c>Div</c>
/// nodes compute (x − μ) / σ before the first Gemm; they are not folded into the first layer's weights, so the
/// model keeps the network's parameters unchanged and the scaling stays visible.</para>
/// <para><b>Values.</b> Tensors are stored as little-endian raw data in the graph's precision. A float64 graph
/// carries every weight, bias, mean, scale and slope exactly; a float32 graph rounds each to the nearest float32.
/// Leaky ReLU is not written as ONNX's LeakyRelu because that operator's alpha is a float32 attribute, which would
/// round a float64 network's slope, and because ONNX Runtime implements LeakyRelu for float32 tensors only.</para>
/// <para><b>Refusals.</b> Export throws rather than write a model that would compute something else: an
/// activation outside <see cref="SupportedActivations"/>, a NaN or infinite weight or bias (possible only if a matrix was
/// mutated after the network was built), a value beyond the float32 range in a float32 graph, and bad options.
/// The output is deterministic: the same network and options give the same bytes.</para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX IR version written into every model (7: accepted by onnx 1.12 and later).</summary>
    public const long IrVersion = 7;

    /// <summary>The version of the default ONNX operator set the graph is written against.</summary>
    public const long OpsetVersion = 13;

    /// <summary>The symbolic batch size, the first dimension of the graph's input and output.</summary>
    public const string BatchDimension = "N";

    private const string MeanName = "standardise_mean";
    private const string ScaleName = "standardise_scale";
    private const string CentredName = "centred";
    private const string StandardisedName = "standardised";

    /// <summary>Names (<see cref="Activation.Name"/>) of the activations export can represent.</summary>
    public static ImmutableArray<string> SupportedActivations { get; } = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"];

    /// <summary>The ONNX model of a float64 network, as the bytes of a serialised ModelProto.</summary>
    /// <param name="network">The network; its parameters are read, never changed.</param>
    /// <param name="options">Names, precision and standardisation; null for the defaults (a float64 graph).</param>
    /// <returns>The model's bytes, ready to be written to a <c>.onnx</c> file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="NotSupportedException">A layer's activation has no ONNX counterpart here (see <see cref="SupportedActivations"/>).</exception>
    /// <exception cref="ArgumentException">
    /// A weight or bias is not finite or does not fit the chosen precision; or the options are invalid: an empty
    /// or clashing tensor name, an undefined precision, means and scales given one without the other or with a
    /// length other than the network's input count, a non-finite mean, or a scale that is not positive and finite.
    /// </exception>
    public static byte[] ToBytes(Network<double> network, OnnxExportOptions? options = null) =>
        Export(network, options, OnnxPrecision.Float64);

    /// <summary>The ONNX model of a float32 network, as the bytes of a serialised ModelProto.</summary>
    /// <param name="network">The network; its parameters are read, never changed.</param>
    /// <param name="options">Names, precision and standardisation; null for the defaults (a float32 graph).</param>
    /// <returns>The model's bytes, ready to be written to a <c>.onnx</c> file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="NotSupportedException">As <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    public static byte[] ToBytes(Network<float> network, OnnxExportOptions? options = null) =>
        Export(network, options, OnnxPrecision.Float32);

    /// <summary>
    /// Writes the ONNX model of a float64 network to <paramref name="path"/> atomically: the bytes go to a temporary
    /// file in the same directory, which is then renamed over the destination, so a reader never sees half a model
    /// and a failure leaves any existing file as it was.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="path">The destination file; its directory must exist.</param>
    /// <param name="options">As for <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</param>
    /// <param name="overwrite">Replace an existing file; when false (the default) an existing file is refused.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="NotSupportedException">As <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="IOException"><paramref name="path"/> exists and <paramref name="overwrite"/> is false, or the file system refused the write.</exception>
    public static void Write(Network<double> network, string path, OnnxExportOptions? options = null, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        WriteAtomically(path, ToBytes(network, options), overwrite);
    }

    /// <summary>Writes the ONNX model of a float32 network to <paramref name="path"/> atomically (see the float64 overload).</summary>
    /// <param name="network">The network.</param>
    /// <param name="path">The destination file; its directory must exist.</param>
    /// <param name="options">As for <see cref="ToBytes(Network{float}, OnnxExportOptions?)"/>.</param>
    /// <param name="overwrite">Replace an existing file; when false (the default) an existing file is refused.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="NotSupportedException">As <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="IOException"><paramref name="path"/> exists and <paramref name="overwrite"/> is false, or the file system refused the write.</exception>
    public static void Write(Network<float> network, string path, OnnxExportOptions? options = null, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        WriteAtomically(path, ToBytes(network, options), overwrite);
    }

    /// <summary>
    /// The ONNX model of a trained <see cref="Models.Model"/>: its network, with the standardisation fitted at training
    /// time (if any) as explicit Sub/Div nodes, so the graph takes raw inputs exactly as <see cref="Models.Model.Predict"/> does.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="precision">The graph's tensor type; float64 (the default) reproduces the model's predictions exactly.</param>
    /// <returns>The model's bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="NotSupportedException">As <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    public static byte[] ToBytes(Models.Model model, OnnxPrecision precision = OnnxPrecision.Float64)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ToBytes(model.Network, OptionsFor(model, precision));
    }

    /// <summary>Writes the ONNX model of a trained <see cref="Models.Model"/> atomically (see <see cref="ToBytes(Models.Model, OnnxPrecision)"/>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The destination file; its directory must exist.</param>
    /// <param name="precision">The graph's tensor type.</param>
    /// <param name="overwrite">Replace an existing file; when false (the default) an existing file is refused.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="NotSupportedException">As <see cref="ToBytes(Network{double}, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="IOException"><paramref name="path"/> exists and <paramref name="overwrite"/> is false, or the file system refused the write.</exception>
    public static void Write(Models.Model model, string path, OnnxPrecision precision = OnnxPrecision.Float64, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(model.Network, path, OptionsFor(model, precision), overwrite);
    }

    private static OnnxExportOptions OptionsFor(Models.Model model, OnnxPrecision precision) =>
        model.Standardization is { } s
            ? new OnnxExportOptions { Precision = precision, Means = s.Means, Scales = s.Scales }
            : new OnnxExportOptions { Precision = precision };

    private static byte[] Export<T>(Network<T> network, OnnxExportOptions? options, OnnxPrecision native)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new OnnxExportOptions();
        var precision = options.Precision ?? native;
        if (!Enum.IsDefined(precision))
        {
            throw new ArgumentException($"options.Precision is {(int)precision}, which is neither Float32 nor Float64.", nameof(options));
        }

        var operators = network.Layers.Select((layer, i) => ActivationNode(layer.Activation, i + 1)).ToArray();
        var layers = network.Layers.Length;
        CheckNames(options, InternalNames(layers, options.Standardises));
        CheckStandardisation(options, network.Inputs);
        var elementType = precision == OnnxPrecision.Float32 ? F.Tensor.DataTypeFloat : F.Tensor.DataTypeDouble;

        var nodes = new List<ProtoWriter>();
        var initializers = new List<ProtoWriter>();
        var current = options.InputName;
        if (options.Standardises)
        {
            initializers.Add(Tensor(MeanName, [network.Inputs], [.. options.Means], precision, "options.Means", nameof(options)));
            initializers.Add(Tensor(ScaleName, [network.Inputs], [.. options.Scales], precision, "options.Scales", nameof(options)));
            nodes.Add(Node("Sub", "standardise_sub", [current, MeanName], CentredName));
            nodes.Add(Node("Div", "standardise_div", [CentredName, ScaleName], StandardisedName));
            current = StandardisedName;
        }

        for (var l = 1; l <= layers; l++)
        {
            var layer = network.Layers[l - 1];
            var (opType, attribute) = operators[l - 1];
            var last = l == layers;
            initializers.Add(Tensor(WeightsName(l), [layer.Outputs, layer.Inputs], RowMajor(layer), precision, $"layer {l} weights", nameof(network)));
            initializers.Add(Tensor(BiasName(l), [layer.Outputs], [.. Dense.Data(layer.Bias).Select(double.CreateTruncating)], precision, $"layer {l} bias", nameof(network)));
            var linear = last && opType is null && layer.Activation is not LeakyReluActivation ? options.OutputName : LinearName(l);
            nodes.Add(Node("Gemm", $"layer{l}_gemm", [current, WeightsName(l), BiasName(l)], linear, IntAttribute("transB", 1)));
            current = linear;
            var activated = last ? options.OutputName : ActivationName(l);
            if (layer.Activation is LeakyReluActivation leaky)
            {
                initializers.Add(Tensor(SlopeName(l), [], [leaky.Slope], precision, $"layer {l} slope", nameof(network)));
                nodes.Add(Node("Mul", $"layer{l}_mul", [current, SlopeName(l)], ScaledName(l)));
                nodes.Add(Node("Max", $"layer{l}_max", [current, ScaledName(l)], activated));
                current = activated;
            }
            else if (opType is not null)
            {
                nodes.Add(Node(opType, $"layer{l}_{opType.ToLowerInvariant()}", [current], activated, attribute));
                current = activated;
            }
        }

        var graph = new ProtoWriter();
        nodes.ForEach(node => graph.Message(F.Graph.Node, node));
        graph.String(F.Graph.Name, "nn");
        initializers.ForEach(tensor => graph.Message(F.Graph.Initializer, tensor));
        graph.Message(F.Graph.Input, ValueInfo(options.InputName, elementType, network.Inputs));
        graph.Message(F.Graph.Output, ValueInfo(options.OutputName, elementType, network.Outputs));

        var description = string.Create(
            CultureInfo.InvariantCulture,
            $"Nn feed-forward network {network.Inputs}-{string.Join("-", network.Layers.Select(l => $"{l.Outputs}{l.Activation.Name}"))}: input '{options.InputName}' [N, {network.Inputs}]{(options.Standardises ? " standardised as (x - mean) / scale" : string.Empty)}, output '{options.OutputName}' [N, {network.Outputs}].");
        return new ProtoWriter()
            .Varint(F.Model.IrVersion, IrVersion)
            .String(F.Model.ProducerName, "Nn")
            .String(F.Model.ProducerVersion, typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0")
            .String(F.Model.DocString, description)
            .Message(F.Model.Graph, graph)
            .Message(F.Model.OpsetImport, new ProtoWriter().String(F.OperatorSetId.Domain, string.Empty).Varint(F.OperatorSetId.Version, OpsetVersion))
            .ToArray();
    }

    private static string WeightsName(int layer) => $"layer{layer}_weights";

    private static string BiasName(int layer) => $"layer{layer}_bias";

    private static string LinearName(int layer) => $"layer{layer}_linear";

    private static string ActivationName(int layer) => $"layer{layer}_activation";

    private static string SlopeName(int layer) => $"layer{layer}_slope";

    private static string ScaledName(int layer) => $"layer{layer}_scaled";

    private static IEnumerable<string> InternalNames(int layers, bool standardises)
    {
        var standardisation = standardises ? new[] { MeanName, ScaleName, CentredName, StandardisedName } : [];
        return standardisation.Concat(Enumerable.Range(1, layers).SelectMany(l => new[] { WeightsName(l), BiasName(l), LinearName(l), ActivationName(l), SlopeName(l), ScaledName(l) }));
    }

    /// <summary>The ONNX operator for an activation (null for identity: no node; leaky ReLU's two nodes are written by the caller) and its attribute, if any.</summary>
    private static (string? OpType, ProtoWriter? Attribute) ActivationNode(Activation activation, int layer) => activation switch
    {
        IdentityActivation => (null, null),
        SigmoidActivation => ("Sigmoid", null),
        TanhActivation => ("Tanh", null),
        ReluActivation => ("Relu", null),
        LeakyReluActivation => (null, null),
        SoftmaxActivation => ("Softmax", IntAttribute("axis", 1)),
        _ => throw new NotSupportedException(
            $"Layer {layer} has the activation '{activation.Name}', which ONNX export cannot represent; it supports {string.Join(", ", SupportedActivations)}."),
    };

    private static void CheckNames(OnnxExportOptions options, IEnumerable<string> internalNames)
    {
        foreach (var (name, property) in new[] { (options.InputName, "InputName"), (options.OutputName, "OutputName") })
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException($"options.{property} is empty: ONNX graph inputs and outputs need a name.", nameof(options));
            }

            if (internalNames.Contains(name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"options.{property} is '{name}', the name of a tensor inside the exported graph: choose another.", nameof(options));
            }
        }

        if (options.InputName == options.OutputName)
        {
            throw new ArgumentException($"options.InputName and options.OutputName are both '{options.InputName}': they must differ.", nameof(options));
        }
    }

    private static void CheckStandardisation(OnnxExportOptions options, int inputs)
    {
        var means = options.Means.IsDefault ? 0 : options.Means.Length;
        var scales = options.Scales.IsDefault ? 0 : options.Scales.Length;
        if (means == 0 && scales == 0)
        {
            return;
        }

        if (means != inputs || scales != inputs)
        {
            throw new ArgumentException($"options has {means} means and {scales} scales but the network has {inputs} inputs: give one mean and one scale per input feature, or neither.", nameof(options));
        }

        for (var i = 0; i < inputs; i++)
        {
            if (!double.IsFinite(options.Means[i]))
            {
                throw new ArgumentException($"options.Means[{i}] is {Guard.Format(options.Means[i])}: means must be finite.", nameof(options));
            }

            if (!double.IsFinite(options.Scales[i]) || options.Scales[i] <= 0)
            {
                throw new ArgumentException($"options.Scales[{i}] is {Guard.Format(options.Scales[i])}: scales must be positive and finite.", nameof(options));
            }
        }
    }

    /// <summary>W[l] as [outputs, inputs] row-major: element (i, j) at i·inputs + j (Nn stores it at i + j·outputs).</summary>
    private static double[] RowMajor<T>(DenseLayer<T> layer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = Dense.Data(layer.Weights);
        var (rows, columns) = (layer.Outputs, layer.Inputs);
        var result = new double[rows * columns];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                result[(i * columns) + j] = double.CreateTruncating(w[i + (j * rows)]);
            }
        }

        return result;
    }

    /// <summary>
    /// A TensorProto with raw little-endian data in the graph's precision. Refuses values that are not finite in
    /// that precision, and (for the standardisation's scales) scales that round to zero.
    /// </summary>
    private static ProtoWriter Tensor(string name, long[] dims, double[] values, OnnxPrecision precision, string what, string argument)
    {
        var single = precision == OnnxPrecision.Float32;
        var raw = new byte[values.Length * (single ? sizeof(float) : sizeof(double))];
        for (var k = 0; k < values.Length; k++)
        {
            var value = values[k];
            var rounded = single ? (float)value : value;
            if (!double.IsFinite(rounded) || (name == ScaleName && rounded <= 0))
            {
                var at = dims.Length switch { 2 => $"[{k / dims[1]}, {k % dims[1]}]", 1 => $"[{k}]", _ => string.Empty };
                var reason = double.IsFinite(value) ? "which float32 cannot hold: export with OnnxPrecision.Float64" : "but values must be finite";
                throw new ArgumentException($"{what}{at} is {Guard.Format(value)}, {reason}.", argument);
            }

            if (single)
            {
                BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(k * sizeof(float)), (float)value);
            }
            else
            {
                BinaryPrimitives.WriteDoubleLittleEndian(raw.AsSpan(k * sizeof(double)), value);
            }
        }

        var tensor = new ProtoWriter();
        foreach (var dim in dims)
        {
            tensor.Varint(F.Tensor.Dims, dim);
        }

        return tensor
            .Varint(F.Tensor.DataType, single ? F.Tensor.DataTypeFloat : F.Tensor.DataTypeDouble)
            .String(F.Tensor.Name, name)
            .Bytes(F.Tensor.RawData, raw);
    }

    private static ProtoWriter Node(string opType, string name, string[] inputs, string output, ProtoWriter? attribute = null)
    {
        var node = new ProtoWriter();
        foreach (var input in inputs)
        {
            node.String(F.Node.Input, input);
        }

        node.String(F.Node.Output, output).String(F.Node.Name, name).String(F.Node.OpType, opType);
        return attribute is null ? node : node.Message(F.Node.Attribute, attribute);
    }

    private static ProtoWriter IntAttribute(string name, long value) =>
        new ProtoWriter().String(F.Attribute.Name, name).Varint(F.Attribute.I, value).Varint(F.Attribute.Type, F.Attribute.TypeInt);

    /// <summary>A ValueInfoProto for a [N, features] tensor of the given element type, N symbolic.</summary>
    private static ProtoWriter ValueInfo(string name, int elementType, int features)
    {
        var shape = new ProtoWriter()
            .Message(F.TensorShape.Dim, new ProtoWriter().String(F.Dimension.DimParam, BatchDimension))
            .Message(F.TensorShape.Dim, new ProtoWriter().Varint(F.Dimension.DimValue, features));
        var tensorType = new ProtoWriter().Varint(F.TensorType.ElemType, elementType).Message(F.TensorType.Shape, shape);
        return new ProtoWriter()
            .String(F.ValueInfo.Name, name)
            .Message(F.ValueInfo.Type, new ProtoWriter().Message(F.Type.TensorType, tensorType));
    }

    private static void WriteAtomically(string path, byte[] bytes, bool overwrite) =>
        Nn.IO.AtomicFile.Write(path, stream => stream.Write(bytes), overwrite);
}
