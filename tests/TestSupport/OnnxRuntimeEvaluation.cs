using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nn.LinearAlgebra;

namespace Nn.TestSupport;

/// <summary>
/// Evaluates an exported ONNX graph with ONNX Runtime (in-process, its CPU provider), independently of Nn: the graph's
/// one input is fed as [N, features] and its one output read back as [N, outputs], in the graph's own element type.
/// </summary>
public static class OnnxRuntimeEvaluation
{
    /// <summary>The agreement to expect with Nn: 1e-9 for a graph whose input is DOUBLE, 1e-5 for FLOAT.</summary>
    public static double Tolerance(byte[] model)
    {
        using var session = new InferenceSession(model);
        return session.InputMetadata.Single().Value.ElementDataType == TensorElementType.Float ? 1e-5 : 1e-9;
    }

    /// <summary>
    /// Runs the graph in <paramref name="model"/> on <paramref name="inputs"/> (features × samples, Nn's layout; converted to
    /// float32 when the graph's input is FLOAT) and returns its output as outputs × samples, widened to double.
    /// </summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load or run the graph.</exception>
    public static Matrix<double> Run(byte[] model, Matrix<double> inputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model, options);
        var input = session.InputMetadata.Single();
        var output = session.OutputNames.Single();
        var (features, samples) = (inputs.RowCount, inputs.ColumnCount);

        // Nn's features × samples column-major is exactly [N, features] row-major.
        var rowMajor = Dense.Data(Dense.Ensure(inputs));
        long[] shape = [samples, features];
        using var value = input.Value.ElementDataType switch
        {
            TensorElementType.Double => OrtValue.CreateTensorValueFromMemory((double[])rowMajor.Clone(), shape),
            TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(rowMajor, v => (float)v), shape),
            var other => throw new NotSupportedException($"the graph's input is {other}, not FLOAT or DOUBLE"),
        };
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input.Key], [value], [output]);
        var result = results[0];
        var resultShape = result.GetTensorTypeAndShape().Shape;
        if (resultShape.Length != 2 || resultShape[0] != samples)
        {
            throw new InvalidOperationException($"the graph's output has shape [{string.Join(", ", resultShape)}], expected [{samples}, outputs]");
        }

        var values = result.GetTensorTypeAndShape().ElementDataType == TensorElementType.Double
            ? result.GetTensorDataAsSpan<double>().ToArray()
            : Array.ConvertAll(result.GetTensorDataAsSpan<float>().ToArray(), v => (double)v);
        return Dense.Matrix((int)resultShape[1], samples, values);
    }
}
