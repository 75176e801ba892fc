using System.Collections.Immutable;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Nn.LinearAlgebra;

namespace Nn.Newton;

/// <summary>
/// Binary logistic regression with an L2 penalty, fitted by exact Newton steps (iteratively reweighted least squares).
/// </summary>
/// <remarks>
/// <para>Objective, with <c>zᵢ = wᵀxᵢ + b</c>, <c>aᵢ = σ(zᵢ)</c> and labels <c>yᵢ ∈ {0, 1}</c> (lecture notes 001, negative log-likelihood):
/// <c>J(w, b) = Σᵢ [log(1 + e^{zᵢ}) − yᵢzᵢ] + λ‖w‖²/2</c>; the intercept is not penalised.</para>
/// <para>Gradient (notes 001, <c>dJ/dz = a − y</c>): <c>∇_w = X(a − y) + λw</c>, <c>∇_b = Σᵢ(aᵢ − yᵢ)</c>.
/// Hessian: <c>H = X̃ S X̃ᵀ + λ·diag(1, …, 1, 0)</c> with <c>X̃ = [X; 1ᵀ]</c> and <c>S = diag(aᵢ(1 − aᵢ))</c>
/// (Hastie, Tibshirani &amp; Friedman, <em>The Elements of Statistical Learning</em>, 2nd ed., §4.4.1).</para>
/// <para>Each step solves <c>H·Δ = ∇</c> by Cholesky (<see cref="Blas.Potrf"/>, <see cref="Blas.Potrs"/>) and moves <c>θ ← θ − t·Δ</c>, halving t from 1 until the Armijo condition
/// <c>J(θ − tΔ) ≤ J(θ) − 10⁻⁴·t·∇ᵀΔ</c> holds (Nocedal &amp; Wright, <em>Numerical Optimization</em>, 2nd ed., Alg. 3.1).
/// The run stops when <c>max|∇| ≤</c> <see cref="LogisticRegressionOptions.GradientTolerance"/>.</para>
/// <para>Cost per step: the Hessian's product, <c>n·(d+1)²/2</c> multiply-adds over its lower triangle, dominates; the rest is
/// O(n·d + d³). By default that product runs in float32 (see <see cref="LogisticRegressionOptions.HessianPrecision"/>), formed
/// chunk by chunk in the same pass over the samples as the gradient, on all cores; with <see cref="Models.Precision.Float64"/> it
/// goes through <see cref="Blas.Syrk"/>. The sums over the samples are split in groups fixed by n alone, so the result does not
/// depend on the number of cores.</para>
/// </remarks>
public static class LogisticRegressionNewton
{
    // Bytes of the float64 Hessian's scaled-sample panel handed to one Syrk call. Few long calls let the backend run its packed kernel at full
    // speed over a long inner dimension: with 256-sample panels the ~47 calls per Hessian re-read and re-mirror the (d+1)²
    // result each time and ran at half speed, and on 12,000 × 785 one call over all samples took 98 ms against 131 ms
    // for three 4,096-sample calls. The panel is capped so that large data sets are still taken in pieces.
    private const long PanelBytes = 128L << 20;

    private const double ArmijoConstant = 1e-4;

    private const double SmallestStep = 1e-10;

    // Near the optimum the predicted decrease ∇ᵀΔ falls below the rounding error of a sum over n samples, and Armijo
    // cannot tell better from worse. Then a step is accepted if the objective changed by no more than this relative
    // amount and max|∇| shrank (the safeguard of scikit-learn's Newton solvers, sklearn/linear_model/_glm/_newton_solver.py).
    private const double RoundingSlack = 100 * 2.220446049250313e-16; // 100 machine epsilons (2⁻⁵²)

