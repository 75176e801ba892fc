using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Training;

/// <summary>
/// An optimizer step applied in place to buffers a training loop owns — the allocation-free form of the
/// optimizer recipes, used by <see cref="FastTrainer"/>. Each kind states its update; all of them add the update
/// to the parameters, and only the learning rate carries the minus sign.
/// </summary>
public abstract record InPlaceOptimizer
{
    private protected InPlaceOptimizer()
    {
    }

    /// <summary>The learning rate α.</summary>
    public abstract double LearningRate { get; }

    /// <summary>Plain stochastic gradient descent: θ ← θ − α·g.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive and finite.</exception>
    public static InPlaceOptimizer Sgd(double learningRate) => new SgdStep(Positive(learningRate, nameof(learningRate)));

    /// <summary>Heavy-ball momentum (Polyak 1964): v ← g + μ·v, θ ← θ − α·v.</summary>
    /// <exception cref="ArgumentOutOfRangeException">α is not positive or μ is outside [0, 1).</exception>
    public static InPlaceOptimizer Momentum(double learningRate, double momentum = 0.9) =>
        new MomentumStep(Positive(learningRate, nameof(learningRate)), Fraction(momentum, nameof(momentum)));

    /// <summary>
    /// Adam (Kingma and Ba 2015) with decoupled weight decay λ (Loshchilov and Hutter 2019; λ = 0 is plain Adam):
    /// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − α·(m̂ / (√v̂ + ε) + λθ) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
    public static InPlaceOptimizer Adam(double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0) =>
        new AdamStep(Positive(learningRate, nameof(learningRate)), Fraction(beta1, nameof(beta1)), Fraction(beta2, nameof(beta2)), Positive(epsilon, nameof(epsilon)), NonNegative(weightDecay, nameof(weightDecay)));

    /// <summary>The number of state buffers per parameter buffer (0 for SGD, 1 for momentum, 2 for Adam).</summary>
    internal abstract int StateBuffers { get; }

    /// <summary>Applies step <paramref name="t"/> (1-based) to one parameter buffer with its gradient and state.</summary>
    internal abstract void Apply<T>(Span<T> theta, ReadOnlySpan<T> gradient, Span<T> state0, Span<T> state1, Span<T> scratch, int t)
        where T : unmanaged, IFloatingPointIeee754<T>;

    private static double Positive(double value, string name) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite but is {value}.");

    private static double NonNegative(double value, string name) =>
        double.IsFinite(value) && value >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be non-negative and finite but is {value}.");

    private static double Fraction(double value, string name) =>
        value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1) but is {value}.");

    private sealed record SgdStep(double Rate) : InPlaceOptimizer
    {
        public override double LearningRate => Rate;

        internal override int StateBuffers => 0;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        internal override void Apply<T>(Span<T> theta, ReadOnlySpan<T> gradient, Span<T> state0, Span<T> state1, Span<T> scratch, int t)
        {
            // θ ← θ + (−α)·g, the same rounding as Parameters.AddScaled (a product, then a sum; no fused multiply-add).
            var step = -T.CreateTruncating(Rate);
            var i = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                var s = new Vector<T>(step);
                for (; i <= theta.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    ((new Vector<T>(gradient[i..]) * s) + new Vector<T>(theta[i..])).CopyTo(theta[i..]);
                }
            }

            for (; i < theta.Length; i++)
            {
                theta[i] = (gradient[i] * step) + theta[i];
            }
        }
    }

    private sealed record MomentumStep(double Rate, double Mu) : InPlaceOptimizer
    {
        public override double LearningRate => Rate;

        internal override int StateBuffers => 1;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]

        internal override void Apply<T>(Span<T> theta, ReadOnlySpan<T> gradient, Span<T> state0, Span<T> state1, Span<T> scratch, int t)
        {
            TensorPrimitives.MultiplyAdd(state0, T.CreateTruncating(Mu), gradient, state0);
            TensorPrimitives.MultiplyAdd(state0, -T.CreateTruncating(Rate), theta, theta);
        }
    }

    private sealed record AdamStep(double Rate, double Beta1, double Beta2, double Epsilon, double WeightDecay) : InPlaceOptimizer
    {
        public override double LearningRate => Rate;

        internal override int StateBuffers => 2;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]

        internal override void Apply<T>(Span<T> theta, ReadOnlySpan<T> gradient, Span<T> m, Span<T> v, Span<T> scratch, int t)
        {
            // One fused pass: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − (α/c₁)·(m / (√v/√c₂ + ε) + c₁λθ),
            // with bias corrections cᵢ = 1 − βᵢᵗ computed in float64.
            var c1 = 1 - Math.Pow(Beta1, t);
            var c2 = 1 - Math.Pow(Beta2, t);
            var b1 = T.CreateTruncating(Beta1);
            var b2 = T.CreateTruncating(Beta2);
            var oneMinusB1 = T.One - b1;
            var oneMinusB2 = T.One - b2;
            var invSqrtC2 = T.CreateTruncating(1 / Math.Sqrt(c2));
            var eps = T.CreateTruncating(Epsilon);
            var decay = T.CreateTruncating(WeightDecay * c1);
            var step = -T.CreateTruncating(Rate / c1);
            var i = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                for (; i <= theta.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var g = new Vector<T>(gradient[i..]);
                    var mv = (new Vector<T>(m[i..]) * b1) + (g * oneMinusB1);
                    var vv = (new Vector<T>(v[i..]) * b2) + (g * g * oneMinusB2);
                    var th = new Vector<T>(theta[i..]);
                    var update = (mv / ((System.Numerics.Vector.SquareRoot(vv) * invSqrtC2) + new Vector<T>(eps))) + (th * decay);
                    mv.CopyTo(m[i..]);
                    vv.CopyTo(v[i..]);
                    (th + (update * step)).CopyTo(theta[i..]);
                }
            }

            for (; i < theta.Length; i++)
            {
                var g = gradient[i];
                m[i] = (m[i] * b1) + (g * oneMinusB1);
                v[i] = (v[i] * b2) + (g * g * oneMinusB2);
                var update = (m[i] / ((T.Sqrt(v[i]) * invSqrtC2) + eps)) + (theta[i] * decay);
                theta[i] += update * step;
            }
        }
    }
}
