using System.Numerics;
using Nn.Activations;

namespace Nn.Losses;

/// <summary>
/// A per-observation loss L(ŷ, y), with its gradient with respect to the output layer's pre-activations beside it.
/// The cost of a batch of m observations is J = (1/m)·Σᵢ L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾) (lecture 001).
/// </summary>
/// <remarks>
/// Spans are <c>units × samples</c> column-major, one observation per column (see <see cref="Layers.Propagation"/>).
/// Values are summed over observations here; <see cref="Layers.Propagation"/> divides by m.
/// </remarks>
public abstract record Loss
{
    private protected Loss()
    {
    }

    /// <summary>Binary cross-entropy on sigmoid outputs, computed from the logits: L = log(1 + eᶻ) − y·z.</summary>
    public static Loss BinaryCrossEntropy => BinaryCrossEntropyLoss.Instance;

    /// <summary>Squared error L = ½‖ŷ − y‖², for any output activation.</summary>
    public static Loss SquaredError => SquaredErrorLoss.Instance;

    /// <summary>Softmax cross-entropy on softmax outputs: L = −Σₖ yₖ log softmax(z)ₖ, from the logits.</summary>
    public static Loss SoftmaxCrossEntropy => SoftmaxCrossEntropyLoss.Instance;

    /// <summary>The stable name used in model files and messages: <c>bce</c>, <c>mse</c> or <c>ce</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// A user's own loss from float64 functions of one observation's output ŷ and target y: L, ∂L/∂ŷ, and optionally
    /// the curvature product (∂²L/∂ŷ²)·v for second-order training (see <see cref="CustomLoss"/>).
    /// </summary>
    /// <param name="name">A name for messages and model files, not one of the built-in names.</param>
    /// <param name="value">L(ŷ, y).</param>
    /// <param name="gradient">∂L/∂ŷ.</param>
    /// <param name="curvature">(∂²L/∂ŷ²)·v, or null when second-order stages are not needed.</param>
    /// <exception cref="ArgumentException">The name is empty or a built-in name.</exception>
    public static CustomLoss Custom(string name, LossValue value, LossGradient gradient, LossCurvature? curvature = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(gradient);
        if (name is "bce" or "mse" or "ce")
        {
            throw new ArgumentException($"'{name}' is the name of a built-in loss: give the custom one another name.", nameof(name));
        }

        return new CustomLoss(name, value, gradient, curvature);
    }

    /// <summary>Looks a loss up by its <see cref="Name"/>.</summary>
    /// <exception cref="ArgumentException">No loss has that name.</exception>
    public static Loss FromName(string name) => name switch
    {
        "bce" => BinaryCrossEntropy,
        "mse" => SquaredError,
        "ce" => SoftmaxCrossEntropy,
        _ => throw new ArgumentException($"Unknown loss '{name}': expected bce, mse or ce.", nameof(name)),
    };

    /// <summary>Throws when this loss cannot be used after the given output activation.</summary>
    /// <exception cref="ArgumentException">The pairing is not supported (for example binary cross-entropy after ReLU).</exception>
    public abstract void CheckOutputActivation(Activation output);

    /// <summary>
    /// Throws when a target value is not one this loss can take (binary cross-entropy: outside [0, 1]; softmax
    /// cross-entropy: a column that is not a probability vector). Finiteness is checked by the caller.
    /// </summary>
    /// <param name="y">Targets, <c>units × samples</c> column-major.</param>
    /// <param name="units">Values per observation.</param>
    /// <param name="argument">The argument name to report.</param>
    /// <exception cref="ArgumentException">A target is out of range; the message names its row and column.</exception>
    public abstract void CheckTargets<T>(ReadOnlySpan<T> y, int units, string argument)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Σ over observations of L, from the output pre-activations <paramref name="z"/> and activations <paramref name="a"/>.
    /// Each observation's L is computed from its own column only, by the same operations whatever the batch, so the loss
    /// of one observation (this method on its column) is the same bits as that observation's term inside any batch.
    /// </summary>
    public abstract T Total<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int units)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Writes <c>dz = ∂L/∂z</c> for every observation (not divided by m) given the output activation that
    /// produced <paramref name="a"/> from <paramref name="z"/>.
    /// </summary>
    public abstract void OutputGradient<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> dz, int units)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The R-operator of <see cref="OutputGradient{T}"/> (Pearlmutter 1994): R{dz} = ∇²_z L · R{z} per observation
    /// (not divided by m), the exact output term of a Hessian-vector product. <paramref name="rdz"/> must not overlap any input.
    /// </summary>
    /// <param name="output">The output activation.</param>
    /// <param name="z">Output pre-activations.</param>
    /// <param name="a">Output activations g(z).</param>
    /// <param name="y">Targets.</param>
    /// <param name="rz">R{z}.</param>
    /// <param name="ra">R{a} = J_g(z)·R{z}.</param>
    /// <param name="rdz">Destination: R{∂L/∂z}.</param>
    /// <param name="units">Values per observation.</param>
    internal abstract void OutputGradientTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The loss-curvature factor of the generalised Gauss–Newton product (Schraudolph 2002): writes Jᵀ·H·J·R{z}
    /// per observation (not divided by m), where the network is split at the point where the rest of the loss is
    /// convex — at the logits for the fused sigmoid and softmax losses (J = I, H = ∇²_z L), at the outputs a for
    /// squared error (J = J_g(z), H = I). <paramref name="rdz"/> must not overlap any input.
    /// </summary>
    /// <param name="output">The output activation.</param>
    /// <param name="z">Output pre-activations.</param>
    /// <param name="a">Output activations g(z).</param>
    /// <param name="y">Targets.</param>
    /// <param name="rz">R{z}.</param>
    /// <param name="ra">R{a} = J_g(z)·R{z}.</param>
    /// <param name="rdz">Destination.</param>
    /// <param name="units">Values per observation.</param>
    internal abstract void GaussNewtonOutputTangent<T>(Activation output, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, ReadOnlySpan<T> ra, Span<T> rdz, int units)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <inheritdoc />
    public override string ToString() => Name;
}
