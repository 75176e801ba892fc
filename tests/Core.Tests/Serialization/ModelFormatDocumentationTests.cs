using Nn.Activations;
using Nn.LinearAlgebra;
using Nn.Serialization;
using Nn.TestSupport;
using Nn.Tests.Support;

namespace Nn.Tests.Serialization;

public sealed class ModelFormatDocumentationTests
{
    [Fact]
    public void TheExampleInTheFormatDocumentLoadsAsDescribed()
    {
        var path = Path.Combine(Repository.Root, "docs", "model-format.md");
        var lines = File.ReadAllLines(path);
        var start = Array.IndexOf(lines, "```json");
        var json = string.Join('\n', lines.Skip(start + 1).TakeWhile(l => l != "```"));

        var model = ModelFile.FromJson(json, path);

        Assert.Equal(2, model.Inputs);
        Assert.Equal([3, 2], model.Network.Layers.Select(l => l.Outputs));
        Assert.Equal(0.01, Assert.IsType<LeakyReluActivation>(model.Network.Layers[0].Activation).Slope);
        Assert.Equal(-1.2042804827733227, model.Network.Layers[0].Weights[1, 1]);
        Assert.Equal(0.6060803313803316, Dense.Data(model.Network.Layers[0].Weights)[2]);
        Assert.Equal(["small", "large"], model.ClassNames.ToArray());
        Assert.Equal(["sepal_length", "sepal_width"], model.FeatureNames.ToArray());
        Assert.Equal(0.434, model.Standardization!.Scales[1]);
        Assert.Equal("gradient descent", model.Metadata.Notes["optimizer"]);
    }
}
