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
/// O(n·d + d³). By default that product runs in float32 on the float32 backend (see
/// <see cref="LogisticRegressionOptions.HessianPrecision"/>); with <see cref="Models.Precision.Float64"/> it goes through
/// <see cref="Blas.Syrk"/>.</para>
/// </remarks>
public static class LogisticRegressionNewton
{
    // Bytes of the scaled-sample panel handed to one Syrk call. Few long calls let the backend run its packed kernel at full
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

        var bad = IndexOfNonFinite(features);
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

    private static LogisticRegressionResult Run(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> y, LogisticRegressionOptions options)
    {
        var n = y.Length;
        var p = d + 1; // θ = [w; b]
        var lambda = options.Lambda;
        var theta = new double[p];
        var z = new double[n];
        var a = new double[n];
        var gradient = new double[p];
        var direction = new double[n];
        var step = new double[p];
        var candidate = new double[n];
        var hessian = new double[p * p];
        var work = new HessianWork(p, n, options.HessianPrecision == Models.Precision.Float32);
        var trialTheta = new double[p];
        var trialA = new double[n];
        var trialGradient = new double[p];
        var trace = ImmutableArray.CreateBuilder<IrlsStep>();

        Margins(x, d, theta, z);
        for (var iteration = 0; ; iteration++)
        {
            var objective = Objective(z, y, theta.AsSpan(0, d), lambda);
            // When the float32 panel holds every sample, the gradient's pass over X also writes the panel's columns
            // √sᵢ·[xᵢ; 1] (each xᵢ read once per step instead of twice); the Hessian then only multiplies.
            var panelFilled = work.Single && work.SinglePanelHoldsAll;
            if (panelFilled)
            {
                Gradient(x, d, y, z, theta, lambda, a, gradient, work.SinglePanel);
            }
            else
            {
                Gradient(x, d, y, z, theta, lambda, a, gradient);
            }
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

            // A float32 Hessian that fails (not positive definite, or no decrease along its direction) hands this step and
            // every later one to the float64 Hessian.
            var failedMinor = NewtonStep(x, d, a, lambda, gradient, work, hessian, step, panelFilled);
            if (failedMinor != 0 && work.Single)
            {
                work.UseDouble();
                failedMinor = NewtonStep(x, d, a, lambda, gradient, work, hessian, step, false);
            }

            if (failedMinor != 0)
            {
                return Finish(theta, d, objective, gmax, trace, LogisticRegressionOutcome.Singular,
                    Format($"The {p}×{p} Hessian at Newton step {iteration + 1} is not numerically positive definite (λ = {lambda:G4}): {(failedMinor > 0 ? $"its Cholesky factorisation failed at leading minor {failedMinor}" : "the Cholesky solve overflowed")}."));
            }

            var accepted = LineSearch(x, d, y, z, theta, gradient, step, lambda, objective, gmax, direction, candidate, trialTheta, trialA, trialGradient);
            if (accepted == 0 && work.Single)
            {
                work.UseDouble();
                failedMinor = NewtonStep(x, d, a, lambda, gradient, work, hessian, step, false);
                if (failedMinor != 0)
                {
                    return Finish(theta, d, objective, gmax, trace, LogisticRegressionOutcome.Singular,
                        Format($"The {p}×{p} Hessian at Newton step {iteration + 1} is not numerically positive definite (λ = {lambda:G4}): {(failedMinor > 0 ? $"its Cholesky factorisation failed at leading minor {failedMinor}" : "the Cholesky solve overflowed")}."));
                }

                accepted = LineSearch(x, d, y, z, theta, gradient, step, lambda, objective, gmax, direction, candidate, trialTheta, trialA, trialGradient);
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

    // Δ = H⁻¹∇ with H in the precision work asks for (panelFilled: the float32 panel already holds every sample's column);
    // returns 0 or SolveCholesky's failure code.
    private static int NewtonStep(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> a, double lambda, double[] gradient, HessianWork work, double[] hessian, double[] step, bool panelFilled)
    {
        if (work.Single)
        {
            SingleHessian(x, d, a, lambda, work.SinglePanel, work.SingleProduct, hessian, panelFilled);
        }
        else
        {
            Hessian(x, d, a, lambda, work.DoublePanel, hessian);
        }

        return SolveCholesky(hessian, d + 1, gradient, step);
    }

    // Backtracking along θ − tΔ: returns the accepted t, or 0 when none down to SmallestStep is. Along the line the margins
    // move linearly, z(t) = z − t·u with u = XᵀΔ_w + Δ_b (left in direction), so each trial costs O(n).
    private static double LineSearch(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> y, ReadOnlySpan<double> z, double[] theta, double[] gradient, double[] step, double lambda, double objective, double gmax, double[] direction, double[] candidate, double[] trialTheta, double[] trialA, double[] trialGradient)
    {
        Margins(x, d, step, direction);
        var slope = TensorPrimitives.Dot<double>(gradient, step);
        var wSpan = theta.AsSpan(0, d);
        var dw = step.AsSpan(0, d);
        for (var t = 1.0; t >= SmallestStep; t *= 0.5)
        {
            TensorPrimitives.MultiplyAdd(direction, -t, z, candidate);
            var trial = Loss(candidate, y) + PenaltyAlong(wSpan, dw, t, lambda);
            if (trial <= objective - (ArmijoConstant * t * slope) ||
                (Math.Abs(trial - objective) <= RoundingSlack * Math.Abs(objective) && GradientShrinks(x, d, y, candidate, theta, step, t, lambda, gmax, trialTheta, trialA, trialGradient)))
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
    private static bool GradientShrinks(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> y, ReadOnlySpan<double> z, ReadOnlySpan<double> theta, ReadOnlySpan<double> step, double t, double lambda, double gmax, Span<double> trialTheta, Span<double> a, Span<double> gradient)
    {
        TensorPrimitives.MultiplyAdd(step, -t, theta, trialTheta);
        Gradient(x, d, y, z, trialTheta, lambda, a, gradient);
        return Math.Abs(TensorPrimitives.MaxMagnitude<double>(gradient)) < gmax;
    }

    // zᵢ = θ_wᵀxᵢ + θ_b for every sample.
    private static void Margins(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> theta, Span<double> z)
    {
        var w = theta[..d];
        var b = theta[d];
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = TensorPrimitives.Dot(x.Slice(i * d, d), w) + b;
        }
    }

    // Σᵢ log(1 + e^{zᵢ}) − yᵢzᵢ + λ‖w‖²/2.
    private static double Objective(ReadOnlySpan<double> z, ReadOnlySpan<double> y, ReadOnlySpan<double> w, double lambda) =>
        Loss(z, y) + (0.5 * lambda * TensorPrimitives.Dot(w, w));

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

    // aᵢ = σ(zᵢ); ∇_w = Σᵢ (aᵢ − yᵢ)xᵢ + λw, ∇_b = Σᵢ (aᵢ − yᵢ).
    private static void Gradient(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> y, ReadOnlySpan<double> z, ReadOnlySpan<double> theta, double lambda, Span<double> a, Span<double> gradient)
    {
        var gw = gradient[..d];
        TensorPrimitives.Multiply(theta[..d], lambda, gw);
        var gb = 0.0;
        for (var i = 0; i < z.Length; i++)
        {
            a[i] = Sigmoid(z[i]);
            var r = a[i] - y[i];
            TensorPrimitives.MultiplyAdd(x.Slice(i * d, d), r, gw, gw);
            gb += r;
        }

        gradient[d] = gb;
    }

    // The same gradient, and in the same pass column i of the float32 panel: √sᵢ·[xᵢ; 1] with sᵢ = aᵢ(1 − aᵢ), as SingleHessian
    // writes it.
    private static void Gradient(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> y, ReadOnlySpan<double> z, ReadOnlySpan<double> theta, double lambda, Span<double> a, Span<double> gradient, float[] panel)
    {
        var p = d + 1;
        var gw = gradient[..d];
        TensorPrimitives.Multiply(theta[..d], lambda, gw);
        var gb = 0.0;
        var scaled = new double[d];
        for (var i = 0; i < z.Length; i++)
        {
            a[i] = Sigmoid(z[i]);
            var r = a[i] - y[i];
            var sample = x.Slice(i * d, d);
            TensorPrimitives.MultiplyAdd(sample, r, gw, gw);
            gb += r;

            var root = Math.Sqrt(a[i] * (1 - a[i]));
            var column = panel.AsSpan(i * p, p);
            TensorPrimitives.Multiply(sample, root, scaled);
            TensorPrimitives.ConvertTruncating<double, float>(scaled, column[..d]);
            column[d] = (float)root;
        }

        gradient[d] = gb;
    }

    private static double Sigmoid(double z)
    {
        if (z >= 0)
        {
            return 1 / (1 + Math.Exp(-z));
        }

        var e = Math.Exp(z);
        return e / (1 + e);
    }

    private static int PanelSamples(int p, int n, int bytesPerValue) => (int)Math.Clamp(PanelBytes / ((long)bytesPerValue * p), 1, n);

    // H = X̃ S X̃ᵀ + λ·diag(1, …, 1, 0): each panel column is √sᵢ·[xᵢ; 1], and H accumulates panel·panelᵀ through Syrk.
    private static void Hessian(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> a, double lambda, Span<double> panel, Span<double> hessian)
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

    // The same H with the product X̃ S X̃ᵀ in float32: the panel columns √sᵢ·[xᵢ; 1] rounded to float32, their lower-triangle
    // product accumulated in float32, then widened to float64 (only the lower triangle: the Cholesky factorisation reads no more).
    private static void SingleHessian(ReadOnlySpan<double> x, int d, ReadOnlySpan<double> a, double lambda, float[] panel, float[] product, Span<double> hessian, bool panelFilled)
    {
        var p = d + 1;
        var n = a.Length;
        var beta = 0f;
        var panelSamples = PanelSamples(p, n, sizeof(float));
        var scaled = new double[d];
        for (var start = 0; start < n; start += panelSamples)
        {
            var count = Math.Min(panelSamples, n - start);
            for (var j = 0; j < (panelFilled ? 0 : count); j++)
            {
                var ai = a[start + j];
                var root = Math.Sqrt(ai * (1 - ai));
                var column = panel.AsSpan(j * p, p);
                TensorPrimitives.Multiply(x.Slice((start + j) * d, d), root, scaled);
                TensorPrimitives.ConvertTruncating<double, float>(scaled, column[..d]);
                column[d] = (float)root;
            }

            SingleSyrkLower(p, count, panel.AsSpan(0, p * count), beta, product);
            beta = 1f;
        }

        for (var j = 0; j < p; j++)
        {
            TensorPrimitives.ConvertTruncating<float, double>(product.AsSpan((j * p) + j, p - j), hessian.Slice((j * p) + j, p - j));
            if (j < d)
            {
                hessian[j + (j * p)] += lambda;
            }
        }
    }

    // The lower triangle of C ← A·Aᵀ + β·C for the p × k float32 panel A, on the current float32 backend: the managed kernel
    // computes only the tiles that touch the lower triangle (half the work); another backend computes the whole product.
    private static void SingleSyrkLower(int p, int k, ReadOnlySpan<float> panel, float beta, Span<float> product)
    {
        var backend = Blas.Current;
        if (backend is SimdBlas)
        {
            PackedGemm.Gemm(Transpose.No, Transpose.Yes, p, p, k, 1f, panel, p, panel, p, beta, product, p, lowerOnly: true);
        }
        else
        {
            Blas.Gemm(Transpose.No, Transpose.Yes, p, p, k, 1f, panel, p, panel, p, beta, product, p);
        }
    }

    // The buffers of the Hessian's product: a float32 panel and product while Single, else a float64 panel (allocated on first use).
    private sealed class HessianWork(int p, int n, bool single)
    {
        private double[]? doublePanel;

        public bool Single { get; private set; } = single;

        public float[] SinglePanel { get; } = single ? new float[p * PanelSamples(p, n, sizeof(float))] : [];

        public float[] SingleProduct { get; } = single ? new float[p * p] : [];

        public bool SinglePanelHoldsAll { get; } = single && PanelSamples(p, n, sizeof(float)) == n;

        public double[] DoublePanel => doublePanel ??= new double[p * PanelSamples(p, n, sizeof(double))];

        public void UseDouble() => Single = false;
    }

    // Solves HΔ = g by Cholesky (LAPACK dpotrf + dpotrs through the BLAS seam), overwriting H with its factor. Returns 0, or the
    // order of the leading minor that is not numerically positive definite, or −1 when the solve overflows to a non-finite step.
    private static int SolveCholesky(double[] hessian, int p, double[] gradient, double[] step)
    {
        var failed = Blas.Potrf(p, hessian, p);
        if (failed != 0)
        {
            return failed;
        }

        gradient.CopyTo(step, 0);
        Blas.Potrs(p, 1, hessian, p, step, p);
        return IndexOfNonFinite(step) < 0 ? 0 : -1;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<double> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Format(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
