using System.Text.Json.Nodes;
using Nn.Activations;
using Nn.Losses;
using Nn.Serialization;
using Nn.Tests.Support;

namespace Nn.Tests.Serialization;

public sealed class ModelFileErrorTests
{
    /// <summary>A valid 3-4-3 model file with standardisation and class names, as a JSON tree to break.</summary>
    private static JsonNode ValidFile() =>
        JsonNode.Parse(ModelFile.ToJson(SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, standardize: true, classNames: true)))!;

    private static ModelFormatException LoadFails(string text)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("broken-model.json");
        File.WriteAllText(path, text);
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Assert.StartsWith($"{path}: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    private static ModelFormatException LoadFails(Action<JsonNode> breakIt)
    {
        var file = ValidFile();
        breakIt(file);
        return LoadFails(file.ToJsonString());
    }

    [Fact]
    public void AValidFileLoadsSoEachFailureBelowComesFromItsChange() =>
        Assert.Equal(3, ModelFile.FromJson(ValidFile().ToJsonString(), "model.json").ClassNames.Length);

    [Fact]
    public void ATruncatedFileIsReportedAsCutShort()
    {
        var text = ModelFile.ToJson(SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, true, true));
        var error = LoadFails(text[..(text.Length / 2)]);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("ends before the JSON is complete", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TextThatIsNotJsonIsReportedWithItsLineAndPosition()
    {
        var error = LoadFails("{\n  \"format\": \"nn-model\",\n  oops\n}");
        Assert.Contains("not valid JSON at line 3, byte 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyFileIsReportedAsEmpty() =>
        Assert.Contains("not valid JSON at line 1, byte 1: the file is empty", LoadFails(string.Empty).Message, StringComparison.Ordinal);

    [Fact]
    public void ANewerFormatVersionIsRefusedWithBothVersionsNamed() =>
        Assert.EndsWith(
            ": written by a newer Nn: format version 2, this Nn reads up to 1.",
            LoadFails(f => f["version"] = 2).Message,
            StringComparison.Ordinal);

    [Fact]
    public void AWrongFormatTagIsRefused() =>
        Assert.Contains("not an Nn model file: format is \"onnx\" but should be \"nn-model\"", LoadFails(f => f["format"] = "onnx").Message, StringComparison.Ordinal);

    [Fact]
    public void AMissingFormatTagIsRefused() =>
        Assert.Contains("not an Nn model file: it has no \"format\" field", LoadFails(f => f.AsObject().Remove("format")).Message, StringComparison.Ordinal);

    [Fact]
    public void WeightsThatDoNotChainToThePreviousLayerAreNamedWithBothSizes()
    {
        var error = LoadFails(f => f["architecture"]!["layers"]![1]!["weights"] = new JsonArray(Enumerable.Range(0, 3).Select(_ => (JsonNode)new JsonArray(1, 2, 3, 4, 5)).ToArray()));
        Assert.Contains("layer 2 weights are 3×5 but layer 1 has 4 units", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FirstLayerWeightsThatDoNotFitTheInputsAreNamed()
    {
        var error = LoadFails(f => f["architecture"]!["inputs"] = 5);
        Assert.Contains("layer 1 weights are 4×3 but the model has 5 inputs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARaggedWeightMatrixIsRefused()
    {
        var error = LoadFails(f => f["architecture"]!["layers"]![0]!["weights"]![2] = new JsonArray(1, 2));
        Assert.Contains("architecture.layers[0].weights[2] has 2 values but architecture.layers[0].weights[0] has 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABiasOfTheWrongLengthIsRefused()
    {
        var error = LoadFails(f => f["architecture"]!["layers"]![0]!["bias"] = new JsonArray(1, 2));
        Assert.Contains("layer 1 bias has 2 values but the layer has 4 units", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void NonFiniteWeightsWrittenAsStringsAreRefused(string value)
    {
        var error = LoadFails(f => f["architecture"]!["layers"]![0]!["weights"]![1]![2] = value);
        Assert.Contains($"architecture.layers[0].weights[1][2] is the string \"{value}\": values must be finite numbers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANumberTooLargeForADoubleIsRefused()
    {
        var text = ValidFile().ToJsonString();
        var broken = text.Replace("\"bias\":[", "\"bias\":[1e400,", StringComparison.Ordinal);
        var error = LoadFails(broken);
        Assert.Contains("architecture.layers[0].bias[0] is 1e400, which is out of range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANullWeightIsRefused() =>
        Assert.Contains(
            "architecture.layers[1].weights[0][0] is null: values must be finite numbers",
            LoadFails(f => f["architecture"]!["layers"]![1]!["weights"]![0]![0] = null).Message,
            StringComparison.Ordinal);

    [Fact]
    public void AMissingBiasIsRefused() =>
        Assert.Contains(
            "architecture.layers[1] has no \"bias\" field",
            LoadFails(f => f["architecture"]!["layers"]![1]!.AsObject().Remove("bias")).Message,
            StringComparison.Ordinal);

    [Fact]
    public void AMissingLeakyReluSlopeIsRefused()
    {
        var error = LoadFails(f => f["architecture"]!["layers"]![0]!["activation"] = "leaky_relu");
        Assert.Contains("architecture.layers[0] has no \"slope\" field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownActivationIsNamed()
    {
        var error = LoadFails(f => f["architecture"]!["layers"]![0]!["activation"] = "swish");
        Assert.Contains("layer 1: Unknown activation 'swish'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownLossIsNamed() =>
        Assert.Contains("Unknown loss 'hinge'", LoadFails(f => f["loss"] = "hinge").Message, StringComparison.Ordinal);

    [Fact]
    public void ALossThatDoesNotFitTheOutputActivationIsRefused()
    {
        var error = LoadFails(f => f["loss"] = "bce");
        Assert.EndsWith(": Binary cross-entropy needs a sigmoid output layer, but the output activation is softmax.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassNamesThatDoNotMatchTheOutputsAreRefused() =>
        Assert.Contains(
            "2 class names were given but the output layer is 3 softmax unit(s)",
            LoadFails(f => f["class_names"] = new JsonArray("a", "b")).Message,
            StringComparison.Ordinal);

    [Fact]
    public void AStandardisationWithAZeroScaleIsRefused() =>
        Assert.Contains(
            "standardization: scales[1] is 0: scales must be finite and positive",
            LoadFails(f => f["standardization"]!["scales"]![1] = 0).Message,
            StringComparison.Ordinal);

    [Fact]
    public void ACreationTimeThatIsNotUtcIsRefused() =>
        Assert.Contains(
            "metadata.created_utc is \"2025-03-14T15:09:26+01:00\" but should be an ISO 8601 UTC time",
            LoadFails(f => f["metadata"]!["created_utc"] = "2025-03-14T15:09:26+01:00").Message,
            StringComparison.Ordinal);
}
