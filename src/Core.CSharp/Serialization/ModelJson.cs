using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Nn.Activations;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;

namespace Nn.Serialization;

/// <summary>
/// The fields of format version 1 shared by model files and checkpoints (docs/model-format.md): writing them from a
/// <see cref="Model"/> and reading them back with full validation.
/// </summary>
internal static class ModelJson
{
    /// <summary>Indented by two spaces; only the characters JSON requires are escaped, so names and versions stay readable.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Indented = true, IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <c>format</c>, <c>version</c>, <c>architecture</c>, <c>loss</c>, <c>standardization</c>, <c>class_names</c>, <c>feature_names</c> and <c>metadata</c> into the open object.</summary>
    public static void WriteFields(Utf8JsonWriter w, Model model)
    {
        w.WriteString("format", ModelFile.FormatName);
        w.WriteNumber("version", ModelFile.FormatVersion);
        w.WriteStartObject("architecture");
        w.WriteNumber("inputs", model.Network.Inputs);
        w.WriteStartArray("layers");
        foreach (var layer in model.Network.Layers)
        {
            w.WriteStartObject();
            w.WriteNumber("units", layer.Outputs);
            w.WriteString("activation", layer.Activation.Name);
            if (layer.Activation is LeakyReluActivation leaky)
            {
                w.WriteNumber("slope", leaky.Slope);
            }

            if (layer.Dropout > 0)
            {
                w.WriteNumber("dropout", layer.Dropout);
            }

            WriteLayerParameters(w, new LayerParameters<double>(layer.Weights, layer.Bias));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteString("loss", model.Loss.Name);
        w.WriteString("precision", model.Precision == Precision.Float32 ? "float32" : "float64");
        if (model.Standardization is { } s)
        {
            w.WriteStartObject("standardization");
            w.WritePropertyName("means");
            WriteCompactArray(w, s.Means.AsSpan());
            w.WritePropertyName("scales");
            WriteCompactArray(w, s.Scales.AsSpan());
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("standardization");
        }

        w.WriteStartArray("class_names");
        foreach (var name in model.ClassNames)
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
        w.WriteStartArray("feature_names");
        foreach (var name in model.FeatureNames)
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
        w.WriteStartObject("metadata");
        if (model.Metadata.Seed is { } seed)
        {
            w.WriteNumber("seed", seed);
        }
        else
        {
            w.WriteNull("seed");
        }

        w.WriteString("created_utc", model.Metadata.CreatedUtc);
        w.WriteString("nn_version", model.Metadata.NnVersion);
        w.WriteStartObject("notes");
        foreach (var (name, text) in model.Metadata.Notes)
        {
            w.WriteString(name, text);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Writes <c>"weights": [[row], …], "bias": [...]</c> into the open object, one matrix row per line.</summary>
    public static void WriteLayerParameters(Utf8JsonWriter w, LayerParameters<double> parameters)
    {
        var weights = Dense.Data(parameters.Weights);
        var (rows, columns) = (parameters.Weights.RowCount, parameters.Weights.ColumnCount);
        var row = new double[columns];
        w.WritePropertyName("weights");
        var indent = new string(' ', 2 * w.CurrentDepth);
        var text = new StringBuilder("[\n");
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                row[j] = weights[i + (j * rows)];
            }

            text.Append(indent).Append("  ").Append(CompactArray(row)).Append(i < rows - 1 ? ",\n" : "\n");
        }

        w.WriteRawValue(text.Append(indent).Append(']').ToString(), skipInputValidation: true);
        w.WritePropertyName("bias");
        WriteCompactArray(w, Dense.Data(parameters.Bias));
    }

    /// <summary>Writes a number array on one line (shortest round-trippable form of each double).</summary>
    public static void WriteCompactArray(Utf8JsonWriter w, ReadOnlySpan<double> values) =>
        w.WriteRawValue(CompactArray(values), skipInputValidation: true);

    private static string CompactArray(ReadOnlySpan<double> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var compact = new Utf8JsonWriter(buffer))
        {
            compact.WriteStartArray();
            foreach (var v in values)
            {
                compact.WriteNumberValue(v);
            }

            compact.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Checks <c>format</c> and <c>version</c>: this is an Nn model file this Nn can read.</summary>
    public static void CheckHeader(JsonElement root, JsonInput input)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw input.Error($"not an Nn model file: the top level is {(root.ValueKind == JsonValueKind.Array ? "an array" : "a single value")}, not an object.");
        }

        if (!root.TryGetProperty("format", out var format))
        {
            throw input.Error("not an Nn model file: it has no \"format\" field.");
        }

        if (format.ValueKind != JsonValueKind.String || format.GetString() != ModelFile.FormatName)
        {
            throw input.Error($"not an Nn model file: format is {format.GetRawText()} but should be \"{ModelFile.FormatName}\".");
        }

        var version = input.Integer(input.Required(root, "version", string.Empty), "version", 1);
        if (version > ModelFile.FormatVersion)
        {
            throw input.Error($"written by a newer Nn: format version {version}, this Nn reads up to {ModelFile.FormatVersion}.");
        }
    }

