using System.Diagnostics;
using System.Text.Json;
using MathNet.Numerics.LinearAlgebra;
using Nn.TestSupport;
using Nn.Tests.Support;

namespace Nn.Tests.Interop;

/// <summary>The outcome of running tests/onnx/validate.py.</summary>
internal sealed record ValidatorRun(int ExitCode, string Output, string Errors)
{
    public override string ToString() => $"exit code {ExitCode}\nstdout: {Output}\nstderr: {Errors}";
}

/// <summary>
/// Runs tests/onnx/validate.py with Debian's /usr/bin/python3 (which has python3-onnx and python3-numpy) on an
/// exported model and a JSON file of raw inputs and Nn's predictions.
/// </summary>
internal static class OnnxValidator
{
    private const string Python = SystemPackages.Python;

    public static string Script => Path.Combine(Repository.Root, "tests", "onnx", "validate.py");

    /// <summary>Writes inputs (features × samples, as Nn lays them out) and predictions (outputs × samples) as [N, ·] JSON rows.</summary>
    public static void WriteData(string path, Matrix<double> inputs, Matrix<double> predictions)
    {
        static double[][] Rows(Matrix<double> m) =>
            Enumerable.Range(0, m.ColumnCount).Select(j => Enumerable.Range(0, m.RowCount).Select(i => m[i, j]).ToArray()).ToArray();

        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, double[][]>
        {
            ["inputs"] = Rows(inputs),
            ["predictions"] = Rows(predictions),
        }));
    }

    public static ValidatorRun Validate(string model, string data) => Run(Script, model, data);

    private static ValidatorRun Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Python} {string.Join(' ', arguments)} did not finish within two minutes.");
        }

        return new ValidatorRun(process.ExitCode, output.Result.Trim(), errors.Result.Trim());
    }
}