    /// <summary>Fits w and b by Newton's method from <c>w = 0, b = 0</c> (see the class remarks for the maths).</summary>
    /// <param name="features">The samples, features × samples column-major: sample i is the contiguous block <c>[i·d, (i+1)·d)</c>
    /// (the same memory as a row-major samples × features array). Length <c>d·n</c>.</param>
    /// <param name="featureCount">The number of features d.</param>
    /// <param name="labels">The n labels, each exactly 0 or 1.</param>
    /// <param name="options">The L2 strength and stopping rules; <see cref="LogisticRegressionOptions.Default"/> when null.</param>
    /// <returns>The fitted model and the record of the fit. A singular Hessian, an exhausted step budget or a failed line search
    /// are reported in <see cref="LogisticRegressionResult.Outcome"/>, not thrown.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureCount"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">There are no labels, the sizes do not match, a feature is NaN or infinite, or a label is not 0 or 1.</exception>
    public static LogisticRegressionResult Fit(ReadOnlySpan<double> features, int featureCount, ReadOnlySpan<double> labels, LogisticRegressionOptions? options = null)
    {
        options ??= LogisticRegressionOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        var n = labels.Length;
        if (n == 0)
        {
            throw new ArgumentException("labels are empty: there is nothing to fit.", nameof(labels));
        }

        if (features.Length != (long)featureCount * n)
        {
            throw new ArgumentException($"features hold {features.Length} values but featureCount {featureCount} × {n} labels needs {(long)featureCount * n}.", nameof(features));
        }

        var bad = IrlsPasses.IndexOfNonFinite(features);
        if (bad >= 0)
        {
            throw new ArgumentException($"features contain {features[bad]} at feature {bad % featureCount} of sample {bad / featureCount}: every value must be finite.", nameof(features));
        }

        for (var i = 0; i < n; i++)
        {
            if (labels[i] is not (0.0 or 1.0))
            {
                throw new ArgumentException($"labels[{i}] is {labels[i]} but labels must be 0 or 1.", nameof(labels));
            }
        }

        return Run(features, featureCount, labels, options);
    }

    private static unsafe LogisticRegressionResult Run(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> y, LogisticRegressionOptions options)
    {
        fixed (double* xp = x, yp = y)
        {
            return Run(x, xp, d, yp, y.Length, options);
        }
    }

    // The features and labels are pinned (xp, yp) for the passes split over the cores.
    private static unsafe LogisticRegressionResult Run(ReadOnlySpan<double> x, double* xp, int d, double* yp, int n, LogisticRegressionOptions options)
    {
        var y = new ReadOnlySpan<double>(yp, n);
        var p = d + 1; // θ = [w; b]
        var lambda = options.Lambda;
        var theta = new double[p];
        var z = new double[n]; // the margins at θ = 0 are all 0
        var a = new double[n];
        var gradient = new double[p];
        var direction = new double[n];
        var step = new double[p];
        var candidate = new double[n];
        var hessian = new double[p * p];
        var single = options.HessianPrecision == Models.Precision.Float32;
        double[]? doublePanel = null;
        using var sums = new IrlsPasses.Sums(p, n);
        var trialTheta = new double[p];
        var trialA = new double[n];
        var trialGradient = new double[p];
        var trace = ImmutableArray.CreateBuilder<IrlsStep>();

        for (var iteration = 0; ; iteration++)
        {
            var objective = Objective(z, y, theta.AsSpan(0, d), lambda);

            // The float32 Hessian is formed in the gradient's pass (each xᵢ read once for both) unless this step is predicted
            // to end the fit, where it would be thrown away; a wrong guess only costs time, never changes a bit.
            var formed = single && !PredictsConvergence(trace, options.GradientTolerance);
            IrlsPasses.GradientAndHessian(xp, d, yp, z, theta, lambda, a, gradient, sums, formed ? hessian : null);
            var gmax = Math.Abs(TensorPrimitives.MaxMagnitude<double>(gradient));

            if (gmax <= options.GradientTolerance)
            {
                return Finish(theta, d, objective, gmax, trace, LogisticRegressionOutcome.Converged, null);
            }

            if (iteration == options.MaxIterations)
            {
                return Finish(theta, d, objective, gmax, trace, LogisticRegressionOutcome.NotConverged,
                    Format($"Not converged after {iteration} Newton steps: max|grad| is {gmax:G4}, above the tolerance {options.GradientTolerance:G4}."));
            }

            if (single && !formed)
            {
                // The same pass again, now forming the Hessian: the gradient comes out the same bits.
                IrlsPasses.GradientAndHessian(xp, d, yp, z, theta, lambda, a, gradient, sums, hessian);
            }

            // A float32 Hessian that fails (not positive definite, or no decrease along its direction) hands this step and
            // every later one to the float64 Hessian.
            var failedMinor = single ? SolveCholesky(hessian, p, gradient, step) : DoubleStep(x, d, a, lambda, gradient, ref doublePanel, hessian, step);
            if (failedMinor != 0 && single)
            {
                single = false;
                failedMinor = DoubleStep(x, d, a, lambda, gradient, ref doublePanel, hessian, step);
            }

            if (failedMinor != 0)
            {
                return Finish(theta, d, objective, gmax, trace, LogisticRegressionOutcome.Singular,
                    Format($"The {p}×{p} Hessian at Newton step {iteration + 1} is not numerically positive definite (λ = {lambda:G4}): {(failedMinor > 0 ? $"its Cholesky factorisation failed at leading minor {failedMinor}" : "the Cholesky solve overflowed")}."));
            }

            var accepted = LineSearch(xp, d, yp, z, theta, gradient, step, lambda, objective, gmax, direction, candidate, trialTheta, trialA, trialGradient, sums);
            if (accepted == 0 && single)
            {
                single = false;
                failedMinor = DoubleStep(x, d, a, lambda, gradient, ref doublePanel, hessian, step);
                if (failedMinor != 0)
                {
                    return Finish(theta, d, objective, gmax, trace, LogisticRegressionOutcome.Singular,
                        Format($"The {p}×{p} Hessian at Newton step {iteration + 1} is not numerically positive definite (λ = {lambda:G4}): {(failedMinor > 0 ? $"its Cholesky factorisation failed at leading minor {failedMinor}" : "the Cholesky solve overflowed")}."));
                }

                accepted = LineSearch(xp, d, yp, z, theta, gradient, step, lambda, objective, gmax, direction, candidate, trialTheta, trialA, trialGradient, sums);
            }

            if (accepted == 0)
            {
                return Finish(theta, d, objective, gmax, trace, LogisticRegressionOutcome.NotConverged,
                    Format($"The line search at Newton step {iteration + 1} found no decrease of the objective {objective:R} down to step length {SmallestStep:G2} (max|grad| {gmax:G4})."));
            }

            TensorPrimitives.MultiplyAdd(step, -accepted, theta, theta);

            // The accepted trial margins z − t·u are the margins at the new θ (z is linear in θ): no pass over X is needed.
            TensorPrimitives.MultiplyAdd(direction, -accepted, z, z);
            trace.Add(new IrlsStep(objective, gmax, accepted));
        }
    }

