using System.Diagnostics;
using System.Globalization;
using Nn.Data;
using Nn.Newton;

namespace Nn.Benchmarks;

/// <summary>
/// The cost of each piece of one Newton step of <see cref="LogisticFit"/>'s job (Fashion-MNIST T-shirt against Shirt,
/// 12,000 × 784 float64, λ = 1): the solver's own internal pieces, each timed alone at the fitted parameters
/// (median of several calls), so their sum can be set against the time of a whole fit.
/// </summary>
public static class LogisticProbe
{
    private const int Repeats = 15;

    /// <summary>Prints one line per piece: median milliseconds and, for the products, GFLOP/s.</summary>
    /// <param name="output">Where the report goes.</param>
    public static void Run(TextWriter output)
    {
        var (x, labels) = FashionMnist.LoadTrain().ToFeatures(label => label is 0 or 6, 1.0 / 255);
        var y = labels.Select(l => l == 6 ? 1.0 : 0.0).ToArray();
        const int d = 784;
        var n = y.Length;
        var p = d + 1;
        var fit = LogisticRegressionNewton.Fit(x, d, y, new LogisticRegressionOptions { Lambda = 1.0 });
        var theta = fit.Weights.Append(fit.Intercept).ToArray();
        // A point on the way (half the fitted parameters), where the weights are far from 0 and 1/2.
        var mid = theta.Select(v => v / 2).ToArray();
        var z = new double[n];
        var a = new double[n];
        var gradient = new double[p];
        var hessian = new double[p * p];
        var step = new double[p];
        var direction = new double[n];
        var candidate = new double[n];
        var trialTheta = new double[p];
        var trialA = new double[n];
        var trialGradient = new double[p];
        using var sums = new IrlsPasses.Sums(p, n);

        var total = 0.0;
        void Line(string name, double ms, double flops = 0)
        {
            total += ms;
            var rate = flops > 0 ? string.Create(CultureInfo.InvariantCulture, $"  {flops / ms / 1e6,7:F1} GFLOP/s") : string.Empty;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-44} {ms,8:F2} ms (processor time of all threads {lastProcessor,8:F2} ms){rate}"));
        }

        output.WriteLine($"one Newton step's pieces, {n:N0} × {d} float64, at half the fitted parameters (median of {Repeats})");
        unsafe
        {
            fixed (double* xp = x, yp = y)
            {
                var (xq, yq) = ((nint)xp, (nint)yp);
                Line("validate features (once per fit)", Median(() => IrlsPasses.IndexOfNonFinite(x)));
                Line("margins z = Xᵀθ (line search: Xᵀ·Δ)", Median(() => IrlsPasses.Margins((double*)xq, d, mid, z)));
                Line("objective from z", Median(() => LogisticRegressionNewton.Objective(z, y, mid.AsSpan(0, d), 1.0)));
                Line("gradient X(a − y) alone", Median(() => IrlsPasses.GradientAndHessian((double*)xq, d, (double*)yq, z, mid, 1.0, a, gradient, sums, null)));
                var syrkFlops = (double)p * (p + 1) * n;
                Line("gradient + float32 Hessian (one pass)", Median(() => IrlsPasses.GradientAndHessian((double*)xq, d, (double*)yq, z, mid, 1.0, a, gradient, sums, hessian)), syrkFlops);
                var factored = new double[p * p];
                Line("Cholesky + solve (785)", Median(() =>
                {
                    hessian.CopyTo(factored, 0);
                    LogisticRegressionNewton.SolveCholesky(factored, p, gradient, step);
                }), (double)p * p * p / 3 * 2);
                var objective = LogisticRegressionNewton.Objective(z, y, mid.AsSpan(0, d), 1.0);
                var gmax = Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<double>(gradient));
                Line("line search (X·Δ + trials)", Median(() => LogisticRegressionNewton.LineSearch((double*)xq, d, (double*)yq, z, mid, gradient, step, 1.0, objective, gmax, direction, candidate, trialTheta, trialA, trialGradient, sums)));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  total of the lines above {total:F2} ms"));

        var options = new LogisticRegressionOptions { Lambda = 1.0 };
        var times = new List<double>();
        for (var r = 0; r < 5; r++)
        {
            var watch = Stopwatch.StartNew();
            fit = LogisticRegressionNewton.Fit(x, d, y, options);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  whole fit: {times.Order().ElementAt(2):F1} ms median of 5, {fit.Iterations} steps, objective {fit.Objective:F6}"));
    }

    // Median wall-clock milliseconds; the median processor time of all threads goes to lastProcessor.
    private static double Median(Action action)
    {
        action();
        var times = new double[Repeats];
        var processor = new double[Repeats];
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < Repeats; r++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            action();
            times[r] = watch.Elapsed.TotalMilliseconds;
            process.Refresh();
            processor[r] = (process.TotalProcessorTime - cpu).TotalMilliseconds;
        }

        Array.Sort(times);
        Array.Sort(processor);
        lastProcessor = processor[Repeats / 2];
        return times[Repeats / 2];
    }

    private static double lastProcessor;
}
