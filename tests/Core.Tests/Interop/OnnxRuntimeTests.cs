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

/// <summary>
/// ONNX Runtime, an independent evaluator, runs every exported graph and must predict what <see cref="Model.Predict"/>
/// predicts: within 1e-9 for a float64 graph and 1e-5 for a float32 graph, over every hidden activation, sigmoid
/// (binary), softmax (multi-class) and identity (regression) outputs, with and without standardisation. A graph whose
/// bytes were changed after export must be caught by the same comparison.
/// </summary>
public sealed class OnnxRuntimeTests
{
    private const double Float64Tolerance = 1e-9;
    private const double Float32Tolerance = 1e-5;
    private const int Features = 4;
    private const int Samples = 37;

    public static TheoryData<string, string, bool> Cases()
    {
        var cases = new TheoryData<string, string, bool>();
        foreach (var hidden in new[] { "identity", "sigmoid", "tanh", "relu", "leaky_relu" })
        {
            foreach (var loss in new[] { "bce", "ce", "mse" })
            {
                cases.Add(hidden, loss, false);
                cases.Add(hidden, loss, true);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeOnTheFloat64GraphPredictsWhatTheModelPredicts(string hidden, string loss, bool standardised)
    {
        var (model, x) = Build(hidden, loss, standardised);
        var graph = OnnxExport.ToBytes(model, OnnxPrecision.Float64);

        var difference = WorstDifference(OnnxRuntimeEvaluation.Run(graph, x), model.Predict(x));

        Assert.True(difference <= Float64Tolerance, $"max |onnx runtime − Model.Predict| = {difference:E2} on the float64 graph");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeOnTheFloat32GraphPredictsWhatTheModelPredicts(string hidden, string loss, bool standardised)
    {
        var (model, x) = Build(hidden, loss, standardised);
        var graph = OnnxExport.ToBytes(model, OnnxPrecision.Float32);
        var onnx = OnnxRuntimeEvaluation.Run(graph, x);

        var difference = WorstDifference(onnx, model.Predict(x));
        Assert.True(difference <= Float32Tolerance, $"max |onnx runtime − Model.Predict| = {difference:E2} on the float32 graph");

        // The same network trained in float32 exports the same float32 graph and predicts the same in Nn.
        var single = model.Network.Convert<float>();
        var options = new OnnxExportOptions { Means = model.Standardization?.Means ?? [], Scales = model.Standardization?.Scales ?? [] };
        Assert.Equal(graph, OnnxExport.ToBytes(single, options));
        var standardisedX = model.Standardization?.Apply(x) ?? x;
        var nnSingle = Propagation.Predict(single, Dense.Matrix(Features, Samples, Array.ConvertAll(Dense.Data(standardisedX), v => (float)v)));
        var singleDifference = WorstDifference(onnx, Dense.Matrix(nnSingle.RowCount, nnSingle.ColumnCount, Array.ConvertAll(Dense.Data(nnSingle), v => (double)v)));
        Assert.True(singleDifference <= Float32Tolerance, $"max |onnx runtime − Propagation.Predict<float>| = {singleDifference:E2}");
    }

    [Fact]
    public void AFlippedWeightSignInTheGraphIsCaught()
    {
        var (model, x) = Build("tanh", "ce", standardised: true);
        var graph = OnnxExport.ToBytes(model, OnnxPrecision.Float64);
        var weights = Dense.Data(model.Network.Layers[0].Weights);
        var largest = weights.MaxBy(Math.Abs);
        var tampered = Replace(graph, BitConverter.GetBytes(largest), BitConverter.GetBytes(-largest));

        var difference = WorstDifference(OnnxRuntimeEvaluation.Run(tampered, x), model.Predict(x));

        Assert.True(difference > 1e3 * Float64Tolerance, $"flipping W[1]'s largest weight in the file changed ONNX Runtime's predictions by only {difference:E2}");
    }

    [Fact]
    public void AChangedOperatorInTheGraphIsCaught()
    {
        var (model, x) = Build("tanh", "bce", standardised: false);
        var graph = OnnxExport.ToBytes(model, OnnxPrecision.Float64);

        // The first hidden layer's Tanh node becomes Relu: its op_type field (4, length-delimited: tag 0x22) of 4 bytes.
        var tampered = Replace(graph, "\"\u0004Tanh"u8.ToArray(), "\"\u0004Relu"u8.ToArray());

        var difference = WorstDifference(OnnxRuntimeEvaluation.Run(tampered, x), model.Predict(x));

        Assert.True(difference > 1e3 * Float64Tolerance, $"replacing Tanh by Relu in the file changed ONNX Runtime's predictions by only {difference:E2}");
    }

    [Fact]
    public void ATruncatedGraphDoesNotLoad()
    {
        var (model, x) = Build("relu", "ce", standardised: true);
        var graph = OnnxExport.ToBytes(model);

        var error = Assert.ThrowsAny<OnnxRuntimeException>(() => OnnxRuntimeEvaluation.Run(graph[..(graph.Length * 2 / 3)], x));

        Assert.Contains("InvalidProtobuf", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A 4-input model with hidden layers of 6 and 5 units of <paramref name="hidden"/> and the output layer
    /// <paramref name="loss"/> needs (1 sigmoid, 3 softmax or 2 identity units), and raw inputs whose features have
    /// different offsets and spreads (so that standardisation changes them).
    /// </summary>
    private static (Model Model, Matrix<double> X) Build(string hidden, string loss, bool standardised)
    {
        var activation = Activation.FromName(hidden);
        var (outputs, output) = loss switch
        {
            "bce" => (1, Activation.Sigmoid),
            "ce" => (3, Activation.Softmax),
            _ => (2, Activation.Identity),
        };
        var seed = $"{hidden} {loss} {standardised}".Length;
        var (rngNetwork, rngData) = Rng.FromSeed(seed).Split();
        var network = Network.Create<double>(Features, [(6, activation), (5, activation), (outputs, output)], Initializer.XavierNormal, rngNetwork);
        var (u, _) = RandomNetworks.Uniform(Features, Samples, -1, 1, rngData);
        var x = standardised ? SampleModels.Scaled(u) : u;
        var standardization = standardised ? Standardization.Fit(x) : null;
        return (new Model(network, Loss.FromName(loss), SampleModels.Metadata(), standardization), x);
    }

    private static double WorstDifference(Matrix<double> onnx, Matrix<double> nn)
    {
        Assert.Equal((nn.RowCount, nn.ColumnCount), (onnx.RowCount, onnx.ColumnCount));
        return RandomNetworks.MaxAbsDifference(Dense.Data(onnx), Dense.Data(nn));
    }

    /// <summary>The bytes with the first occurrence of <paramref name="find"/> replaced by <paramref name="replacement"/> (same length).</summary>
    private static byte[] Replace(byte[] bytes, byte[] find, byte[] replacement)
    {
        var at = bytes.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "the bytes to tamper with do not occur in the graph");
        var copy = (byte[])bytes.Clone();
        replacement.CopyTo(copy, at);
        return copy;
    }
}
