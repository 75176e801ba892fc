using System.Numerics;

namespace Nn.Initialization;

/// <summary>
/// How a layer's weights are drawn. Biases always start at zero: the random weights already break the symmetry
/// between hidden units (lecture 002: initialise randomly, never all zeros).
/// </summary>
public abstract record Initializer
{
    private protected Initializer()
    {
    }

    /// <summary>Xavier (Glorot) normal as in lecture 002: N(0, σ²) with σ = √(2 / (n_in + n_out)).</summary>
    public static Initializer XavierNormal { get; } = new NormalInitializer("xavier_normal", (fanIn, fanOut) => Math.Sqrt(2.0 / (fanIn + fanOut)));

    /// <summary>Xavier (Glorot) uniform: U(−r, r) with r = √(6 / (n_in + n_out)) (Glorot and Bengio 2010).</summary>
    public static Initializer XavierUniform { get; } = new UniformInitializer("xavier_uniform", (fanIn, fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut)));

    /// <summary>He normal: N(0, σ²) with σ = √(2 / n_in), suited to ReLU layers (He et al. 2015).</summary>
    public static Initializer He { get; } = new NormalInitializer("he", (fanIn, _) => Math.Sqrt(2.0 / fanIn));

    /// <summary>
    /// U(−r, r) with r = √(1 / n_in): the distribution PyTorch's <c>nn.Linear</c> draws its weights from by default
    /// (Kaiming uniform with a = √5), so benchmarks against it start from the same weight scale. The name follows the
    /// 1/√n_in scaling of LeCun et al. (1998); note that the variance here is r²/3 = 1/(3·n_in), a third of the
    /// 1/n_in that paper recommends (Keras's <c>lecun_uniform</c> uses r = √(3 / n_in)).
    /// </summary>
    public static Initializer LeCunUniform { get; } = new UniformInitializer("lecun_uniform", (fanIn, _) => Math.Sqrt(1.0 / fanIn));

    /// <summary>U(−0.1, 0.1), the small uniform initialisation of lecture 002.</summary>
    public static Initializer SmallUniform { get; } = new UniformInitializer("uniform", (_, _) => 0.1);

    /// <summary>
    /// All weights zero. Only for demonstrating symmetry: every hidden unit of a layer computes the same value and
    /// receives the same gradient, so they stay identical forever. Training refuses such a network unless asked
    /// explicitly (see <see cref="Layers.Network{T}.FindSymmetricHiddenUnits"/>).
    /// </summary>
    public static Initializer Zeros { get; } = new ZeroInitializer();

    /// <summary>The stable name used in messages and model metadata.</summary>
    public abstract string Name { get; }

    /// <summary>Looks an initialiser up by its <see cref="Name"/>.</summary>
    /// <exception cref="ArgumentException">No initialiser has that name.</exception>
    public static Initializer FromName(string name) => name switch
    {
        "xavier_normal" => XavierNormal,
        "xavier_uniform" => XavierUniform,
        "he" => He,
        "uniform" => SmallUniform,
        "lecun_uniform" => LeCunUniform,
        "zeros" => Zeros,
        _ => throw new ArgumentException($"Unknown initializer '{name}': expected xavier_normal, xavier_uniform, he, lecun_uniform, uniform or zeros.", nameof(name)),
    };

    /// <summary>Fills <paramref name="weights"/> (a fanOut × fanIn matrix, any order) and returns the advanced generator.</summary>
    public abstract Rng Fill<T>(Span<T> weights, int fanIn, int fanOut, Rng rng)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed record NormalInitializer(string Label, Func<int, int, double> Sigma) : Initializer
    {
        public override string Name => Label;

        public override Rng Fill<T>(Span<T> weights, int fanIn, int fanOut, Rng rng)
        {
            var sigma = Sigma(fanIn, fanOut);
            for (var i = 0; i < weights.Length; i++)
            {
                (var z, rng) = rng.NextNormal();
                weights[i] = T.CreateTruncating(sigma * z);
            }

            return rng;
        }
    }

    private sealed record UniformInitializer(string Label, Func<int, int, double> Radius) : Initializer
    {
        public override string Name => Label;

        public override Rng Fill<T>(Span<T> weights, int fanIn, int fanOut, Rng rng)
        {
            var r = Radius(fanIn, fanOut);
            for (var i = 0; i < weights.Length; i++)
            {
                (var u, rng) = rng.NextDouble();
                weights[i] = T.CreateTruncating(((2 * u) - 1) * r);
            }

            return rng;
        }
    }

    private sealed record ZeroInitializer : Initializer
    {
        public override string Name => "zeros";

        public override Rng Fill<T>(Span<T> weights, int fanIn, int fanOut, Rng rng)
        {
            weights.Clear();
            return rng;
        }
    }
}
