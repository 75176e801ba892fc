// Trains a 4-8-3 tanh/softmax classifier on the iris data with Nn from C#, saves it as a model file,
// loads it back, and checks that the loaded model predicts bit-identically. Exits with 1 if anything is off.
using System.Globalization;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Training;
using Nn.Serialization;

const int Seed = 2024;
const int Iterations = 1500;
const double LearningRate = 0.5;
string[] classNames = ["setosa", "versicolor", "virginica"];

// Every fifth flower is held out for testing; the rest train the network.
var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "iris.csv"))
    .Skip(1)
    .Where(line => line.Length > 0)
    .Select(line => line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
    .ToArray();
var training = rows.Where((_, i) => i % 5 != 0).ToArray();
var test = rows.Where((_, i) => i % 5 == 0).ToArray();

// One observation per column: features × samples, column-major.
static MathNet.Numerics.LinearAlgebra.Matrix<double> Features(double[][] rows) =>
    Dense.Matrix(4, rows.Length, rows.SelectMany(r => r.Take(4)).ToArray());
static int[] Labels(double[][] rows) => rows.Select(r => (int)r[4]).ToArray();

var xTrain = Features(training);
var standardization = Standardization.Fit(xTrain);
var network = Network.Create<double>([4, 8, 3], Activation.Tanh, Activation.Softmax, Initializer.XavierNormal, Seed);

// Full-batch gradient descent: every epoch is one step θ ← θ − α∇J over all training flowers.
var options = new TrainingOptions { Epochs = Iterations, BatchSize = training.Length, Optimizer = GradientTransformations.Sgd(LearningRate) };
var result = Trainer.Fit(network, standardization.Apply(xTrain), Labels(training), options);
Console.WriteLine($"training loss {result.Epochs[0].TrainLoss:F4} -> {result.Epochs[^1].TrainLoss:F4} after {Iterations} iterations");

var metadata = ModelMetadata.Create(Seed, [new("optimizer", "gradient descent"), new("learning_rate", "0.5"), new("iterations", Iterations.ToString(CultureInfo.InvariantCulture))]);
var model = new Model(result.Network, Loss.SoftmaxCrossEntropy, metadata, standardization, classNames);

var directory = Directory.CreateTempSubdirectory("nn-consumer-");
try
{
    var path = Path.Combine(directory.FullName, "iris-model.json");
    ModelFile.Save(model, path);
    var loaded = ModelFile.Load(path);
    Console.WriteLine($"saved and loaded {path} ({new FileInfo(path).Length} bytes, Nn {loaded.Metadata.NnVersion})");

    var xTest = Features(test);
    var before = Dense.Data(model.Predict(xTest));
    var after = Dense.Data(loaded.Predict(xTest));
    var identical = before.Zip(after).All(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second));
    var predicted = loaded.PredictClasses(xTest);
    var labels = Labels(test);
    var accuracy = predicted.Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length;

    for (var i = 0; i < 5; i++)
    {
        Console.WriteLine($"  flower {(i * 5) + 1,3}: predicted {loaded.ClassNames[predicted[i]],-10} actual {classNames[labels[i]]}");
    }

    Console.WriteLine($"loaded model predicts bit-identically: {identical}");
    Console.WriteLine($"test accuracy: {accuracy:P1} on {labels.Length} held-out flowers");
    if (!identical || accuracy < 0.9)
    {
        Console.Error.WriteLine(identical ? "test accuracy is below 90%" : "the loaded model's predictions differ from the saved model's");
        return 1;
    }

    return 0;
}
finally
{
    directory.Delete(recursive: true);
}
