using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Models;

/// <summary>
/// Logistic regression as a one-layer network: ŷ = σ(wᵀx + b), trained with binary cross-entropy (lecture 001).
/// </summary>
public static class LogisticRegression
{
    /// <summary>A logistic-regression network for <paramref name="features"/> inputs, weights drawn by <paramref name="initializer"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> is not positive.</exception>
    public static Network<T> Create<T>(int features, Initializer initializer, Rng rng)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Network.Create<T>(features, [(1, Activation.Sigmoid)], initializer, rng);

    /// <summary>
    /// The closed-form gradient of the mean binary cross-entropy (lecture 001): with a = σ(wᵀX + b) (1 × m),
    /// dJ/dz = a − y, dJ/dw = (1/m)·X·(a − y)ᵀ and dJ/db = (1/m)·Σ(a − y).
    /// </summary>
    /// <param name="weights">w as a 1 × features matrix.</param>
    /// <param name="bias">b.</param>
    /// <param name="x">features × m.</param>
    /// <param name="y">1 × m labels in [0, 1].</param>
    /// <returns>dJ/dw (1 × features) and dJ/db.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static (Matrix<double> Weights, double Bias) Gradient(Matrix<double> weights, double bias, Matrix<double> x, Matrix<double> y)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (weights.RowCount != 1 || weights.ColumnCount != x.RowCount || y.RowCount != 1 || y.ColumnCount != x.ColumnCount)
        {
            throw new ArgumentException($"Expected w 1×d, X d×m and y 1×m but got w {weights.RowCount}×{weights.ColumnCount}, X {x.RowCount}×{x.ColumnCount}, y {y.RowCount}×{y.ColumnCount}.", nameof(x));
        }

        var m = x.ColumnCount;
        var z = Dense.Multiply(weights, Transpose.No, x, Transpose.No).Add(bias);
        var residual = z.Map(v => 1.0 / (1.0 + Math.Exp(-v))) - y;
        var dw = Dense.Multiply(residual, Transpose.No, x, Transpose.Yes) / m;
        return (dw, residual.RowSums()[0] / m);
    }
}
