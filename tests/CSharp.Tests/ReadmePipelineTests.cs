using System.Globalization;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.Models;
using Nn.Training;

namespace Nn.CSharp.Tests;

public sealed class ReadmePipelineTests
{
    private static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Nn.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("no Nn.sln above the test binaries");
        }
    }

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
    public void TheReadmeShowsExactlyTheCSharpPipelineThatIsTested()
    {
        var readme = File.ReadAllLines(Path.Combine(Root, "README.md"));
        var starts = readme.Select((line, i) => (line, i)).Where(p => p.line.Trim() == "```csharp").Select(p => p.i).ToArray();
        var block = readme.Skip(starts[1] + 1).TakeWhile(l => l.Trim() != "```").Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("using ", StringComparison.Ordinal)).ToArray();
        var tested = File.ReadAllLines(Path.Combine(Root, "tests", "CSharp.Tests", "ReadmePipelineTests.cs"))
            .SkipWhile(l => l.Trim() != "// README:begin").Skip(1).TakeWhile(l => l.Trim() != "// README:end")
            .Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        Assert.Equal(tested, block);
    }
}
