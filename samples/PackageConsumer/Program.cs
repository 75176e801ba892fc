// Trains a digits classifier with Nn from its packages alone, in float32, and prints its test accuracy.
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.Models;
using Nn.Training;

var (train, test) = Datasets.Digits().ToFloat32().Split(0.25, seed: 0);
var scaling = Standardization.Fit(train.Features);
var network = Network.Create<float>([64, 32, 10], Activation.Relu, Activation.Softmax, Initializer.He, seed: 0);
var run = Trainer.Fit(network, train.Standardize(scaling), new TrainingOptions { Epochs = 30, Optimizer = GradientTransformations.Adam(1e-3) });
var accuracy = Trainer.Accuracy(run.Network, test.Standardize(scaling));
Console.WriteLine($"test_accuracy={accuracy:F4}");
return accuracy >= 0.95 ? 0 : 1;
