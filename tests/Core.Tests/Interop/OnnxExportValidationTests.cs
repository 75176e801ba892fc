using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Interop;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Training;
using Nn.Tests.Support;
using Xunit.Abstractions;

namespace Nn.Tests.Interop;

/// <summary>What a test network is trained to do, which fixes its output layer and loss.</summary>
internal enum ExportTask
{
    /// <summary>One sigmoid unit, binary cross-entropy.</summary>
    Binary,

    /// <summary>Three softmax units, softmax cross-entropy.</summary>
    MultiClass,

    /// <summary>One identity unit, squared error.</summary>
    Regression,
}

/// <summary>The precision a test network is trained in and the precision of its ONNX graph.</summary>
internal enum ExportPrecision
{
    /// <summary>A float64 network as a float64 graph.</summary>
    Double,

    /// <summary>A float32 network as a float32 graph.</summary>
    Single,

    /// <summary>A float64 network as a float32 graph.</summary>
    DoubleAsSingle,
}

/// <summary>One network to train, export and check.</summary>
internal sealed record ExportCase(string Name, int Features, (int Units, Activation Activation)[] Hidden, ExportTask Task, bool Standardise, ExportPrecision Precision)
{
    public override string ToString() => Name;
}

/// <summary>
/// Exports briefly trained networks to ONNX and has tests/onnx/validate.py — the ONNX checker plus an independent
/// numpy evaluation of the graph — confirm that the model computes what Nn computes.
/// </summary>
public sealed class OnnxExportValidationTests(ITestOutputHelper output)
{
    private const int TrainingSamples = 60;
    private const int EvaluationSamples = 25;

    /// <summary>Full-batch gradient descent θ ← θ − α∇J, enough to move the weights away from their initialisation.</summary>
    private static (Network<T> Network, T FirstLoss, T FinalLoss) Descend<T>(Network<T> network, Matrix<T> x, Matrix<T> y, Loss loss, double rate, int steps)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var first = T.NaN;
        for (var i = 0; i < steps; i++)
        {
            var (cost, gradients) = Propagation.CostAndGradients(network, x, y, loss);
            first = i == 0 ? cost : first;
            network = network.WithParameters(network.Parameters.AddScaled(T.CreateTruncating(-rate), gradients));
        }

