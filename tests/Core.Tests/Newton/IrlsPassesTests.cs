using Nn.LinearAlgebra;
using Nn.Newton;

namespace Nn.Tests.Newton;

public sealed class IrlsPassesTests
{
    // 700 samples (six chunks in four groups, the last chunk short) of 37 features: p = 38 is no multiple of the 32 × 12 tile.
    private const int N = 700;
    private const int D = 37;
    private const double Lambda = 0.7;

    private static (double[] X, double[] Y, double[] Z, double[] Theta) Problem(int seed = 3)
    {
        var random = new Random(seed);
        var x = new double[N * D];
        for (var i = 0; i < x.Length; i++)
        {
            // About a third exact zeros, as in image data.
            x[i] = random.Next(3) == 0 ? 0 : (random.NextDouble() * 2) - 1;
        }

        var theta = Enumerable.Range(0, D + 1).Select(_ => (random.NextDouble() - 0.5) * 0.8).ToArray();
        var z = new double[N];
        for (var i = 0; i < N; i++)
        {
            z[i] = theta[D] + Enumerable.Range(0, D).Sum(j => theta[j] * x[(i * D) + j]);
        }

        var y = Enumerable.Range(0, N).Select(_ => (double)random.Next(2)).ToArray();
        return (x, y, z, theta);
    }

    private static unsafe (double[] A, double[] Gradient, double[] Hessian) Pass(double[] x, double[] y, double[] z, double[] theta, bool hessian = true)
    {
        var a = new double[N];
        var gradient = new double[D + 1];
        var h = hessian ? new double[(D + 1) * (D + 1)] : null;
        using var sums = new IrlsPasses.Sums(D + 1, N);
        fixed (double* xp = x, yp = y)
        {
            IrlsPasses.GradientAndHessian(xp, D, yp, z, theta, Lambda, a, gradient, sums, h);
        }

        return (a, gradient, h ?? []);
    }

    [Fact]
    public void TheOnePassGradientAndFloat32HessianAgreeWithTheDefinitionsWithinRounding()
    {
        var (x, y, z, theta) = Problem();
        var (a, gradient, hessian) = Pass(x, y, z, theta);

        const int p = D + 1;
        double Feature(int i, int j) => j < D ? x[(i * D) + j] : 1.0;
        for (var i = 0; i < N; i++)
        {
            Assert.Equal(1 / (1 + Math.Exp(-z[i])), a[i], 1e-15);
        }

        // Gradient in float64: λw + Σᵢ(aᵢ − yᵢ)x̃ᵢ, error at most (n + 2)·ε₆₄ times the sum of magnitudes.
        for (var j = 0; j < p; j++)
        {
            double sum = j < D ? Lambda * theta[j] : 0, magnitude = Math.Abs(sum);
            for (var i = 0; i < N; i++)
            {
                var term = (a[i] - y[i]) * Feature(i, j);
                sum += term;
                magnitude += Math.Abs(term);
            }

            Assert.InRange(Math.Abs(gradient[j] - sum), 0, (N + 2) * Math.Pow(2, -52) * magnitude);
        }

        // Hessian: Σᵢ sᵢx̃ᵢx̃ᵢᵀ + λ·diag(1, …, 1, 0), its product in float32: each factor √sᵢx̃ᵢⱼ rounded once, then sums of
        // n products, so the error is at most (n + 4)·ε₃₂·Σᵢ sᵢ|x̃ᵢⱼx̃ᵢₖ| (Higham §3.5); λ is added in float64.
        var eps32 = Math.Pow(2, -23);
        var worst = 0.0;
        for (var k = 0; k < p; k++)
        {
            for (var j = k; j < p; j++)
            {
                double sum = 0, magnitude = 0;
                for (var i = 0; i < N; i++)
                {
                    var term = a[i] * (1 - a[i]) * Feature(i, j) * Feature(i, k);
                    sum += term;
                    magnitude += Math.Abs(term);
                }

                if (j == k && j < D)
                {
                    sum += Lambda;
                }

                var error = Math.Abs(hessian[j + (k * p)] - sum);
                Assert.True(error <= (N + 4) * eps32 * magnitude, $"H[{j}, {k}] is {hessian[j + (k * p)]} but the definition gives {sum}");
                worst = Math.Max(worst, error / magnitude);
            }
        }

        // The product really is float32: far from float64 agreement, well within the float32 bound.
        Assert.InRange(worst, 1e-12, N * eps32);
    }

    [Fact]
    public void TheGradientAloneIsTheSameBitsAsAlongsideTheHessian()
    {
        var (x, y, z, theta) = Problem(seed: 5);
        var alone = Pass(x, y, z, theta, hessian: false);
        var along = Pass(x, y, z, theta);

        Assert.Equal(alone.Gradient, along.Gradient);
        Assert.Equal(alone.A, along.A);
    }