    /// <summary>Reads and validates the model fields of a file whose header has been checked.</summary>
    public static Model ReadModel(JsonElement root, JsonInput input)
    {
        var architecture = input.Object(input.Required(root, "architecture", string.Empty), "architecture");
        var inputs = input.Int32(input.Required(architecture, "inputs", "architecture"), "architecture.inputs", 1);
        var layersJson = input.Array(input.Required(architecture, "layers", "architecture"), "architecture.layers");
        if (layersJson.GetArrayLength() == 0)
        {
            throw input.Error("architecture.layers is empty: a network needs at least one layer.");
        }

        var layers = new List<DenseLayer<double>>();
        var previous = inputs;
        foreach (var layerJson in layersJson.EnumerateArray())
        {
            var index = layers.Count;
            var path = $"architecture.layers[{index}]";
            input.Object(layerJson, path);
            var units = input.Int32(input.Required(layerJson, "units", path), $"{path}.units", 1);
            var activation = ReadActivation(layerJson, path, index, input);
            var parameters = ReadLayerParameters(layerJson, path, index, units, previous, index == 0 ? $"the model has {inputs} inputs" : $"layer {index} has {previous} units", input);
            var dropout = ReadDropout(layerJson, path, index, index == layersJson.GetArrayLength() - 1, input);
            layers.Add(new DenseLayer<double>(parameters.Weights, parameters.Bias, activation) { Dropout = dropout });
            previous = units;
        }

        var network = new Network<double>(layers);
        var loss = ReadLoss(root, input);
        var precision = ReadPrecision(root, input);
        var standardization = ReadStandardization(root, inputs, input);
        var classNames = ReadNames(root, "class_names", input);
        var featureNames = ReadNames(root, "feature_names", input);
        var metadata = ReadMetadata(root, input);
        try
        {
            return new Model(network, loss, metadata, standardization, classNames, precision, featureNames);
        }
        catch (ArgumentException e)
        {
            throw input.Error(Message(e));
        }
    }

    /// <summary>
    /// Reads <c>weights</c> (units × fan-in, as rows) and <c>bias</c> (units) of one layer or one layer of a
    /// parameter tree, checking them against the expected sizes.
    /// </summary>
    public static LayerParameters<double> ReadLayerParameters(JsonElement obj, string path, int index, int units, int fanIn, string fanInSource, JsonInput input)
    {
        var (rows, columns, weights) = input.Rows(input.Required(obj, "weights", path), $"{path}.weights");
        if (columns != fanIn)
        {
            throw input.Error($"layer {index + 1} weights are {rows}×{columns} but {fanInSource}.");
        }

        if (rows != units)
        {
            throw input.Error($"layer {index + 1} weights are {rows}×{columns} but the layer has {units} units.");
        }

        var bias = input.Numbers(input.Required(obj, "bias", path), $"{path}.bias");
        if (bias.Length != units)
        {
            throw input.Error($"layer {index + 1} bias has {bias.Length} values but the layer has {units} units.");
        }

        return new LayerParameters<double>(Dense.Matrix(rows, columns, weights), Dense.Vector(bias));
    }

    /// <summary>The message of an argument exception without the " (Parameter 'x')" suffix.</summary>
    public static string Message(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);

    /// <summary>The optional <c>dropout</c> rate of a layer: a number in [0, 1), only on hidden layers; 0 when absent.</summary>
    private static double ReadDropout(JsonElement layer, string path, int index, bool output, JsonInput input)
    {
        if (!layer.TryGetProperty("dropout", out var value))
        {
            return 0.0;
        }

        var rate = input.Number(value, $"{path}.dropout");
        if (!(rate >= 0.0 && rate < 1.0))
        {
            throw input.Error($"{path}.dropout is {rate}: a dropout rate must be in [0, 1).");
        }

        if (output && rate > 0)
        {
            throw input.Error($"{path}.dropout is {rate} but layer {index + 1} is the output layer: dropout applies to hidden layers only.");
        }

        return rate;
    }

