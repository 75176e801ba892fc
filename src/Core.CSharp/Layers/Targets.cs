using MathNet.Numerics.LinearAlgebra;
using Nn.LinearAlgebra;

namespace Nn.Layers;

/// <summary>Builds target matrices in the batch layout (one observation per column).</summary>
public static class Targets
{
    /// <summary>
    /// One-hot targets: a classes × m matrix with a 1 in row <c>labels[i]</c> of column i.
    /// </summary>
    /// <exception cref="ArgumentException">A label is outside [0, classes), or <paramref name="classes"/> is not positive.</exception>
    public static Matrix<T> OneHot<T>(IReadOnlyList<int> labels, int classes)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(labels);
        Guard.Positive(classes, nameof(classes));
        var data = new T[classes * labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            if (label < 0 || label >= classes)
            {
                throw new ArgumentException($"labels[{i}] is {label} but there are {classes} classes (labels 0 to {classes - 1}).", nameof(labels));
            }

            data[label + (i * classes)] = T.One;
        }

        return Dense.Matrix(classes, labels.Count, data);
    }

    /// <summary>The index of the largest value in each column (the predicted class), NaN treated as smallest.</summary>
    public static int[] ArgMax<T>(Matrix<T> scores)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(scores);
        var data = Dense.Data(Dense.Ensure(scores));
        var rows = scores.RowCount;
        var result = new int[scores.ColumnCount];
        for (var j = 0; j < result.Length; j++)
        {
            var best = 0;
            for (var i = 1; i < rows; i++)
            {
                if (data[i + (j * rows)] > data[best + (j * rows)] || T.IsNaN(data[best + (j * rows)]))
                {
                    best = i;
                }
            }

            result[j] = best;
        }

        return result;
    }
}