    [Fact]
    public void EveryPathOfTheManagedKernelGivesTheSameHessianBits()
    {
        var (x, y, z, theta) = Problem(seed: 7);
        double[] Lower(IBlasBackend backend)
        {
            using var scope = Blas.Use(backend);
            var h = Pass(x, y, z, theta).Hessian;
            return [.. Enumerable.Range(0, D + 1).SelectMany(k => Enumerable.Range(k, D + 1 - k).Select(j => h[j + (k * (D + 1))]))];
        }

        // The default packs the chunks for the 512-bit tile where it can; the others multiply plain columns through the kernel.
        var packed = Lower(SimdBlas.Instance);
        Assert.Equal(packed, Lower(SimdBlas.Vector256Tiles));
        Assert.Equal(packed, Lower(SimdBlas.PlainLoops));
    }

    [Fact]
    public unsafe void MarginsAreEverySamplesDotProductPlusTheIntercept()
    {
        var (x, _, z, theta) = Problem(seed: 9);
        var margins = new double[N];
        fixed (double* xp = x)
        {
            IrlsPasses.Margins(xp, D, theta, margins);
        }

        for (var i = 0; i < N; i++)
        {
            Assert.Equal(z[i], margins[i], 1e-13);
            Assert.Equal(Reductions.Dot<double>(x.AsSpan(i * D, D), theta.AsSpan(0, D)) + theta[D], margins[i]);
        }
    }

    [Fact]
    public void TheFirstNonFiniteValueIsFoundWhicheverPartItFallsIn()
    {
        var values = Enumerable.Range(0, 100_003).Select(i => i * 1e-3).ToArray();
        Assert.Equal(-1, IrlsPasses.IndexOfNonFinite(values));

        values[99_999] = double.NegativeInfinity;
        Assert.Equal(99_999, IrlsPasses.IndexOfNonFinite(values));

        values[70_001] = double.NaN;
        Assert.Equal(70_001, IrlsPasses.IndexOfNonFinite(values));

        values[3] = double.PositiveInfinity;
        Assert.Equal(3, IrlsPasses.IndexOfNonFinite(values));

        Assert.Equal(2, IrlsPasses.IndexOfNonFinite([1.0, double.MaxValue, double.NaN]));
    }

    [Fact]
    public void ThePlainLoopsReachTheSameMinimumAsThePackedTiles()
    {
        var (x, _, z, _) = Problem(seed: 11);
        var random = new Random(13);
        var y = z.Select(zi => random.NextDouble() < 1 / (1 + Math.Exp(-3 * zi)) ? 1.0 : 0.0).ToArray();
        LogisticRegressionResult Fit(IBlasBackend backend)
        {
            using var scope = Blas.Use(backend);
            return LogisticRegressionNewton.Fit(x, D, y, new LogisticRegressionOptions { Lambda = Lambda, GradientTolerance = 1e-9 });
        }

        var packed = Fit(SimdBlas.Instance);
        var plain = Fit(SimdBlas.PlainLoops);

        Assert.Equal(LogisticRegressionOutcome.Converged, packed.Outcome);
        Assert.True(packed.Iterations >= 3, $"expected several Newton steps, got {packed.Iterations}");

        Assert.Equal(LogisticRegressionOutcome.Converged, plain.Outcome);
        Assert.Equal(packed.Objective, plain.Objective, 1e-9);
        Assert.All(packed.Weights.Zip(plain.Weights), pair => Assert.Equal(pair.First, pair.Second, 1e-9));
    }

    [Fact]
    public void RepeatedFitsOnBothCoresGiveTheSameBits()
    {
        // 6,000 × 120: enough work that every pass is shared over the cores; fresh copies of the data each time, so the
        // arrays lie at other addresses.
        const int n = 6000, d = 120;
        var random = new Random(21);
        var x = Enumerable.Range(0, n * d).Select(_ => random.Next(3) == 0 ? 0 : random.NextDouble()).ToArray();
        var w = Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray();
        var y = Enumerable.Range(0, n).Select(i => random.NextDouble() < 1 / (1 + Math.Exp(-Enumerable.Range(0, d).Sum(j => w[j] * x[(i * d) + j]))) ? 1.0 : 0.0).ToArray();
        var options = new LogisticRegressionOptions { Lambda = 1, GradientTolerance = 1e-8 };

        var first = LogisticRegressionNewton.Fit(x.ToArray(), d, y.ToArray(), options);
        Assert.Equal(LogisticRegressionOutcome.Converged, first.Outcome);
        for (var run = 0; run < 8; run++)
        {
            var again = LogisticRegressionNewton.Fit(x.ToArray(), d, y.ToArray(), options);
            Assert.Equal(first.Iterations, again.Iterations);
            Assert.Equal(BitConverter.DoubleToInt64Bits(first.Intercept), BitConverter.DoubleToInt64Bits(again.Intercept));
            Assert.Equal(first.Weights.Select(BitConverter.DoubleToInt64Bits), again.Weights.Select(BitConverter.DoubleToInt64Bits));
        }
    }
}
