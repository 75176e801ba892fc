using System.Buffers.Binary;
using System.Numerics;
using Nn.Activations;
using Nn.Interop;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Tests.Interop;

/// <summary>An activation export does not know, to prove that it is refused.</summary>
internal sealed record SoftplusActivation : Activation
{
    public override string Name => "softplus";

    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units)
    {
        for (var i = 0; i < z.Length; i++)
        {
            a[i] = T.Log(T.One + T.Exp(z[i]));
        }
    }

    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units)
    {
        for (var i = 0; i < z.Length; i++)
        {
            dz[i] = da[i] / (T.One + T.Exp(-z[i]));
        }
    }

    internal override void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units)
    {
        for (var i = 0; i < z.Length; i++)
        {
            var s = T.One / (T.One + T.Exp(-z[i]));
            rdz[i] = (rda[i] * s) + (da[i] * s * (T.One - s) * rz[i]);
        }
    }
}

/// <summary>Reads exported models back field by field (field numbers from onnx.proto) and checks the refusals.</summary>
public sealed class OnnxExportTests
{
    // ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto field numbers, as in onnx.proto.
    private const int ModelIrVersion = 1;
    private const int ModelProducerName = 2;
    private const int ModelGraph = 7;
    private const int ModelOpsetImport = 8;
    private const int OpsetVersion = 2;
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeOpType = 4;
    private const int NodeAttribute = 5;
    private const int AttributeName = 1;
    private const int AttributeI = 3;
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;

    /// <summary>2 inputs → 3 tanh units → 2 softmax units, with W₁ = [[1, 2], [3, 4], [5, 6]] and easily told-apart values.</summary>
    private static Network<double> Small(Activation? hidden = null, Activation? output = null) => new(
    [
        new DenseLayer<double>(Dense.Matrix(3, 2, [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]), Dense.Vector([0.1, 0.2, 0.3]), hidden ?? Activation.Tanh),
        new DenseLayer<double>(Dense.Matrix(2, 3, [-1.0, -4.0, -2.0, -5.0, -3.0, -6.0]), Dense.Vector([0.5, -0.5]), output ?? Activation.Softmax),
    ]);

    private static ProtoMessage Graph(byte[] model) => ProtoReader.Read(model).Message(ModelGraph);

    private static ProtoMessage Initializer(ProtoMessage graph, string name) =>
        Assert.Single(graph.Messages(GraphInitializer), t => t.Text(TensorName) == name);

    private static string[] OpTypes(ProtoMessage graph) => [.. graph.Messages(GraphNode).Select(n => n.Text(NodeOpType))];

