using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Nn.Initialization;
using Nn.IO;
using Nn.Layers;
using Nn.Models;
using Nn.Reporting;

namespace Nn.Serialization;

/// <summary>
/// Saves and loads <see cref="Checkpoint"/>s: a model file (<see cref="ModelFile"/>, same format and version) with
/// an extra <c>training_state</c> object, described in docs/model-format.md. A checkpoint also loads as a plain model
/// with <see cref="ModelFile.Load"/>.
/// </summary>
/// <remarks>
/// Every number round-trips exactly: doubles in their shortest round-trippable form, the generator's four 64-bit
/// state words as decimal strings (JSON numbers are not reliably exact beyond 2⁵³). Saving is atomic; loading
/// validates like <see cref="ModelFile.Load"/> and throws <see cref="ModelFormatException"/> naming the file.
/// </remarks>
public static class CheckpointFile
{
    /// <summary>The checkpoint as the text of a checkpoint file.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    public static string ToJson(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, ModelJson.WriterOptions))
        {
            w.WriteStartObject();
            ModelJson.WriteFields(w, checkpoint.Model);
            WriteState(w, checkpoint.State);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    /// <summary>Reads a checkpoint from the text of a checkpoint file.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The name to put at the start of error messages, usually the file path.</param>
    /// <exception cref="ModelFormatException">As <see cref="ModelFile.FromJson"/>, or the <c>training_state</c> is missing or inconsistent.</exception>
    public static Checkpoint FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        return Read(Encoding.UTF8.GetBytes(json), source);
    }

    /// <summary>Atomically writes the checkpoint to <paramref name="path"/>.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="path">The file to write; its directory must exist.</param>
    /// <param name="overwrite">Whether an existing file may be replaced (usual for the latest checkpoint of a run).</param>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or writing fails (any existing file is left as it was).</exception>
    public static void Save(Checkpoint checkpoint, string path, bool overwrite = false)
    {
        var text = ToJson(checkpoint);
        AtomicFile.WriteAllText(path, text, overwrite);
    }

