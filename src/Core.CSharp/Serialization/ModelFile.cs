using System.Buffers;
using System.Text;
using System.Text.Json;
using Nn.Activations;
using Nn.IO;
using Nn.Losses;
using Nn.Models;

namespace Nn.Serialization;

/// <summary>
/// Saves and loads <see cref="Model"/>s as versioned JSON model files (format <c>nn-model</c>, version 1, described
/// field by field in docs/model-format.md).
/// </summary>
/// <remarks>
/// <para>Doubles are written in their shortest round-trippable form and read back exactly, so a loaded model predicts
/// bit-identically to the saved one. Weights are stored as a list of rows (units × inputs), one row per line.</para>
/// <para>Loading validates everything before building the model; every problem is a <see cref="ModelFormatException"/>
/// with a one-line message that starts with the file name. Fields a version-1 reader does not know are ignored, so
/// a checkpoint (a model file with a <c>training_state</c>) also loads as a model.</para>
/// <para>Saving is atomic (<see cref="AtomicFile"/>): a failed save leaves any existing file untouched.</para>
/// </remarks>
public static class ModelFile
{
    /// <summary>The value of the <c>format</c> field: <c>nn-model</c>.</summary>
    public const string FormatName = "nn-model";

    /// <summary>The newest format version this Nn writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The model as the text of a model file (UTF-8 JSON, indented, one weight row per line).</summary>
    /// <param name="model">The model.</param>
    public static string ToJson(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, ModelJson.WriterOptions))
        {
            w.WriteStartObject();
            ModelJson.WriteFields(w, model);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    /// <summary>Reads a model from the text of a model file.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The name to put at the start of error messages, usually the file path.</param>
    /// <exception cref="ModelFormatException">The text is not valid JSON, not an Nn model file, from a newer format version, or inconsistent; the message names <paramref name="source"/>.</exception>
    public static Model FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        return Read(Encoding.UTF8.GetBytes(json), source);
    }

    /// <summary>Atomically writes the model to <paramref name="path"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The file to write; its directory must exist.</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or writing fails (any existing file is left as it was).</exception>
    public static void Save(Model model, string path, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, stream => Write(model, stream), overwrite);
    }

    /// <summary>Writes the model file's text (as <see cref="ToJson"/>, UTF-8) to <paramref name="stream"/>, which stays open.</summary>
    /// <param name="model">The model.</param>
    /// <param name="stream">Where to write, for example a file being written atomically or standard output.</param>
    public static void Write(Model model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        using (var w = new Utf8JsonWriter(stream, ModelJson.WriterOptions))
        {
            w.WriteStartObject();
            ModelJson.WriteFields(w, model);
            w.WriteEndObject();
        }

        stream.Write("\n"u8);
    }

    /// <summary>Reads the model file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="customActivations">Activations of your own (<see cref="Activation.Custom"/>) that the file may name.</param>
    /// <param name="customLosses">Losses of your own (<see cref="Loss.Custom"/>) that the file may name.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFormatException">The file is not valid JSON (the message gives the line and byte), is cut short, is not an Nn model file, is from a newer format version, or is inconsistent (an activation or loss it names is not built in and not given); the message starts with <paramref name="path"/>.</exception>
    public static Model Load(string path, IEnumerable<Activation>? customActivations = null, IEnumerable<Loss>? customLosses = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Read(File.ReadAllBytes(path), path, [.. customActivations ?? []], [.. customLosses ?? []]);
    }

    private static Model Read(byte[] utf8, string source, IReadOnlyList<Activation>? customActivations = null, IReadOnlyList<Loss>? customLosses = null)
    {
        var input = new JsonInput(source) { CustomActivations = customActivations ?? [], CustomLosses = customLosses ?? [] };
        using var document = JsonInput.Parse(utf8, source);
        ModelJson.CheckHeader(document.RootElement, input);
        return ModelJson.ReadModel(document.RootElement, input);
    }
}