        return (network, first, Propagation.Cost(network, Propagation.Forward(network, x), y, loss));
    }

    private static readonly ExportCase[] Cases =
    [
        new("tanh and relu hidden layers, sigmoid output, float64, standardised", 3, [(5, Activation.Tanh), (4, Activation.Relu)], ExportTask.Binary, true, ExportPrecision.Double),
        new("leaky relu and sigmoid hidden layers, softmax output, float64", 4, [(6, Activation.LeakyRelu()), (5, Activation.Sigmoid)], ExportTask.MultiClass, false, ExportPrecision.Double),
        new("identity and tanh hidden layers, softmax output, float32, standardised", 4, [(3, Activation.Identity), (5, Activation.Tanh)], ExportTask.MultiClass, true, ExportPrecision.Single),
        new("relu hidden layer, sigmoid output, float32", 3, [(6, Activation.Relu)], ExportTask.Binary, false, ExportPrecision.Single),
        new("sigmoid and leaky relu hidden layers, softmax output, float64 network as a float32 graph, standardised", 3, [(4, Activation.Sigmoid), (4, Activation.LeakyRelu(0.2))], ExportTask.MultiClass, true, ExportPrecision.DoubleAsSingle),
        new("tanh hidden layer, identity output, float64, standardised", 2, [(5, Activation.Tanh)], ExportTask.Regression, true, ExportPrecision.Double),
        new("no hidden layer, sigmoid output, float64, standardised", 3, [], ExportTask.Binary, true, ExportPrecision.Double),
    ];

    public static TheoryData<string> CaseNames => [.. Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void TheOnnxCheckerAcceptsTheExportedModelAndItsIndependentEvaluationAgreesWithNn(string name)
    {
        OnnxValidator.RequireOnnx();
        var exported = Export(Cases.Single(c => c.Name == name));
        var run = ValidateInTemporaryDirectory(exported.Model, exported.Inputs, exported.Predictions);
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, $"validate.py rejected '{name}':\n{run}");
        Assert.StartsWith("ok:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheValidatorRejectsPredictionsOfANetworkWithOneWeightSignFlipped()
    {
        OnnxValidator.RequireOnnx();
        var exported = Export(Cases[0]);
        var first = exported.Network.Layers[0];
        var weights = (double[])Dense.Data(first.Weights).Clone();
        var largest = Array.IndexOf(weights, weights.MaxBy(Math.Abs));
        weights[largest] = -weights[largest];
        var mutated = exported.Network with
        {
            Layers = exported.Network.Layers.SetItem(0, first with { Weights = Dense.Matrix(first.Outputs, first.Inputs, weights) }),
        };
        var mutatedPredictions = Propagation.Predict(mutated, exported.StandardisedInputs);
        var change = RandomNetworks.MaxAbsDifference(Dense.Data(mutatedPredictions), Dense.Data(exported.Predictions));
        Assert.True(change > 1e-3, $"flipping the weight changed the predictions by only {change}; the check below would prove nothing");

        var run = ValidateInTemporaryDirectory(exported.Model, exported.Inputs, mutatedPredictions);

        output.WriteLine(run.Errors);
        Assert.True(run.ExitCode == 1, $"validate.py should reject the mutated predictions:\n{run}");
        Assert.Contains("disagrees with Nn", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void TheValidatorRejectsATruncatedModel()
    {
        OnnxValidator.RequireOnnx();
        var exported = Export(Cases[1]);
        var truncated = exported.Model[..(exported.Model.Length * 2 / 3)];

        var run = ValidateInTemporaryDirectory(truncated, exported.Inputs, exported.Predictions);

        output.WriteLine(run.Errors);
        Assert.True(run.ExitCode == 1, $"validate.py should reject a truncated model:\n{run}");
        Assert.Contains("cannot read an ONNX model", run.Errors, StringComparison.Ordinal);
    }

    /// <summary>A trained network, its ONNX bytes, raw evaluation inputs (features × samples) and Nn's predictions for them.</summary>
    private sealed record Exported(byte[] Model, Network<double> Network, Matrix<double> Inputs, Matrix<double> StandardisedInputs, Matrix<double> Predictions);

    private static Exported Export(ExportCase c) => c.Precision switch
    {
        ExportPrecision.Double => Export<double>(c, (n, o) => OnnxExport.ToBytes(n, o), OnnxPrecision.Float64),
        ExportPrecision.DoubleAsSingle => Export<double>(c, (n, o) => OnnxExport.ToBytes(n, o), OnnxPrecision.Float32),
        ExportPrecision.Single => Export<float>(c, (n, o) => OnnxExport.ToBytes(n, o), OnnxPrecision.Float32),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Precision, "unknown precision"),
    };

    private static Exported Export<T>(ExportCase c, Func<Network<T>, OnnxExportOptions, byte[]> toBytes, OnnxPrecision precision)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rngNetwork, rngData) = Rng.FromSeed(c.Name.Length * 7919).Split();
        var (trainingInputs, trainingUnits, rng) = RawInputs(c.Features, TrainingSamples, rngData);
        var (evaluationInputs, _, _) = RawInputs(c.Features, EvaluationSamples, rng);
        var (means, scales) = c.Standardise ? Moments(trainingInputs) : (Array.Empty<double>(), Array.Empty<double>());

        (int Units, Activation Activation, Loss Loss) head = c.Task switch
        {
            ExportTask.Binary => (1, Activation.Sigmoid, Loss.BinaryCrossEntropy),
            ExportTask.MultiClass => (3, Activation.Softmax, Loss.SoftmaxCrossEntropy),
            _ => (1, Activation.Identity, Loss.SquaredError),
        };
        var network = Network.Create<T>(c.Features, [.. c.Hidden, (head.Units, head.Activation)], Initializer.XavierNormal, rngNetwork);
        var training = Descend(network, Convert<T>(Standardise(trainingInputs, means, scales)), Convert<T>(TargetsFor(c.Task, trainingUnits)), head.Loss, 0.1, 200);
        Assert.True(training.FinalLoss < training.FirstLoss, $"training did not lower the loss: {training.FirstLoss} → {training.FinalLoss}");

        var standardised = Standardise(evaluationInputs, means, scales);
        var predictions = Propagation.Predict(training.Network, Convert<T>(standardised));
        var options = new OnnxExportOptions { Means = [.. means], Scales = [.. scales], Precision = precision };
        return new Exported(
            toBytes(training.Network, options),
            training.Network.Convert<double>(),
            evaluationInputs,
            standardised,
            Dense.Matrix(predictions.RowCount, predictions.ColumnCount, Array.ConvertAll(Dense.Data(predictions), double.CreateTruncating)));
    }

    /// <summary>
    /// Raw features × samples with feature j centred on 3j − 2 and spread (j + 1)·2.5, so that standardisation
    /// matters, together with the underlying uniform values u in [−1, 1] the targets are computed from.
    /// </summary>
    private static (Matrix<double> Inputs, Matrix<double> Units, Rng Next) RawInputs(int features, int samples, Rng rng)
    {
        var (units, next) = RandomNetworks.Uniform(features, samples, -1, 1, rng);
        var inputs = Matrix<double>.Build.Dense(features, samples, (i, j) => (3.0 * i) - 2 + ((i + 1) * 2.5 * units[i, j]));
        return (inputs, units, next);
    }

    /// <summary>Per-feature mean and population standard deviation.</summary>
    private static (double[] Means, double[] Scales) Moments(Matrix<double> x)
    {
        var means = Enumerable.Range(0, x.RowCount).Select(i => x.Row(i).Average()).ToArray();
        var scales = Enumerable.Range(0, x.RowCount).Select(i => Math.Sqrt(x.Row(i).Select(v => (v - means[i]) * (v - means[i])).Average())).ToArray();
        return (means, scales);
    }

    private static Matrix<double> Standardise(Matrix<double> x, double[] means, double[] scales) =>
        means.Length == 0 ? x : Matrix<double>.Build.Dense(x.RowCount, x.ColumnCount, (i, j) => (x[i, j] - means[i]) / scales[i]);

    private static Matrix<double> TargetsFor(ExportTask task, Matrix<double> u) => task switch
    {
        ExportTask.Binary => Matrix<double>.Build.Dense(1, u.ColumnCount, (_, j) => u[0, j] - (0.5 * u[1, j]) + (0.3 * u[2, j]) > 0.1 ? 1 : 0),
        ExportTask.MultiClass => Targets.OneHot<double>(
            [.. Enumerable.Range(0, u.ColumnCount).Select(j => new[] { u[0, j], u[1, j], -u[0, j] - u[1, j] + u[2, j] }.Index().MaxBy(p => p.Item).Index)], 3),
        _ => Matrix<double>.Build.Dense(1, u.ColumnCount, (_, j) => Math.Sin(2 * u[0, j]) + (0.5 * u[1, j])),
    };

    private static Matrix<T> Convert<T>(Matrix<double> x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Dense.Matrix(x.RowCount, x.ColumnCount, Array.ConvertAll(Dense.Data(x), T.CreateTruncating));

    private static ValidatorRun ValidateInTemporaryDirectory(byte[] model, Matrix<double> inputs, Matrix<double> predictions)
    {
        var directory = Directory.CreateTempSubdirectory("nn-onnx-");
        try
        {
            var modelPath = Path.Combine(directory.FullName, "model.onnx");
            var dataPath = Path.Combine(directory.FullName, "data.json");
            File.WriteAllBytes(modelPath, model);
            OnnxValidator.WriteData(dataPath, inputs, predictions);
            return OnnxValidator.Validate(modelPath, dataPath);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
