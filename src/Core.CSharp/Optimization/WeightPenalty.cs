using System.Numerics;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Optimization;

/// <summary>
/// The L2 penalty ½λ‖W‖² on a network's weights (every layer's weight matrix; biases are not penalised, as in
/// scikit-learn's logistic regression, whose intercept is unpenalised), added to the cost J when training with
/// <c>L2 = λ</c>. Its gradient is λ·W and its Hessian λ on the weights' diagonal.
/// </summary>
public static class WeightPenalty
{
    /// <summary>
    /// ½λ‖W‖², with each layer's Σ w² taken by <see cref="Reductions.SumOfSquares{T}"/> in T and added in float64 in
    /// layer order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    public static double Value<T>(Parameters<T> parameters, double lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLambda(lambda);
        var squares = 0.0;
        foreach (var layer in parameters.Layers)
        {
            squares += double.CreateTruncating(Reductions.SumOfSquares<T>(Dense.Data(layer.Weights)));
        }

        return 0.5 * lambda * squares;
    }

    /// <summary>
    /// <paramref name="tree"/> + λ·(v restricted to the weights): the penalty's gradient at v added to a gradient, or its
    /// Hessian-vector product λ·v_W added to a curvature product. Biases pass through.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    /// <exception cref="ArgumentException">The trees differ in shape.</exception>
    public static Parameters<T> AddScaledWeights<T>(Parameters<T> tree, double lambda, Parameters<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(v);
        CheckLambda(lambda);
        tree.CheckSameShape(v);
        return new Parameters<T>(tree.Layers.Select((layer, l) =>
        {
            var w = Dense.Data(layer.Weights);
            var result = new T[w.Length];
            UpdateRules.AddScaled<T>(w, lambda, Dense.Data(v.Layers[l].Weights), result);
            return new LayerParameters<T>(Dense.Matrix(layer.Weights.RowCount, layer.Weights.ColumnCount, result), layer.Bias);
        }));
    }

    /// <summary>
    /// A dense n × n curvature matrix (in the flat order of <see cref="Parameters{T}.ToArray"/>) plus the penalty's
    /// Hessian: λ added to the diagonal entries of the weights (not the biases). A new matrix.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    /// <exception cref="ArgumentException">The matrix is not n × n for the parameter count n of <paramref name="shape"/>.</exception>
    public static MathNet.Numerics.LinearAlgebra.Matrix<T> AddToWeightDiagonal<T>(MathNet.Numerics.LinearAlgebra.Matrix<T> dense, Parameters<T> shape, double lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentNullException.ThrowIfNull(shape);
        CheckLambda(lambda);
        var n = shape.Count;
        if (dense.RowCount != n || dense.ColumnCount != n)
        {
            throw new ArgumentException($"The matrix is {dense.RowCount}×{dense.ColumnCount} but the parameters number {n}.", nameof(dense));
        }

        var result = dense.Clone();
        var l = T.CreateTruncating(lambda);
        var offset = 0;
        foreach (var layer in shape.Layers)
        {
            var weights = layer.Weights.RowCount * layer.Weights.ColumnCount;
            for (var i = offset; i < offset + weights; i++)
            {
                result[i, i] += l;
            }

            offset += weights + layer.Bias.Count;
        }

        return result;
    }

    private static void CheckLambda(double lambda)
    {
        if (!double.IsFinite(lambda) || lambda < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, $"The L2 penalty λ must be non-negative and finite but is {lambda}.");
        }
    }
}
