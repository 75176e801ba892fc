using System.Globalization;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.Models;
using Nn.Serialization;
using Nn.Training;

namespace Nn.CSharp.Tests;

public sealed class ReadmeRecipeTests
{
    [Fact]
    public void TheReadmeOwnDataRecipeRunsFromCsvToProbabilitiesOfNewRows()
    {
        var path = Repository.File("data", "iris.csv");
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            // RECIPE:begin
            var data = Datasets.ReadCsv(path, labelColumn: "label");
            var (train, test) = data.Split(0.2, seed: 1);
            var (fit, validation) = train.Split(0.2, seed: 2);
            var scaling = Standardization.Fit(fit.Features);
            var network = Network.Create<double>([4, 16, 3], Activation.Relu, Activation.Softmax, Initializer.He, seed: 0);
            var options = new TrainingOptions
            {
                Epochs = 300,
                Optimizer = GradientTransformations.Adam(LearningRates.Warmup(20, LearningRates.Cosine(0.02, 2000))),
                EarlyStopping = new EarlyStoppingOptions(patience: 30),
            };
            var run = Trainer.Fit(network, fit.Standardize(scaling), validation.Standardize(scaling), options);
            Console.WriteLine($"epochs {run.Epochs.Count}, best {run.BestEpoch}, test accuracy {Trainer.Accuracy(run.Network, test.Standardize(scaling)):F3}");
            ModelFile.Save(run.ToModel(scaling, ["setosa", "versicolor", "virginica"]), "iris-model.json", overwrite: true);
            var model = ModelFile.Load("iris-model.json");
            double[][] flowers = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]];
            foreach (var p in model.PredictRows(flowers))
            {
                Console.WriteLine(string.Join(", ", p.Select(v => v.ToString("F3", CultureInfo.InvariantCulture))));
            }
            // RECIPE:end
            var accuracy = Trainer.Accuracy(run.Network, test.Standardize(scaling));
            Assert.True(accuracy >= 0.9, output.ToString());
            Assert.Equal([0, 2], model.PredictClasses(flowers));
            Assert.All(model.PredictRows(flowers), p => Assert.Equal(1.0, p.Sum(), 12));
        }
        finally
        {
            Console.SetOut(console);
        }
    }

    [Fact]
    public void TheReadmeShowsExactlyTheRecipeThatIsTested() =>
        Assert.Equal(
            Repository.Marked(Path.Combine("tests", "CSharp.Tests", "ReadmeRecipeTests.cs"), "RECIPE"),
            Repository.ReadmeBlock("csharp", 2));
}