    private static double[] Doubles(byte[] raw) =>
        [.. Enumerable.Range(0, raw.Length / sizeof(double)).Select(k => BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(k * sizeof(double))))];

    private static float[] Singles(byte[] raw) =>
        [.. Enumerable.Range(0, raw.Length / sizeof(float)).Select(k => BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(k * sizeof(float))))];

    [Fact]
    public void TheModelDeclaresIrVersionSevenOperatorSetThirteenAndItsProducer()
    {
        var model = ProtoReader.Read(OnnxExport.ToBytes(Small()));

        Assert.Equal(7, model.Int64(ModelIrVersion));
        Assert.Equal(13, model.Message(ModelOpsetImport).Int64(OpsetVersion));
        Assert.Equal("Nn", model.Text(ModelProducerName));
    }

    [Fact]
    public void WeightsAreStoredRowMajorAsOutputsByInputsAndGemmTransposesThem()
    {
        var graph = Graph(OnnxExport.ToBytes(Small()));
        var weights = Initializer(graph, "layer1_weights");
        var gemm = graph.Messages(GraphNode).First(n => n.Text(NodeOpType) == "Gemm");
        var transB = Assert.Single(gemm.Messages(NodeAttribute));

        Assert.Equal([3L, 2L], weights.All(TensorDims).Select(d => d.Int64));
        Assert.Equal(11, weights.Int64(TensorDataType));
        Assert.Equal([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], Doubles(weights.Single(TensorRawData).Bytes));
        Assert.Equal([0.1, 0.2, 0.3], Doubles(Initializer(graph, "layer1_bias").Single(TensorRawData).Bytes));
        Assert.Equal(("transB", 1L), (transB.Text(AttributeName), transB.Int64(AttributeI)));
        Assert.Equal(["input", "layer1_weights", "layer1_bias"], gemm.All(NodeInput).Select(f => f.Text));
    }

    [Fact]
    public void StandardisationBecomesSubAndDivNodesBeforeTheFirstGemm()
    {
        var options = new OnnxExportOptions { Means = [10.0, -2.0], Scales = [4.0, 0.5] };
        var graph = Graph(OnnxExport.ToBytes(Small(), options));

        Assert.Equal(["Sub", "Div", "Gemm", "Tanh", "Gemm", "Softmax"], OpTypes(graph));
        Assert.Equal([10.0, -2.0], Doubles(Initializer(graph, "standardise_mean").Single(TensorRawData).Bytes));
        Assert.Equal([4.0, 0.5], Doubles(Initializer(graph, "standardise_scale").Single(TensorRawData).Bytes));
        var gemm = graph.Messages(GraphNode).ElementAt(2);
        Assert.Equal("standardised", gemm.All(NodeInput).First().Text);
    }

    [Fact]
    public void SoftmaxNormalisesAxisOneAndProducesTheNamedOutput()
    {
        var options = new OnnxExportOptions { InputName = "features", OutputName = "scores" };
        var graph = Graph(OnnxExport.ToBytes(Small(), options));
        var softmax = graph.Messages(GraphNode).Last();
        var axis = Assert.Single(softmax.Messages(NodeAttribute));

        Assert.Equal(("Softmax", "axis", 1L), (softmax.Text(NodeOpType), axis.Text(AttributeName), axis.Int64(AttributeI)));
        Assert.Equal("scores", softmax.Text(NodeOutput));
        Assert.Equal("features", graph.Message(GraphInput).Text(ValueInfoName));
        Assert.Equal("scores", graph.Message(GraphOutput).Text(ValueInfoName));
    }

    [Fact]
    public void InputAndOutputAreDeclaredWithASymbolicBatchDimension()
    {
        var graph = Graph(OnnxExport.ToBytes(Small()));

        foreach (var (value, features) in new[] { (graph.Message(GraphInput), 2L), (graph.Message(GraphOutput), 2L) })
        {
            var tensorType = value.Message(ValueInfoType).Message(1);
            var dims = tensorType.Message(2).Messages(1).ToArray();
            Assert.Equal(11, tensorType.Int64(1));
            Assert.Equal("N", dims[0].Text(2));
            Assert.Equal(features, dims[1].Int64(1));
        }
    }

    [Fact]
    public void AnIdentityLayerAddsNoNodeAndAnIdentityOutputIsTheLastGemm()
    {
        var graph = Graph(OnnxExport.ToBytes(Small(Activation.Identity, Activation.Identity)));

        Assert.Equal(["Gemm", "Gemm"], OpTypes(graph));
        Assert.Equal("layer1_linear", graph.Messages(GraphNode).Last().All(NodeInput).First().Text);
        Assert.Equal("probabilities", graph.Messages(GraphNode).Last().Text(NodeOutput));
    }

    [Fact]
    public void LeakyReluIsTheMaximumOfZAndTheSlopeTimesZWithTheSlopeInTheGraphsPrecision()
    {
        var network = Small(Activation.LeakyRelu(0.01), Activation.Sigmoid);
        var graph = Graph(OnnxExport.ToBytes(network));
        var nodes = graph.Messages(GraphNode).ToArray();

        Assert.Equal(["Gemm", "Mul", "Max", "Gemm", "Sigmoid"], OpTypes(graph));
        Assert.Equal(["layer1_linear", "layer1_slope", "layer1_scaled"], nodes[1].All(NodeInput).Select(f => f.Text).Append(nodes[1].Text(NodeOutput)));
        Assert.Equal(["layer1_linear", "layer1_scaled", "layer1_activation"], nodes[2].All(NodeInput).Select(f => f.Text).Append(nodes[2].Text(NodeOutput)));
        var slope = Initializer(graph, "layer1_slope");
        Assert.Empty(slope.All(TensorDims));
        Assert.Equal([0.01], Doubles(slope.Single(TensorRawData).Bytes));
        Assert.Equal([0.01f], Singles(Initializer(Graph(OnnxExport.ToBytes(network, new OnnxExportOptions { Precision = OnnxPrecision.Float32 })), "layer1_slope").Single(TensorRawData).Bytes));
    }

    [Fact]
    public void ALeakyReluOutputLayerWritesTheGraphOutputFromItsMaxNode()
    {
        var graph = Graph(OnnxExport.ToBytes(Small(Activation.Tanh, Activation.LeakyRelu(0.2))));

        Assert.Equal(["Gemm", "Tanh", "Gemm", "Mul", "Max"], OpTypes(graph));
        Assert.Equal("probabilities", graph.Messages(GraphNode).Last().Text(NodeOutput));
    }

    [Fact]
    public void AFloat32GraphStoresEachValueRoundedToFloat32()
    {
        var network = Small(Activation.Relu, Activation.Sigmoid);
        var graph = Graph(OnnxExport.ToBytes(network, new OnnxExportOptions { Precision = OnnxPrecision.Float32 }));
        var bias = Initializer(graph, "layer1_bias");

        Assert.Equal(1, bias.Int64(TensorDataType));
        Assert.Equal([0.1f, 0.2f, 0.3f], Singles(bias.Single(TensorRawData).Bytes));
        Assert.Equal(1, graph.Message(GraphInput).Message(ValueInfoType).Message(1).Int64(1));
    }

    [Fact]
    public void AFloat32NetworkIsExportedAsAFloat32GraphByDefault()
    {
        var graph = Graph(OnnxExport.ToBytes(Small().Convert<float>()));

        Assert.Equal([1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f], Singles(Initializer(graph, "layer1_weights").Single(TensorRawData).Bytes));
        Assert.Equal(1, Initializer(graph, "layer1_weights").Int64(TensorDataType));
    }

    [Fact]
    public void ExportIsDeterministicAndLeavesTheNetworkUnchanged()
    {
        var network = Small();
        var before = network.Parameters.ToArray();

        Assert.Equal(OnnxExport.ToBytes(network), OnnxExport.ToBytes(Small()));
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void EveryActivationListedAsSupportedExportsAsAHiddenAndAnOutputLayer()
    {
        foreach (var name in OnnxExport.SupportedActivations)
        {
            var activation = Activation.FromName(name);
            var graph = Graph(OnnxExport.ToBytes(Small(activation, activation)));

            Assert.Equal("probabilities", graph.Messages(GraphNode).Last().Text(NodeOutput));
        }
    }

    [Fact]
    public void AnActivationWithoutAnOnnxCounterpartIsRefusedWithTheSupportedList()
    {
        var network = Small(new SoftplusActivation());

        var error = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(network));

        Assert.Contains("Layer 1 has the activation 'softplus'", error.Message, StringComparison.Ordinal);
        Assert.Contains("identity, sigmoid, tanh, relu, leaky_relu, softmax", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWeightMadeNonFiniteAfterConstructionIsRefused()
    {
        var weights = new[] { 1.0, 2.0 };
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(1, 2, weights), Dense.Vector([0.0]), Activation.Sigmoid)]);
        weights[1] = double.NaN;

        var error = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(network));

        Assert.Contains("layer 1 weights[0, 1] is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWeightBeyondTheFloat32RangeIsRefusedForAFloat32GraphOnly()
    {
        var network = new Network<double>([new DenseLayer<double>(Dense.Matrix(1, 2, [1.0, 1e39]), Dense.Vector([0.0]), Activation.Sigmoid)]);

        var error = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(network, new OnnxExportOptions { Precision = OnnxPrecision.Float32 }));

        Assert.Contains("float32 cannot hold", error.Message, StringComparison.Ordinal);
        Assert.Equal([1.0, 1e39], Doubles(Initializer(Graph(OnnxExport.ToBytes(network)), "layer1_weights").Single(TensorRawData).Bytes));
    }

    [Fact]
    public void MeansAndScalesOfTheWrongLengthAreRefusedWithBothSizes()
    {
        var options = new OnnxExportOptions { Means = [0.0, 0.0, 0.0], Scales = [1.0, 1.0, 1.0] };

        var error = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(Small(), options));

        Assert.Contains("3 means and 3 scales but the network has 2 inputs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MeansWithoutScalesAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(Small(), new OnnxExportOptions { Means = [0.0, 0.0] }));

        Assert.Contains("2 means and 0 scales", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    public void AScaleThatIsNotPositiveAndFiniteIsRefused(double scale)
    {
        var options = new OnnxExportOptions { Means = [0.0, 0.0], Scales = [1.0, scale] };

        var error = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(Small(), options));

        Assert.Contains("options.Scales[1]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AScaleThatRoundsToZeroInFloat32IsRefusedForAFloat32Graph()
    {
        var options = new OnnxExportOptions { Means = [0.0, 0.0], Scales = [1.0, 1e-50], Precision = OnnxPrecision.Float32 };

        var error = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(Small(), options));

        Assert.Contains("options.Scales[1] is 1E-50, which float32 cannot hold", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("same", "same")]
    [InlineData("", "probabilities")]
    [InlineData("input", "layer1_weights")]
    [InlineData("layer2_linear", "probabilities")]
    public void InputAndOutputNamesMustBeNonEmptyDistinctAndFreeOfInternalNames(string input, string output)
    {
        var options = new OnnxExportOptions { InputName = input, OutputName = output };

        Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(Small(), options));
    }

    [Fact]
    public void WriteCreatesTheFileWithTheExportedBytes()
    {
        var directory = Directory.CreateTempSubdirectory("nn-onnx-write-");
        try
        {
            var path = Path.Combine(directory.FullName, "model.onnx");

            OnnxExport.Write(Small(), path);

            Assert.Equal(OnnxExport.ToBytes(Small()), File.ReadAllBytes(path));
            Assert.Equal(["model.onnx"], directory.GetFiles().Select(f => f.Name));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void WriteRefusesAnExistingFileAndLeavesItAsItWas()
    {
        var directory = Directory.CreateTempSubdirectory("nn-onnx-write-");
        try
        {
            var path = Path.Combine(directory.FullName, "model.onnx");
            File.WriteAllText(path, "keep me");

            var error = Assert.Throws<Nn.IO.TargetExistsException>(() => OnnxExport.Write(Small(), path));

            Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
            Assert.Equal("keep me", File.ReadAllText(path));
            Assert.Equal(["model.onnx"], directory.GetFiles().Select(f => f.Name));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void WriteReplacesAnExistingFileWhenAskedAndLeavesNoTemporaryFile()
    {
        var directory = Directory.CreateTempSubdirectory("nn-onnx-write-");
        try
        {
            var path = Path.Combine(directory.FullName, "model.onnx");
            File.WriteAllText(path, "old");
            var network = Small().Convert<float>();

            OnnxExport.Write(network, path, overwrite: true);

            Assert.Equal(OnnxExport.ToBytes(network), File.ReadAllBytes(path));
            Assert.Equal(["model.onnx"], directory.GetFiles().Select(f => f.Name));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void AnInvalidNetworkIsRefusedBeforeAnyFileIsTouched()
    {
        var directory = Directory.CreateTempSubdirectory("nn-onnx-write-");
        try
        {
            var path = Path.Combine(directory.FullName, "model.onnx");
            File.WriteAllText(path, "old");

            Assert.Throws<NotSupportedException>(() => OnnxExport.Write(Small(new SoftplusActivation()), path, overwrite: true));

            Assert.Equal("old", File.ReadAllText(path));
            Assert.Equal(["model.onnx"], directory.GetFiles().Select(f => f.Name));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
