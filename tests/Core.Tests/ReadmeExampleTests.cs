using System.Globalization;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Tests.Support;
using Nn.Training;

namespace Nn.Tests;

public sealed class ReadmeExampleTests
{
    [Fact]
    public void TheReadmeCSharpExampleChecksTheGradientsAndTakesADescentStep()
    {
        using var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            // README:begin
            // XOR: one observation per column (2 inputs × 4 samples), column-major.
            var x = Dense.Matrix(2, 4, [0.0, 0, 0, 1, 1, 0, 1, 1]);
            var y = Dense.Matrix(1, 4, [0.0, 1, 1, 0]);
            var network = Network.Create<double>([2, 2, 1], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, seed: 5);

            // Backpropagation, verified against finite differences.
            var check = GradientCheck.Run(network, x, y, Loss.BinaryCrossEntropy);
            Console.WriteLine($"worst relative error {check.WorstRelativeError:E1}");

            // One step of gradient descent, θ ← θ − α∇J (lecture 001); Nn.Pipeline's Trainer takes many (below).
            var (cost, gradients) = Propagation.CostAndGradients(network, x, y, Loss.BinaryCrossEntropy);
            var stepped = network.WithParameters(network.Parameters.AddScaled(-0.5, gradients));
            var after = Propagation.Cost(stepped, Propagation.Forward(stepped, x), y, Loss.BinaryCrossEntropy);
            Console.WriteLine($"loss {cost:F4} -> {after:F4}");
            Console.WriteLine(Propagation.Predict(stepped, x).ToString("F3", CultureInfo.InvariantCulture));
            // README:end
            Assert.True(check.WorstRelativeError < 1e-6);
            Assert.True(after < cost);
        }
        finally
        {
            Console.SetOut(console);
        }

        Assert.Contains("loss ", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheReadmeShowsExactlyTheCSharpExampleThatIsTested()
    {
        var file = Path.Combine("tests", "Core.Tests", "ReadmeExampleTests.cs");
        var readme = Repository.ReadmeBlock("csharp");
        var imports = readme.Where(l => l.StartsWith("using ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Repository.MarkedLines(file), readme.Except(imports));
        var source = File.ReadAllLines(Path.Combine(Repository.Root, file)).Select(l => l.Trim()).ToHashSet();
        Assert.All(imports, i => Assert.Contains(i, source));
    }
}
