using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Serialization;
using Nn.Tests.Support;

namespace Nn.Tests.Serialization;

public sealed class ModelFileRoundTripTests
{
    public static TheoryData<string, string, bool, bool> Cases()
    {
        var data = new TheoryData<string, string, bool, bool>();
        string[] activations = ["identity", "sigmoid", "tanh", "relu", "leaky_relu:0.1", "leaky_relu:0.37", "softmax"];
        foreach (var activation in activations)
        {
            foreach (var loss in RandomNetworks.AllLosses)
            {
                foreach (var standardize in new[] { false, true })
                {
                    data.Add(activation, loss.Name, standardize, false);
                    if (loss != Loss.SquaredError)
                    {
                        data.Add(activation, loss.Name, standardize, true);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ASavedModelLoadsBackAndPredictsBitIdentically(string activation, string loss, bool standardize, bool classNames)
    {
        var model = SampleModels.Build(ParseActivation(activation), Loss.FromName(loss), standardize, classNames);
        var (x, _) = RandomNetworks.Uniform(3, 9, -20, 20, Rng.FromSeed(3));
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.json");

        ModelFile.Save(model, path);
        var loaded = ModelFile.Load(path);

        Assert.Equal(SampleModels.Bits(model.Predict(x)), SampleModels.Bits(loaded.Predict(x)));
        Assert.Equal(SampleModels.Bits(model.Network.Parameters), SampleModels.Bits(loaded.Network.Parameters));
        Assert.Equal(model.Network.Layers.Select(l => l.Activation), loaded.Network.Layers.Select(l => l.Activation));
        Assert.Equal(model.Loss, loaded.Loss);
        Assert.Equal(model.Standardization, loaded.Standardization);
        Assert.Equal(model.ClassNames.ToArray(), loaded.ClassNames.ToArray());
        Assert.Equal(model.Metadata, loaded.Metadata);
    }

    [Fact]
    public void TheLeakyReluSlopeSurvivesTheRoundTrip()
    {
        var model = SampleModels.Build(Activation.LeakyRelu(0.123456789012345), Loss.SquaredError, standardize: false, classNames: false);

        var loaded = ModelFile.FromJson(ModelFile.ToJson(model), "model.json");

        Assert.Equal(0.123456789012345, Assert.IsType<LeakyReluActivation>(loaded.Network.Layers[0].Activation).Slope);
    }

    [Fact]
    public void ExtremeDoublesRoundTripExactly()
    {
        double[] values = [double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, -0.0, 0.1, 1.0 / 3, 2.2250738585072014E-308, Math.BitIncrement(1.0), -123456789.98765432];
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(2, 5, (double[])values.Clone()), Dense.Vector(new[] { Math.PI, -Math.E }), Activation.Identity)]);
        var model = new Model(network, Loss.SquaredError, SampleModels.Metadata());

        var loaded = ModelFile.FromJson(ModelFile.ToJson(model), "model.json");

        Assert.Equal(SampleModels.Bits(model.Network.Parameters), SampleModels.Bits(loaded.Network.Parameters));
    }

    [Fact]
    public void AModelWithoutSeedOrNotesRoundTrips()
    {
        var model = new Model(SampleModels.Build(Activation.Tanh, Loss.BinaryCrossEntropy, false, false).Network, Loss.BinaryCrossEntropy, new ModelMetadata(null, SampleModels.Created, "0.1.0"));

        var loaded = ModelFile.FromJson(ModelFile.ToJson(model), "model.json");

        Assert.Null(loaded.Metadata.Seed);
        Assert.Empty(loaded.Metadata.Notes);
        Assert.Equal(SampleModels.Created, loaded.Metadata.CreatedUtc);
        Assert.Equal(DateTimeKind.Utc, loaded.Metadata.CreatedUtc.Kind);
    }

    [Fact]
    public void WeightsAreWrittenAsRowsOfUnitsByInputs()
    {
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(2, 3, [1.0, 4, 2, 5, 3, 6]), Dense.Vector(new[] { 0.5, -0.5 }), Activation.Identity)]);
        var json = ModelFile.ToJson(new Model(network, Loss.SquaredError, SampleModels.Metadata()));

        var layer = System.Text.Json.Nodes.JsonNode.Parse(json)!["architecture"]!["layers"]![0]!;

        Assert.Equal("[[1,2,3],[4,5,6]]", layer["weights"]!.ToJsonString());
        Assert.Equal("[0.5,-0.5]", layer["bias"]!.ToJsonString());
    }

    [Property(Replay = Seeds.Replay)]
    public Property RandomNetworksRoundTripExactly()
    {
        return Prop.ForAll(RandomNetworks.Problems(), problem =>
        {
            var model = new Model(problem.Network, problem.Loss, SampleModels.Metadata());
            var loaded = ModelFile.FromJson(ModelFile.ToJson(model), "model.json");
            return SampleModels.Bits(model.Predict(problem.X)).SequenceEqual(SampleModels.Bits(loaded.Predict(problem.X)))
                && SampleModels.Bits(model.Network.Parameters).SequenceEqual(SampleModels.Bits(loaded.Network.Parameters))
                && model.Network.Layers.Select(l => l.Activation).SequenceEqual(loaded.Network.Layers.Select(l => l.Activation));
        });
    }

    private static Activation ParseActivation(string text) =>
        text.StartsWith("leaky_relu:", StringComparison.Ordinal)
            ? Activation.LeakyRelu(double.Parse(text["leaky_relu:".Length..], System.Globalization.CultureInfo.InvariantCulture))
            : Activation.FromName(text);
}
