using System.Globalization;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.Models;
using Nn.Pipeline;
using Nn.Pipeline.Interop;
using Nn.TestSupport;

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
            var (train, test) = Batching.trainTest(0.25, true, Rng.FromSeed(0), Nn.Pipeline.Data.digits());
            var scaling = Standardization.Fit(train.Features);
            var network = Network.Create<double>([64, 32, 10], Activation.Relu, Activation.Softmax, Initializer.He, seed: 0);
            var optimizer = GradientTransformations.Chain(GradientTransformations.ClipByGlobalNorm(5.0), GradientTransformations.Adam(1e-3));
            var run = Trainer.Fit(network, scaling.Apply(train.Features), Trainer.Labels(train), optimizer, epochs: 30, batchSize: 32);
            var accuracy = Trainer.Accuracy(run.Network, scaling.Apply(test.Features), Trainer.Labels(test));
            Console.WriteLine($"loss {run.EpochLosses[0]:F3} -> {run.EpochLosses[^1]:F3}, test accuracy {accuracy:F4}");
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
        var readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        var starts = readme.Select((line, i) => (line, i)).Where(p => p.line.Trim() == "```csharp").Select(p => p.i).ToArray();
        var block = readme.Skip(starts[1] + 1).TakeWhile(l => l.Trim() != "```").Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("using ", StringComparison.Ordinal)).ToArray();
        var tested = File.ReadAllLines(Path.Combine(Repository.Root, "tests", "CSharp.Tests", "ReadmePipelineTests.cs"))
            .SkipWhile(l => l.Trim() != "// README:begin").Skip(1).TakeWhile(l => l.Trim() != "// README:end")
            .Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        Assert.Equal(tested, block);
    }
}
