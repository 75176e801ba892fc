using System.Globalization;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.Models;
using Nn.TestSupport;
using Nn.Training;

namespace Nn.CSharp.Tests;

public sealed class ReadmePipelineTests
{
    [Fact]
    public void TheReadmeCSharpPipelineTrainsDigitsToTheAccuracyItPromises()
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            // README:begin
            var (train, test) = Datasets.Digits().Split(0.25, seed: 0);
            var scaling = Standardization.Fit(train.Features);
            var network = Network.Create<double>([64, 32, 10], Activation.Relu, Activation.Softmax, Initializer.He, seed: 0);
            var optimizer = GradientTransformations.Chain(GradientTransformations.ClipByGlobalNorm(5.0), GradientTransformations.Adam(1e-3));
            var run = Trainer.Fit(network, train.Standardize(scaling), new TrainingOptions { Epochs = 30, BatchSize = 32, Optimizer = optimizer });
            var accuracy = Trainer.Accuracy(run.Network, test.Standardize(scaling));
            Console.WriteLine($"loss {run.Epochs[0].TrainLoss:F3} -> {run.Epochs[^1].TrainLoss:F3}, test accuracy {accuracy:F4}");
            // README:end
            Assert.True(accuracy >= 0.96, output.ToString());
        }
        finally
        {
            Console.SetOut(console);
        }
    }

    [Fact]
    public void TheReadmeShowsExactlyTheCSharpPipelineThatIsTested() =>
        Assert.Equal(Repository.MarkedLines(Path.Combine("tests", "CSharp.Tests", "ReadmePipelineTests.cs")), Repository.ReadmeCode("csharp", 1));
}
