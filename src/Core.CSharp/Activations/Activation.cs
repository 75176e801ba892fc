using System.Numerics;

namespace Nn.Activations;

/// <summary>
/// An activation function <c>a = g(z)</c> applied to a layer's pre-activations, with its derivative beside it.
/// </summary>
/// <remarks>
/// <para>Batches are column-major matrices with one observation per column (see <see cref="Layers.Propagation"/>):
/// a span of <c>units × samples</c> values where each run of <c>units</c> values is one observation. Elementwise
/// activations ignore <c>units</c>; <see cref="SoftmaxActivation"/> normalises each column.
/// NaN in <c>z</c> propagates to <c>a</c> and to the gradient.</para>
/// <para><b>Accuracy.</b> Every built-in activation and its first and second derivatives are within a few ulps
/// (relative) of the exact value for every finite input, from the smallest to the largest double, in float64 and
/// float32 (float32 values are computed in double and rounded once); the derivatives are computed from z, not from
/// the rounded a, so they stay accurate where g saturates. Softmax's second derivatives are the exception where
/// two terms of opposite sign cancel: there the error is a few ulps of the terms' magnitude.</para>
/// <para><b>Batch invariance.</b> The value computed for an observation depends only on that observation's own
/// inputs: not on the other columns of the batch, on the batch size, or on the column's position.</para>
/// </remarks>
public abstract record Activation
{
    private protected Activation()
    {
    }

    /// <summary>g(z) = z.</summary>
    public static Activation Identity => IdentityActivation.Instance;

    /// <summary>g(z) = 1 / (1 + e⁻ᶻ).</summary>
    public static Activation Sigmoid => SigmoidActivation.Instance;

    /// <summary>g(z) = tanh z.</summary>
    public static Activation Tanh => TanhActivation.Instance;

    /// <summary>g(z) = max(0, z).</summary>
    public static Activation Relu => ReluActivation.Instance;

    /// <summary>g(z) = eᶻᵏ / Σⱼ eᶻʲ over the units of one observation (an output-layer activation).</summary>
    public static Activation Softmax => SoftmaxActivation.Instance;

    /// <summary>The stable name used in model files and messages, e.g. <c>sigmoid</c> or <c>leaky_relu</c>.</summary>
    public abstract string Name { get; }

    /// <summary>g(z) = z for z &gt; 0, <paramref name="slope"/>·z otherwise.</summary>
    /// <param name="slope">The slope for negative inputs, in [0, 1). Default 0.01.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slope"/> is outside [0, 1) or not finite.</exception>
    public static Activation LeakyRelu(double slope = 0.01) => new LeakyReluActivation(slope);

    /// <summary>
    /// A user's own elementwise activation from scalar float64 functions: g(z), g′(z), and optionally g″(z) (see
    /// <see cref="CustomActivation"/>). For example swish, g(z) = z·σ(z), g′(z) = σ(z)·(1 + z·(1 − σ(z))).
    /// </summary>
    /// <param name="name">A name for messages and model files, not one of the built-in names.</param>
    /// <param name="value">g(z).</param>
    /// <param name="derivative">g′(z).</param>
    /// <param name="secondDerivative">g″(z), or null when exact Hessian products are not needed.</param>
    /// <exception cref="ArgumentException">The name is empty or a built-in name.</exception>
    public static CustomActivation Custom(string name, Func<double, double> value, Func<double, double> derivative, Func<double, double>? secondDerivative = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(derivative);
        if (BuiltInNames.Contains(name))
        {
            throw new ArgumentException($"'{name}' is the name of a built-in activation: give the custom one another name.", nameof(name));
        }

        return new CustomActivation(name, value, derivative, secondDerivative);
    }

    private static readonly string[] BuiltInNames = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"];

    /// <summary>Looks an activation up by its <see cref="Name"/> (leaky ReLU takes its default slope).</summary>
    /// <exception cref="ArgumentException">No activation has that name.</exception>
    public static Activation FromName(string name) => name switch
    {
        "identity" => Identity,
        "sigmoid" => Sigmoid,
        "tanh" => Tanh,
        "relu" => Relu,
        "leaky_relu" => LeakyRelu(),
        "softmax" => Softmax,
        _ => throw new ArgumentException($"Unknown activation '{name}': expected identity, sigmoid, tanh, relu, leaky_relu or softmax.", nameof(name)),
    };

