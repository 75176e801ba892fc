using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.LinearAlgebra;

namespace Nn.Layers;

/// <summary>
/// A fully connected layer: z = W·a_prev + b, a = g(z) (lecture 002 notation W[l], b[l], z[l], a[l]).
/// </summary>
/// <remarks>
/// <see cref="Weights"/> is outputs × inputs and <see cref="Bias"/> has one entry per output. The layer takes
/// ownership of the matrix and vector it is given: treat them as frozen afterwards. Shapes are checked when the
/// layer joins a <see cref="Network{T}"/>.
/// </remarks>
/// <typeparam name="T"><c>double</c> (the default everywhere) or <c>float</c>.</typeparam>
public sealed record DenseLayer<T>
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    private readonly Matrix<T> weights = null!;
    private readonly Vector<T> bias = null!;
    private readonly Activation activation = null!;
    private readonly double dropout;

    /// <summary>Creates a layer from its weights (outputs × inputs), bias (outputs) and activation.</summary>
    /// <exception cref="ArgumentException">The bias length differs from the number of weight rows, or a value is not finite.</exception>
    public DenseLayer(Matrix<T> weights, Vector<T> bias, Activation activation)
    {
        Weights = weights;
        Bias = bias;
        Activation = activation;
        CheckShape(0, nameof(bias));
    }

    /// <summary>W: outputs × inputs, dense, finite.</summary>
    public Matrix<T> Weights
    {
        get => weights;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Weights));
            var dense = Dense.Ensure(value);
            Guard.Finite(dense, nameof(Weights));
            weights = dense;
        }
    }

    /// <summary>b: one entry per output, dense, finite.</summary>
    public Vector<T> Bias
    {
        get => bias;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Bias));
            var dense = Dense.Ensure(value);
            Guard.Finite(dense, nameof(Bias));
            bias = dense;
        }
    }

    /// <summary>g, applied to z.</summary>
    public Activation Activation
    {
        get => activation;
        init => activation = value ?? throw new ArgumentNullException(nameof(Activation));
    }

    /// <summary>
    /// The rate p in [0, 1) of inverted dropout on this layer's output a = g(z) in training (see <see cref="Layers.Dropout"/>);
    /// 0 (the default) for none. Not a parameter: inference ignores it. Only hidden layers may have one (checked when the
    /// layer joins a <see cref="Network{T}"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is NaN, negative, or at least 1.</exception>
    public double Dropout
    {
        get => dropout;
        init
        {
            Layers.Dropout.CheckRate(value, nameof(Dropout));
            dropout = value;
        }
    }

    /// <summary>Number of inputs (columns of W).</summary>
    public int Inputs => weights.ColumnCount;

    /// <summary>Number of outputs (rows of W).</summary>
    public int Outputs => weights.RowCount;

    /// <summary>Number of scalar parameters: outputs·inputs + outputs.</summary>
    public int ParameterCount => (Outputs * Inputs) + Outputs;

    internal void CheckShape(int index, string argument = "layers")
    {
        if (Outputs == 0 || Inputs == 0)
        {
            throw new ArgumentException($"Layer {index + 1} has weights {Outputs}×{Inputs}: a layer needs at least one input and one output.", argument);
        }

        if (bias.Count != Outputs)
        {
            throw new ArgumentException($"Layer {index + 1} has weights {Outputs}×{Inputs} but a bias of length {bias.Count}.", argument);
        }
    }
}
