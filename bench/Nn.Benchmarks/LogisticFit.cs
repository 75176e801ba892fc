using System.Diagnostics;
using System.Globalization;
using Nn.Data;
using Nn.LinearAlgebra;
using Nn.Models;
using Nn.Newton;

namespace Nn.Benchmarks;

/// <summary>
/// Logistic regression by Newton's method as a caller runs it: <see cref="LogisticRegressionNewton.Fit"/> on Fashion-MNIST
/// T-shirt/top (0) against Shirt (6, the positive class), 12,000 training images × 784 pixels / 255 in float64, λ = 1
/// (scikit-learn's C = 1), max|∇| ≤ 1e-6. Wall time of each whole fit (data already in memory), the median, the Newton steps,
/// the objective and the test accuracy on the 2,000 test images of those classes.
/// </summary>
public static class LogisticFit
{
    /// <summary>Runs the fits and prints one line per fit and a <c>JSON {…}</c> line.</summary>
    /// <param name="output">Where the report goes.</param>
    /// <param name="precision">The Hessian's precision (<see cref="LogisticRegressionOptions.HessianPrecision"/>); null for the default.</param>
    /// <param name="repeats">How many fits to time, after one untimed fit.</param>
    public static void Run(TextWriter output, Precision? precision, int repeats)
    {
        var (xTrain, yTrain) = TwoClasses(FashionMnist.LoadTrain());
        var (xTest, yTest) = TwoClasses(FashionMnist.LoadTest());
        var options = precision is { } chosen ? new LogisticRegressionOptions { Lambda = 1.0, HessianPrecision = chosen } : new LogisticRegressionOptions { Lambda = 1.0 };
        output.WriteLine($"logistic regression by Newton, {yTrain.Length:N0} × 784 float64, λ = 1, tolerance {options.GradientTolerance:G2}, Hessian product in {options.HessianPrecision}; BLAS {Blas.Current.Name}");
        LogisticRegressionNewton.Fit(xTrain, 784, yTrain, options);
        var times = new List<double>();
        LogisticRegressionResult fit = null!;
        for (var r = 0; r < repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            fit = LogisticRegressionNewton.Fit(xTrain, 784, yTrain, options);
            times.Add(watch.Elapsed.TotalSeconds);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  fit {r + 1}: {times[^1]:F3} s, {fit.Outcome}, {fit.Iterations} steps, objective {fit.Objective:F4}"));
        }

        var z = fit.Decision(xTest);
        var accuracy = z.Zip(yTest, (zi, yi) => (zi > 0) == (yi == 1) ? 1.0 : 0.0).Average();
        var median = times.Order().ElementAt(times.Count / 2);
        var gradients = string.Join(", ", fit.Trace.Select(s => s.MaxAbsGradient.ToString("G3", CultureInfo.InvariantCulture)).Append(fit.MaxAbsGradient.ToString("G3", CultureInfo.InvariantCulture)));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  median {median:F3} s over {repeats}; max|grad| per step {gradients}; test accuracy {accuracy:F4}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"JSON {{\"job\":\"logreg\",\"hessian\":\"{options.HessianPrecision}\",\"fit_s\":{median:F4},\"steps\":{fit.Iterations},\"objective\":{fit.Objective:F6},\"test_acc\":{accuracy:F4},\"outcome\":\"{fit.Outcome}\"}}"));
    }

    private static (double[] X, double[] Y) TwoClasses(LabelledImages set)
    {
        var (x, labels) = set.ToFeatures(label => label is 0 or 6, 1.0 / 255);
        return (x, labels.Select(l => l == 6 ? 1.0 : 0.0).ToArray());
    }
}
