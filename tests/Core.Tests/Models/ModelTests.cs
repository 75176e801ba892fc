using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Tests.Support;

namespace Nn.Tests.Models;

public sealed class ModelTests
{
    [Fact]
    public void PredictStandardisesTheInputsAndThenRunsTheNetwork()
    {
        var model = SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, standardize: true, classNames: true);
        var (x, _) = RandomNetworks.Uniform(3, 6, -10, 10, Rng.FromSeed(9));

        var expected = Propagation.Predict(model.Network, model.Standardization!.Apply(x));

        Assert.Equal(SampleModels.Bits(expected), SampleModels.Bits(model.Predict(x)));
    }

    [Fact]
    public void SoftmaxClassesAreTheArgmaxOfEachColumn()
    {
        var model = SampleModels.Build(Activation.Relu, Loss.SoftmaxCrossEntropy, standardize: true, classNames: true);
        var (x, _) = RandomNetworks.Uniform(3, 20, -10, 10, Rng.FromSeed(10));

        var classes = model.PredictClasses(x);

        var output = model.Predict(x);
        for (var j = 0; j < classes.Length; j++)
        {
            Assert.Equal(output.Column(j).MaximumIndex(), classes[j]);
        }
    }

    [Fact]
    public void ASingleSigmoidOutputIsClassOneFromProbabilityOneHalf()
    {
        // ŷ = σ(x): σ(−1) < 0.5, σ(0) = 0.5, σ(2) > 0.5.
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(1, 1, [1.0]), Dense.Vector([0.0]), Activation.Sigmoid)]);
        var model = new Model(network, Loss.BinaryCrossEntropy, SampleModels.Metadata(), classNames: ["sad", "happy"]);

        Assert.Equal([0, 1, 1], model.PredictClasses(Dense.Matrix(1, 3, [-1.0, 0, 2])));
    }

    [Fact]
    public void ARegressionModelHasNoClasses()
    {
        var model = SampleModels.Build(Activation.Tanh, Loss.SquaredError, standardize: false, classNames: false);

        Assert.False(model.IsClassifier);
        Assert.Throws<InvalidOperationException>(() => model.PredictClasses(Dense.Matrix(3, 1, [1.0, 2, 3])));
    }

    [Fact]
    public void ClassNamesMustMatchTheOutputUnits()
    {
        var network = SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, false, false).Network;

        var error = Assert.Throws<ArgumentException>(() => new Model(network, Loss.SoftmaxCrossEntropy, SampleModels.Metadata(), classNames: ["a", "b"]));

        Assert.StartsWith("2 class names were given but the output layer is 3 softmax unit(s), which predicts 3 classes.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedClassNamesAreRefused()
    {
        var network = SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, false, false).Network;

        var error = Assert.Throws<ArgumentException>(() => new Model(network, Loss.SoftmaxCrossEntropy, SampleModels.Metadata(), classNames: ["a", "b", "a"]));

        Assert.StartsWith("The class name 'a' is given twice.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheStandardisationMustHaveOneEntryPerInput()
    {
        var network = SampleModels.Build(Activation.Tanh, Loss.SquaredError, false, false).Network;

        var error = Assert.Throws<ArgumentException>(() => new Model(network, Loss.SquaredError, SampleModels.Metadata(), new Standardization([0.0, 0.0], [1.0, 1.0])));

        Assert.StartsWith("The standardisation has 2 features but the network has 3 inputs.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLossMustFitTheOutputActivation()
    {
        var network = SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, false, false).Network;

        Assert.Throws<ArgumentException>(() => new Model(network, Loss.BinaryCrossEntropy, SampleModels.Metadata()));
    }

    [Fact]
    public void MetadataRefusesALocalCreationTime()
    {
        var local = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Local);

        Assert.Throws<ArgumentException>(() => new ModelMetadata(1, local, "0.1.0"));
    }

    [Fact]
    public void CreatedMetadataCarriesThisAssemblyVersionAndAUtcTime()
    {
        var metadata = ModelMetadata.Create(5, [new("epochs", "3")]);

        Assert.Equal(DateTimeKind.Utc, metadata.CreatedUtc.Kind);
        Assert.StartsWith("0.1.0", metadata.NnVersion, StringComparison.Ordinal);
        Assert.Equal("3", metadata.Notes["epochs"]);
    }
}
