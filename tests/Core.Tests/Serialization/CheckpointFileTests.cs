using System.Text.Json.Nodes;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.Losses;
using Nn.Models;
using Nn.Reporting;
using Nn.Serialization;
using Nn.Tests.Support;

namespace Nn.Tests.Serialization;

public sealed class CheckpointFileTests
{
    private static Checkpoint Sample()
    {
        var model = SampleModels.Build(Activation.LeakyRelu(0.2), Loss.SoftmaxCrossEntropy, standardize: true, classNames: true);
        var parameters = model.Network.Parameters;
        var rng = Rng.FromSeed(99);
        var m = parameters.Map((x, r) =>
        {
            for (var i = 0; i < r.Length; i++)
            {
                (r[i], rng) = rng.NextNormal();
            }
        });
        var v = m.Map((x, r) =>
        {
            for (var i = 0; i < r.Length; i++)
            {
                r[i] = x[i] * x[i] * 1e-7;
            }
        });
        var (_, after) = rng.NextUInt64();
        var state = new TrainingState(
            epoch: 12,
            step: 480,
            rng: after,
            optimizer: "adam",
            optimizerArrays: [new NamedParameters("m", m), new NamedParameters("v", v)],
            optimizerScalars: [new("t", 480), new("beta1_power", Math.Pow(0.9, 480))],
            history: [new NamedSeries("training loss", [1.1, 0.7, 1.0 / 3]), new NamedSeries("validation loss", [1.2, 0.8, 0.5000000000000001])]);
        return new Checkpoint(model, state);
    }

    [Fact]
    public void ASavedCheckpointLoadsBackBitIdentically()
    {
        var checkpoint = Sample();
        using var directory = new TemporaryDirectory();
        var path = directory.File("checkpoint.json");

        CheckpointFile.Save(checkpoint, path);
        var loaded = CheckpointFile.Load(path);

        Assert.Equal(SampleModels.Bits(checkpoint.Model.Network.Parameters), SampleModels.Bits(loaded.Model.Network.Parameters));
        Assert.Equal(checkpoint.State.Epoch, loaded.State.Epoch);
        Assert.Equal(checkpoint.State.Step, loaded.State.Step);
        Assert.Equal(checkpoint.State.Rng, loaded.State.Rng);
        Assert.Equal(checkpoint.State.Optimizer, loaded.State.Optimizer);
        Assert.Equal(checkpoint.State.OptimizerArrays.Select(a => a.Name), loaded.State.OptimizerArrays.Select(a => a.Name));
        foreach (var (saved, read) in checkpoint.State.OptimizerArrays.Zip(loaded.State.OptimizerArrays))
        {
            Assert.Equal(SampleModels.Bits(saved.Value), SampleModels.Bits(read.Value));
        }

        Assert.Equal(checkpoint.State.OptimizerScalars, loaded.State.OptimizerScalars);
        Assert.Equal(checkpoint.State.History.ToArray(), loaded.State.History.ToArray());
        Assert.Equal(CheckpointFile.ToJson(checkpoint), CheckpointFile.ToJson(loaded));
    }

    [Fact]
    public void TheRestoredGeneratorContinuesTheSameStream()
    {
        var checkpoint = Sample();

        var loaded = CheckpointFile.FromJson(CheckpointFile.ToJson(checkpoint), "checkpoint.json");

        Assert.Equal(checkpoint.State.Rng.NextUInt64().Value, loaded.State.Rng.NextUInt64().Value);
    }

    [Fact]
    public void ACheckpointAlsoLoadsAsAModel()
    {
        var checkpoint = Sample();

        var model = ModelFile.FromJson(CheckpointFile.ToJson(checkpoint), "checkpoint.json");

        Assert.Equal(SampleModels.Bits(checkpoint.Model.Network.Parameters), SampleModels.Bits(model.Network.Parameters));
    }

    [Fact]
    public void AModelFileIsNotACheckpoint()
    {
        var json = ModelFile.ToJson(Sample().Model);

        var error = Assert.Throws<ModelFormatException>(() => CheckpointFile.FromJson(json, "model.json"));

        Assert.Equal("model.json: has no \"training_state\": it is a model file, not a checkpoint.", error.Message);
    }

    [Fact]
    public void AnOptimizerArrayOfTheWrongShapeIsRefused()
    {
        var file = JsonNode.Parse(CheckpointFile.ToJson(Sample()))!;
        file["training_state"]!["optimizer"]!["arrays"]![1]!["layers"]![0]!["weights"]![0]!.AsArray().Add(0.5);

        var error = Assert.Throws<ModelFormatException>(() => CheckpointFile.FromJson(file.ToJsonString(), "checkpoint.json"));

        Assert.StartsWith("checkpoint.json: training_state.optimizer.arrays[1].layers[0].weights[1] has 3 values but training_state.optimizer.arrays[1].layers[0].weights[0] has 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGeneratorStateWordThatIsNotADecimalStringIsRefused()
    {
        var file = JsonNode.Parse(CheckpointFile.ToJson(Sample()))!;
        file["training_state"]!["rng"]![2] = "-5";

        var error = Assert.Throws<ModelFormatException>(() => CheckpointFile.FromJson(file.ToJsonString(), "checkpoint.json"));

        Assert.Equal("checkpoint.json: training_state.rng[2] is \"-5\" but should be an unsigned 64-bit integer in decimal.", error.Message);
    }

    [Fact]
    public void OptimizerArraysMustHaveTheNetworkShape()
    {
        var model = SampleModels.Build(Activation.Tanh, Loss.SquaredError, false, false);
        var other = SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, false, false).Network.Parameters;
        var state = new TrainingState(0, 0, Rng.FromSeed(1), "momentum", [new NamedParameters("velocity", other)]);

        var error = Assert.Throws<ArgumentException>(() => new Checkpoint(model, state));

        Assert.StartsWith("The optimizer array 'velocity' does not have the network's parameter shape", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANonFiniteHistoryValueIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrainingState(1, 1, Rng.FromSeed(1), "sgd", history: [new NamedSeries("loss", [1.0, double.NaN])]));

        Assert.StartsWith("The history series 'loss' holds NaN at index 1: values must be finite.", error.Message, StringComparison.Ordinal);
    }
}
