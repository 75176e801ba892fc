using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML.OnnxRuntime;
using Nn.Activations;
using Nn.Initialization;
using Nn.Interop;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.TestSupport;
using Nn.Tests.Support;

namespace Nn.Tests.Interop;

/// <summary>The C# consumer in docs/onnx.md runs on an exported iris model and reads back what the model predicts.</summary>
public sealed class OnnxConsumerExampleTests
{
    private const string ThisFile = "tests/Core.Tests/Interop/OnnxConsumerExampleTests.cs";

    [Fact]
    public void TheDocumentedConsumerRunsTheExportedIrisModelAndGetsTheModelsProbabilities()
    {
        var model = IrisModel();
        using var directory = new TemporaryDirectory();
        var modelPath = Path.Combine(directory.Path, "iris.onnx");
        OnnxExport.Write(model, modelPath);
        using var printed = new StringWriter(CultureInfo.InvariantCulture);
        var console = Console.Out;
        Console.SetOut(printed);
        try
        {
            // README:begin
            // Two flowers, one per row: sepal length, sepal width, petal length, petal width (cm), as in data/iris.csv.
            double[] flowers = [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5];
            using var session = new InferenceSession(modelPath);
            using var input = OrtValue.CreateTensorValueFromMemory(flowers, [2, 4]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, ["input"], [input], ["probabilities"]);
            var probabilities = outputs[0].GetTensorDataAsSpan<double>(); // [2, 3]: one row of class probabilities per flower
            for (var flower = 0; flower < 2; flower++)
            {
                var row = probabilities.Slice(3 * flower, 3);
                Console.WriteLine($"flower {flower}: setosa {row[0]:F3}, versicolor {row[1]:F3}, virginica {row[2]:F3}");
            }

            // README:end
            var expected = Dense.Data(model.Predict(Dense.Matrix(4, 2, flowers)));
            Assert.Equal(expected.Length, probabilities.Length);
            for (var k = 0; k < expected.Length; k++)
            {
                Assert.True(Math.Abs(expected[k] - probabilities[k]) <= 1e-9, $"probability {k}: onnx runtime {probabilities[k]}, Model.Predict {expected[k]}");
            }

            Assert.Equal([0, 2], [expected.AsSpan(0, 3).IndexOf(expected[..3].Max()), expected.AsSpan(3, 3).IndexOf(expected[3..].Max())]);
        }
        finally
        {
            Console.SetOut(console);
        }

        Assert.StartsWith("flower 0: setosa 0.9", printed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DocsOnnxShowsExactlyTheConsumerThatIsTested()
    {
        var shown = Repository.DocumentBlock("docs/onnx.md", "csharp", containing: "InferenceSession");
        var imports = shown.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^using [\w.]+;$")).ToArray();
        Assert.Equal(Repository.MarkedLines(ThisFile), shown.Except(imports));
        var source = File.ReadAllLines(Path.Combine(Repository.Root, ThisFile)).Select(l => l.Trim()).ToHashSet();
        Assert.All(imports, i => Assert.Contains(i, source));
    }

    /// <summary>A 4-8-3 tanh/softmax classifier trained on data/iris.csv with standardised inputs (300 steps of gradient descent, rate 0.5).</summary>
    private static Model IrisModel()
    {
        var rows = File.ReadAllLines(Path.Combine(Repository.Root, "data", "iris.csv")).Skip(1)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var x = Matrix<double>.Build.Dense(4, rows.Length, (i, j) => rows[j][i]);
        var labels = rows.Select(r => (int)r[4]).ToArray();
        var standardization = Standardization.Fit(x);
        var network = Network.Create<double>([4, 8, 3], Activation.Tanh, Activation.Softmax, Initializer.XavierNormal, seed: 1);
        var (inputs, targets) = (standardization.Apply(x), Targets.OneHot<double>(labels, 3));
        for (var step = 0; step < 300; step++)
        {
            var (_, gradients) = Propagation.CostAndGradients(network, inputs, targets, Loss.SoftmaxCrossEntropy);
            network = network.WithParameters(network.Parameters.AddScaled(-0.5, gradients));
        }

        return new Model(network, Loss.SoftmaxCrossEntropy, SampleModels.Metadata(), standardization, ["setosa", "versicolor", "virginica"]);
    }
}