    /// <summary>Computes <c>a = g(z)</c>. <paramref name="a"/> may be the same span as <paramref name="z"/>.</summary>
    /// <param name="z">Pre-activations, <c>units × samples</c> column-major.</param>
    /// <param name="a">Destination, the same length as <paramref name="z"/>.</param>
    /// <param name="units">Values per observation (the column length).</param>
    public abstract void Forward<T>(ReadOnlySpan<T> z, Span<T> a, int units)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Computes <c>dz = J_g(z)ᵀ · da</c> for each observation: for elementwise activations <c>dz = da ⊙ g′(z)</c>.
    /// <paramref name="dz"/> may be the same span as <paramref name="da"/>, but not as <paramref name="z"/> or <paramref name="a"/>.
    /// </summary>
    /// <param name="z">The pre-activations of the forward pass.</param>
    /// <param name="a">The activations of the forward pass, <c>g(z)</c>.</param>
    /// <param name="da">The upstream gradient with respect to <c>a</c>.</param>
    /// <param name="dz">Destination: the gradient with respect to <c>z</c>.</param>
    /// <param name="units">Values per observation (the column length).</param>
    public abstract void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz, int units)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>
    /// Whether <see cref="ForwardWithSlope{T}"/> is available: the activation is elementwise and its g′(z) shares the
    /// expensive part of g(z) (an exponential), so a training pass can keep g′ from the forward pass for the backward
    /// pass instead of computing it again.
    /// </summary>
    internal virtual bool KeepsSlope => false;

    /// <summary>
    /// a = g(z) with the same bits as <see cref="Forward{T}"/>, and beside it <paramref name="slope"/> = g′(z) in float64
    /// as the backward pass computes it before rounding, so that <see cref="Elementwise.BackwardWithSlope{T}"/> gives
    /// the bits of <see cref="Backward{T}"/>. Only when <see cref="KeepsSlope"/>, for float32 and float64.
    /// </summary>
    /// <exception cref="NotSupportedException">The activation does not keep its slope, or T is neither float nor double.</exception>
    internal virtual void ForwardWithSlope<T>(ReadOnlySpan<T> z, Span<T> a, Span<double> slope)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException($"The {Name} activation does not keep its slope.");

    /// <summary>
    /// The forward tangent R{a} = J_g(z)·R{z} per observation (Pearlmutter 1994, the R-operator of <see cref="Forward{T}"/>).
    /// Every activation here has a symmetric Jacobian — diagonal for elementwise ones, diag(a) − aaᵀ for softmax —
    /// so this is <see cref="Backward{T}"/> applied to R{z}; an activation with a non-symmetric Jacobian must override it.
    /// <paramref name="ra"/> must not overlap <paramref name="z"/> or <paramref name="a"/>.
    /// </summary>
    internal virtual void ForwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> rz, Span<T> ra, int units)
        where T : unmanaged, IFloatingPointIeee754<T> => Backward(z, a, rz, ra, units);

    /// <summary>
    /// The R-operator of <see cref="Backward{T}"/> (Pearlmutter 1994): for dz = J_g(z)ᵀ·da,
    /// R{dz} = J_g(z)ᵀ·R{da} + R{J_g(z)}ᵀ·da, where R{J_g} is the directional derivative of the Jacobian along R{z}.
    /// The second term carries the activation's curvature. <paramref name="rdz"/> must not overlap any input.
    /// </summary>
    /// <param name="z">The pre-activations of the forward pass.</param>
    /// <param name="a">g(z).</param>
    /// <param name="da">The upstream gradient ∂J/∂a of the backward pass.</param>
    /// <param name="rz">R{z}, the tangent of the pre-activations.</param>
    /// <param name="ra">R{a} = J_g(z)·R{z}.</param>
    /// <param name="rda">R{da}, the tangent of the upstream gradient.</param>
    /// <param name="rdz">Destination: R{dz}.</param>
    /// <param name="units">Values per observation.</param>
    internal abstract void BackwardTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, ReadOnlySpan<T> rda, Span<T> rdz, int units)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// An activation applied to each value on its own, with its scalar derivatives g′(z) and g″(z) beside it. The scalar
/// members give exactly the bits the span members (<see cref="Activation.Forward{T}"/>, <see cref="Activation.Backward{T}"/>)
/// give for the same value, wherever it sits in the span.
/// </summary>
public abstract record ElementwiseActivation : Activation
{
    private protected ElementwiseActivation()
    {
    }

    /// <summary>g(z) for one value.</summary>
    public abstract T Apply<T>(T z)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>g′(z) for one value.</summary>
    public abstract T Derivative<T>(T z)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// g″(z) for one value. Used by curvature products: the backward pass dz = da ⊙ g′(z) has R-operator
    /// R{dz} = R{da} ⊙ g′(z) + da ⊙ g″(z) ⊙ R{z}.
    /// </summary>
    internal abstract T SecondDerivative<T>(T z)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