    // Whether the next max|∇| is expected at or below the tolerance. Near the minimum Newton's method converges quadratically,
    // g_{k+1} ≈ C·g_k², and the last two steps estimate C ≈ g_k/g_{k−1}², so g_{k+1} ≈ g_k³/g_{k−1}² (on this job's fit the
    // guess was 6.1e-8 where 5.4e-8 came out, and 3.3e-3 for 2.6e-3 one step earlier).
    private static bool PredictsConvergence(ImmutableArray<IrlsStep>.Builder trace, double tolerance)
    {
        if (trace.Count < 2)
        {
            return false;
        }

        var (before, last) = (trace[^2].MaxAbsGradient, trace[^1].MaxAbsGradient);
        return last < before && last * last * last / (before * before) <= tolerance;
    }

    // Δ = H⁻¹∇ with H formed in float64 (panel allocated on first use); returns 0 or SolveCholesky's failure code.
    private static int DoubleStep(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> a, double lambda, double[] gradient, ref double[]? panel, double[] hessian, double[] step)
    {
        var p = d + 1;
        panel ??= new double[p * PanelSamples(p, a.Length, sizeof(double))];
        Hessian(x, d, a, lambda, panel, hessian);
        return SolveCholesky(hessian, p, gradient, step);
    }

    // Backtracking along θ − tΔ: returns the accepted t, or 0 when none down to SmallestStep is. Along the line the margins
    // move linearly, z(t) = z − t·u with u = XᵀΔ_w + Δ_b (left in direction), so each trial costs O(n).
    internal static unsafe double LineSearch(double* x, int d, double* yp, ReadOnlySpan<double> z, double[] theta, double[] gradient, double[] step, double lambda, double objective, double gmax, double[] direction, double[] candidate, double[] trialTheta, double[] trialA, double[] trialGradient, IrlsPasses.Sums sums)
    {
        var y = new ReadOnlySpan<double>(yp, z.Length);
        IrlsPasses.Margins(x, d, step, direction);
        var slope = Reductions.Dot<double>(gradient, step);
        var wSpan = theta.AsSpan(0, d);
        var dw = step.AsSpan(0, d);
        for (var t = 1.0; t >= SmallestStep; t *= 0.5)
        {
            TensorPrimitives.MultiplyAdd(direction, -t, z, candidate);
            var trial = Loss(candidate, y) + PenaltyAlong(wSpan, dw, t, lambda);
            if (trial <= objective - (ArmijoConstant * t * slope) ||
                (Math.Abs(trial - objective) <= RoundingSlack * Math.Abs(objective) && GradientShrinks(x, d, yp, candidate, theta, step, t, lambda, gmax, trialTheta, trialA, trialGradient, sums)))
            {
                return t;
            }
        }

        return 0;
    }