    /// <summary>Reads the checkpoint file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFormatException">As <see cref="ModelFile.Load"/>, or the file has no valid <c>training_state</c>; the message starts with <paramref name="path"/>.</exception>
    public static Checkpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Read(File.ReadAllBytes(path), path);
    }

    private static void WriteState(Utf8JsonWriter w, TrainingState state)
    {
        w.WriteStartObject("training_state");
        w.WriteNumber("epoch", state.Epoch);
        w.WriteNumber("step", state.Step);
        w.WriteStartArray("rng");
        foreach (var word in new[] { state.Rng.S0, state.Rng.S1, state.Rng.S2, state.Rng.S3 })
        {
            w.WriteStringValue(word.ToString(CultureInfo.InvariantCulture));
        }

        w.WriteEndArray();
        w.WriteStartObject("optimizer");
        w.WriteString("name", state.Optimizer);
        w.WriteStartArray("arrays");
        foreach (var array in state.OptimizerArrays)
        {
            w.WriteStartObject();
            w.WriteString("name", array.Name);
            w.WriteStartArray("layers");
            foreach (var layer in array.Value.Layers)
            {
                w.WriteStartObject();
                ModelJson.WriteLayerParameters(w, layer);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("scalars");
        foreach (var (name, value) in state.OptimizerScalars)
        {
            w.WriteNumber(name, value);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("history");
        foreach (var series in state.History)
        {
            w.WritePropertyName(series.Name);
            ModelJson.WriteCompactArray(w, series.Values.AsSpan());
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static Checkpoint Read(byte[] utf8, string source)
    {
        var input = new JsonInput(source);
        using var document = JsonInput.Parse(utf8, source);
        var root = document.RootElement;
        ModelJson.CheckHeader(root, input);
        var model = ModelJson.ReadModel(root, input);
        if (!root.TryGetProperty("training_state", out _))
        {
            throw input.Error("has no \"training_state\": it is a model file, not a checkpoint.");
        }

        var state = ReadState(input.Object(input.Required(root, "training_state", string.Empty), "training_state"), model, input);
        try
        {
            return new Checkpoint(model, state);
        }
        catch (ArgumentException e)
        {
            throw input.Error(ModelJson.Message(e));
        }
    }

    private static TrainingState ReadState(JsonElement json, Model model, JsonInput input)
    {
        const string path = "training_state";
        var epoch = input.Int32(input.Required(json, "epoch", path), $"{path}.epoch", 0);
        var step = input.Integer(input.Required(json, "step", path), $"{path}.step", 0);
        var rng = ReadRng(input.Required(json, "rng", path), $"{path}.rng", input);
        var optimizer = input.Object(input.Required(json, "optimizer", path), $"{path}.optimizer");
        var name = input.Text(input.Required(optimizer, "name", $"{path}.optimizer"), $"{path}.optimizer.name");
        var arrays = new List<NamedParameters>();
        if (JsonInput.Optional(optimizer, "arrays") is { } arraysJson)
        {
            input.Array(arraysJson, $"{path}.optimizer.arrays");
            foreach (var array in arraysJson.EnumerateArray())
            {
                arrays.Add(ReadNamedParameters(array, $"{path}.optimizer.arrays[{arrays.Count}]", model, input));
            }
        }

        var scalars = new List<KeyValuePair<string, double>>();
        if (JsonInput.Optional(optimizer, "scalars") is { } scalarsJson)
        {
            input.Object(scalarsJson, $"{path}.optimizer.scalars");
            foreach (var scalar in scalarsJson.EnumerateObject())
            {
                scalars.Add(new(scalar.Name, input.Number(scalar.Value, $"{path}.optimizer.scalars.{scalar.Name}")));
            }
        }

        var history = new List<NamedSeries>();
        if (JsonInput.Optional(json, "history") is { } historyJson)
        {
            input.Object(historyJson, $"{path}.history");
            foreach (var series in historyJson.EnumerateObject())
            {
                history.Add(new NamedSeries(series.Name, input.Numbers(series.Value, $"{path}.history.{series.Name}")));
            }
        }

        try
        {
            return new TrainingState(epoch, step, rng, name, arrays, scalars, history);
        }
        catch (ArgumentException e)
        {
            throw input.Error($"{path}: {ModelJson.Message(e)}");
        }
    }

    private static Rng ReadRng(JsonElement json, string path, JsonInput input)
    {
        input.Array(json, path);
        var words = new ulong[4];
        if (json.GetArrayLength() != words.Length)
        {
            throw input.Error($"{path} has {json.GetArrayLength()} words but the generator's state is 4 words.");
        }

        var i = 0;
        foreach (var word in json.EnumerateArray())
        {
            var text = input.Text(word, $"{path}[{i}]");
            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out words[i]))
            {
                throw input.Error($"{path}[{i}] is \"{text}\" but should be an unsigned 64-bit integer in decimal.");
            }

            i++;
        }

        if (words.All(w => w == 0))
        {
            throw input.Error($"{path} is all zeros, which is not a valid xoshiro256** state.");
        }

        return new Rng(words[0], words[1], words[2], words[3]);
    }

    private static NamedParameters ReadNamedParameters(JsonElement json, string path, Model model, JsonInput input)
    {
        input.Object(json, path);
        var name = input.Text(input.Required(json, "name", path), $"{path}.name");
        var layersJson = input.Array(input.Required(json, "layers", path), $"{path}.layers");
        var network = model.Network;
        if (layersJson.GetArrayLength() != network.Layers.Length)
        {
            throw input.Error($"{path} ('{name}') has {layersJson.GetArrayLength()} layers but the network has {network.Layers.Length}.");
        }

        var layers = new List<LayerParameters<double>>();
        foreach (var layer in layersJson.EnumerateArray())
        {
            var l = layers.Count;
            var layerPath = $"{path}.layers[{l}]";
            input.Object(layer, layerPath);
            var units = network.Layers[l].Outputs;
            var fanIn = network.Layers[l].Inputs;
            layers.Add(ModelJson.ReadLayerParameters(layer, layerPath, l, units, fanIn, $"the network's layer {l + 1} has {fanIn} inputs (optimizer array '{name}')", input));
        }

        try
        {
            return new NamedParameters(name, new Parameters<double>(layers));
        }
        catch (ArgumentException e)
        {
            throw input.Error($"{path}: {ModelJson.Message(e)}");
        }
    }
}
