using Nn.Activations;
using Nn.Losses;
using Nn.Models;
using Nn.Serialization;
using Nn.Tests.Support;

namespace Nn.Tests.Models;

/// <summary>A model records the names of its input features, and model files keep them.</summary>
public sealed class FeatureNamesTests
{
    private static Model Named(IEnumerable<string>? names)
    {
        var model = SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, standardize: true, classNames: true);
        return new Model(model.Network, model.Loss, model.Metadata, model.Standardization, model.ClassNames, featureNames: names);
    }

    [Fact]
    public void FeatureNamesSurviveSavingAndLoadingAndANewNetwork()
    {
        var model = Named(["a", "b, c", "d \"e\""]);

        var loaded = ModelFile.FromJson(ModelFile.ToJson(model), "m.json");

        Assert.Equal(["a", "b, c", "d \"e\""], loaded.FeatureNames.ToArray());
        Assert.Equal(model.FeatureNames.ToArray(), loaded.WithNetwork(loaded.Network).FeatureNames.ToArray());
    }

    [Fact]
    public void AModelFileWithoutFeatureNamesLoadsWithNone()
    {
        var json = ModelFile.ToJson(Named(null));

        Assert.Contains("\"feature_names\": []", json, StringComparison.Ordinal);
        Assert.Empty(ModelFile.FromJson(json.Replace("\"feature_names\": [],", string.Empty, StringComparison.Ordinal), "old.json").FeatureNames);
    }

    [Fact]
    public void FeatureNamesMustBeOnePerInputAndDistinct()
    {
        Assert.StartsWith("2 feature names were given but the network has 3 inputs.", Assert.Throws<ArgumentException>(() => Named(["a", "b"])).Message, StringComparison.Ordinal);
        Assert.StartsWith("The feature name 'a' is given twice.", Assert.Throws<ArgumentException>(() => Named(["a", "b", "a"])).Message, StringComparison.Ordinal);
        Assert.StartsWith("Feature name 1 is empty.", Assert.Throws<ArgumentException>(() => Named(["a", " ", "c"])).Message, StringComparison.Ordinal);

        var json = ModelFile.ToJson(Named(["a", "b", "c"])).Replace("\"c\"", "\"a\"", StringComparison.Ordinal);
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.FromJson(json, "twice.json"));
        Assert.Equal("twice.json: The feature name 'a' is given twice.", error.Message);
    }

    [Fact]
    public void AModelFileWithAByteOrderMarkLoads()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("bom.json");
        var model = Named(["a", "b", "c"]);
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(ModelFile.ToJson(model))]);

        Assert.Equal(model.FeatureNames.ToArray(), ModelFile.Load(path).FeatureNames.ToArray());
    }
}