    private static LogisticRegressionResult Finish(double[] theta, int d, double objective, double gmax, ImmutableArray<IrlsStep>.Builder trace, LogisticRegressionOutcome outcome, string? failure) =>
        new()
        {
            Weights = ImmutableCollectionsMarshal.AsImmutableArray(theta[..d]),
            Intercept = theta[d],
            Objective = objective,
            MaxAbsGradient = gmax,
            Trace = trace.ToImmutable(),
            Outcome = outcome,
            Failure = failure,
        };

    // Whether max|∇| at θ − tΔ (margins already in z) is below gmax.
    private static unsafe bool GradientShrinks(double* x, int d, double* y, double[] z, ReadOnlySpan<double> theta, ReadOnlySpan<double> step, double t, double lambda, double gmax, double[] trialTheta, double[] a, double[] gradient, IrlsPasses.Sums sums)
    {
        TensorPrimitives.MultiplyAdd(step, -t, theta, trialTheta);
        IrlsPasses.GradientAndHessian(x, d, y, z, trialTheta, lambda, a, gradient, sums, null);
        return Math.Abs(TensorPrimitives.MaxMagnitude<double>(gradient)) < gmax;
    }

    // Σᵢ log(1 + e^{zᵢ}) − yᵢzᵢ + λ‖w‖²/2.
    internal static double Objective(ReadOnlySpan<double> z, ReadOnlySpan<double> y, ReadOnlySpan<double> w, double lambda) =>
        Loss(z, y) + (0.5 * lambda * Reductions.Dot(w, w));

    // λ‖w − tΔ_w‖²/2.
    private static double PenaltyAlong(ReadOnlySpan<double> w, ReadOnlySpan<double> dw, double t, double lambda)
    {
        var sum = 0.0;
        for (var j = 0; j < w.Length; j++)
        {
            var v = w[j] - (t * dw[j]);
            sum += v * v;
        }

        return 0.5 * lambda * sum;
    }

    // log(1 + e^z) computed as max(z, 0) + log1p(e^{−|z|}), which neither overflows nor loses small values.
    private static double Loss(ReadOnlySpan<double> z, ReadOnlySpan<double> y)
    {
        var sum = 0.0;
        for (var i = 0; i < z.Length; i++)
        {
            var zi = z[i];
            sum += Math.Max(zi, 0) + Math.Log(1 + Math.Exp(-Math.Abs(zi))) - (y[i] * zi);
        }

        return sum;
    }

    private static int PanelSamples(int p, int n, int bytesPerValue) => (int)Math.Clamp(PanelBytes / ((long)bytesPerValue * p), 1, n);

    // H = X̃ S X̃ᵀ + λ·diag(1, …, 1, 0): each panel column is √sᵢ·[xᵢ; 1], and H accumulates panel·panelᵀ through Syrk.
    internal static void Hessian(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> a, double lambda, Span<double> panel, Span<double> hessian)
    {
        var p = d + 1;
        var n = a.Length;
        var beta = 0.0;
        var panelSamples = PanelSamples(p, n, sizeof(double));
        for (var start = 0; start < n; start += panelSamples)
        {
            var count = Math.Min(panelSamples, n - start);
            for (var j = 0; j < count; j++)
            {
                var ai = a[start + j];
                var root = Math.Sqrt(ai * (1 - ai));
                var column = panel.Slice(j * p, p);
                TensorPrimitives.Multiply(x.Slice((start + j) * d, d), root, column[..d]);
                column[d] = root;
            }

            Blas.Syrk(Transpose.No, p, count, 1.0, panel[..(p * count)], p, beta, hessian, p);
            beta = 1.0;
        }

        for (var j = 0; j < d; j++)
        {
            hessian[j + (j * p)] += lambda;
        }
    }

    // Solves HΔ = g by Cholesky (LAPACK dpotrf + dpotrs through the BLAS seam), overwriting H with its factor. Returns 0, or the
    // order of the leading minor that is not numerically positive definite, or −1 when the solve overflows to a non-finite step.
    internal static int SolveCholesky(double[] hessian, int p, double[] gradient, double[] step)
    {
        var failed = Blas.Potrf(p, hessian, p);
        if (failed != 0)
        {
            return failed;
        }

        gradient.CopyTo(step, 0);
        Blas.Potrs(p, 1, hessian, p, step, p);
        return IrlsPasses.IndexOfNonFinite(step) < 0 ? 0 : -1;
    }

    private static string Format(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
