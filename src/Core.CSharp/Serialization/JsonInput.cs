using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nn.Serialization;

/// <summary>
/// Reads the fields of a parsed model or checkpoint file, turning every problem into a
/// <see cref="ModelFormatException"/> whose one-line message starts with the file name and gives the JSON path of
/// the offending value (0-based indices, e.g. <c>architecture.layers[1].weights[2][0]</c>).
/// </summary>
internal sealed partial class JsonInput(string source)
{
    public string Source { get; } = source;

    /// <summary>Activations of a user's own that layers may name, besides the built-in ones.</summary>
    public IReadOnlyList<Activations.Activation> CustomActivations { get; init; } = [];

    /// <summary>Losses of a user's own that the file may name, besides the built-in ones.</summary>
    public IReadOnlyList<Losses.Loss> CustomLosses { get; init; } = [];

    /// <summary>
    /// Parses UTF-8 JSON strictly (no comments, no trailing commas), naming the file in any error. A UTF-8
    /// byte-order mark, which some editors add, is skipped (RFC 8259 §8.1 lets a parser ignore it).
    /// </summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, string source)
    {
        if (utf8.Span.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        try
        {
            return JsonDocument.Parse(utf8, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : string.Empty;
            var reason = utf8.Span.Trim(" \t\r\n"u8).IsEmpty ? "the file is empty"
                : IsTruncated(utf8.Span) ? "the file ends before the JSON is complete (cut short?)"
                : JsonLocation().Replace(e.Message, string.Empty).Trim();
            throw new ModelFormatException($"{source}: not valid JSON{where}: {OneLine(reason)}", e);
        }
    }

    public ModelFormatException Error(string message) => new($"{Source}: {OneLine(message)}");

    public JsonElement Required(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            throw Error($"{Describe(path)} has no \"{name}\" field.");
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            throw Error($"{Join(path, name)} is null: a value is required.");
        }

        return value;
    }

    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public JsonElement Object(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Object ? e : throw Error($"{path} is {Kind(e)} but should be an object.");

    public JsonElement Array(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Array ? e : throw Error($"{path} is {Kind(e)} but should be an array.");

    public string Text(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Error($"{path} is {Kind(e)} but should be a string.");

    public double Number(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number)
        {
            throw Error($"{path} is {Kind(e)}: values must be finite numbers.");
        }

        if (!e.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw Error($"{path} is {e.GetRawText()}, which is out of range: values must be finite numbers.");
        }

        return value;
    }

    public long Integer(JsonElement e, string path, long minimum)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var value))
        {
            throw Error($"{path} is {Kind(e)} but should be an integer.");
        }

        return value >= minimum ? value : throw Error($"{path} is {value} but should be at least {minimum}.");
    }

    public int Int32(JsonElement e, string path, int minimum)
    {
        var value = Integer(e, path, minimum);
        return value <= int.MaxValue ? (int)value : throw Error($"{path} is {value}, which is too large.");
    }

    public double[] Numbers(JsonElement e, string path)
    {
        Array(e, path);
        var result = new double[e.GetArrayLength()];
        var i = 0;
        foreach (var item in e.EnumerateArray())
        {
            result[i] = Number(item, $"{path}[{i}]");
            i++;
        }

        return result;
    }

    /// <summary>A matrix stored as a list of rows; returns its shape and its values in column-major order.</summary>
    public (int Rows, int Columns, double[] ColumnMajor) Rows(JsonElement e, string path)
    {
        Array(e, path);
        var rows = e.GetArrayLength();
        if (rows == 0)
        {
            throw Error($"{path} has no rows.");
        }

        var columns = -1;
        double[] data = [];
        var i = 0;
        foreach (var row in e.EnumerateArray())
        {
            var values = Numbers(row, $"{path}[{i}]");
            if (columns < 0)
            {
                columns = values.Length;
                if (columns == 0)
                {
                    throw Error($"{path}[0] is empty: a matrix needs at least one column.");
                }

                data = new double[rows * columns];
            }
            else if (values.Length != columns)
            {
                throw Error($"{path}[{i}] has {values.Length} values but {path}[0] has {columns}: every row needs the same length.");
            }

            for (var j = 0; j < columns; j++)
            {
                data[i + (j * rows)] = values[j];
            }

            i++;
        }

        return (rows, columns, data);
    }

    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Describe(string path) => path.Length == 0 ? "the file" : path;

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{e.GetString()}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {e.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => e.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture),
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>True when the bytes are a valid JSON prefix that stops before the document is complete.</summary>
    private static bool IsTruncated(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, isFinalBlock: false, default);
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$")]
    private static partial Regex JsonLocation();
}