    private static Activation ReadActivation(JsonElement layer, string path, int index, JsonInput input)
    {
        var name = input.Text(input.Required(layer, "activation", path), $"{path}.activation");
        try
        {
            if (name == "leaky_relu")
            {
                return Activation.LeakyRelu(input.Number(input.Required(layer, "slope", path), $"{path}.slope"));
            }

            if (input.CustomActivations.FirstOrDefault(a => a.Name == name) is { } custom)
            {
                return custom;
            }

            return Activation.FromName(name);
        }
        catch (ArgumentException e)
        {
            throw input.Error($"layer {index + 1}: {Message(e)} (a custom activation is read back by passing it to ModelFile.Load)");
        }
    }

    private static Loss ReadLoss(JsonElement root, JsonInput input)
    {
        var name = input.Text(input.Required(root, "loss", string.Empty), "loss");
        if (input.CustomLosses.FirstOrDefault(l => l.Name == name) is { } custom)
        {
            return custom;
        }

        try
        {
            return Loss.FromName(name);
        }
        catch (ArgumentException e)
        {
            throw input.Error($"{Message(e)} (a custom loss is read back by passing it to ModelFile.Load)");
        }
    }

    // Files written before the field existed hold float64 models.
    private static Precision ReadPrecision(JsonElement root, JsonInput input) =>
        JsonInput.Optional(root, "precision") is { } field
            ? input.Text(field, "precision") switch
            {
                "float64" => Precision.Float64,
                "float32" => Precision.Float32,
                var other => throw input.Error($"precision is \"{other}\": expected \"float64\" or \"float32\"."),
            }
            : Precision.Float64;

    private static Standardization? ReadStandardization(JsonElement root, int inputs, JsonInput input)
    {
        if (JsonInput.Optional(root, "standardization") is not { } json)
        {
            return null;
        }

        input.Object(json, "standardization");
        var means = input.Numbers(input.Required(json, "means", "standardization"), "standardization.means");
        var scales = input.Numbers(input.Required(json, "scales", "standardization"), "standardization.scales");
        if (means.Length != inputs || scales.Length != inputs)
        {
            throw input.Error($"standardization has {means.Length} means and {scales.Length} scales but the model has {inputs} inputs.");
        }

        try
        {
            return new Standardization(means, scales);
        }
        catch (ArgumentException e)
        {
            throw input.Error($"standardization: {Message(e)}");
        }
    }

    /// <summary>An optional array of strings (<c>class_names</c>, <c>feature_names</c>); absent or null reads as empty.</summary>
    private static List<string> ReadNames(JsonElement root, string field, JsonInput input)
    {
        var names = new List<string>();
        if (JsonInput.Optional(root, field) is { } json)
        {
            input.Array(json, field);
            foreach (var item in json.EnumerateArray())
            {
                names.Add(input.Text(item, $"{field}[{names.Count}]"));
            }
        }

        return names;
    }

    private static ModelMetadata ReadMetadata(JsonElement root, JsonInput input)
    {
        var json = input.Object(input.Required(root, "metadata", string.Empty), "metadata");
        long? seed = JsonInput.Optional(json, "seed") is { } s ? input.Integer(s, "metadata.seed", long.MinValue) : null;
        var created = input.Required(json, "created_utc", "metadata");
        if (created.ValueKind != JsonValueKind.String || !created.TryGetDateTimeOffset(out var time) || time.Offset != TimeSpan.Zero)
        {
            throw input.Error($"metadata.created_utc is {(created.ValueKind == JsonValueKind.String ? $"\"{created.GetString()}\"" : created.GetRawText())} but should be an ISO 8601 UTC time such as \"2025-01-31T12:00:00Z\".");
        }

        var version = input.Text(input.Required(json, "nn_version", "metadata"), "metadata.nn_version");
        var notes = new List<KeyValuePair<string, string>>();
        if (JsonInput.Optional(json, "notes") is { } notesJson)
        {
            input.Object(notesJson, "metadata.notes");
            foreach (var note in notesJson.EnumerateObject())
            {
                notes.Add(new(note.Name, input.Text(note.Value, $"metadata.notes.{note.Name}")));
            }
        }

        try
        {
            return new ModelMetadata(seed, time.UtcDateTime, version, notes);
        }
        catch (ArgumentException e)
        {
            throw input.Error($"metadata: {Message(e)}");
        }
    }
}
