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

    /// <summary>
    /// The class one observation's outputs (or one-hot/0–1 targets) stand for — the one decision rule used everywhere:
    /// for a single unit, 1 when the value is ≥ 0.5 (a sigmoid probability) and 0 otherwise (NaN gives 0); for several,
    /// the index of the largest value, the first on ties, NaN treated as smallest.
    /// </summary>
    /// <exception cref="ArgumentException">The column is empty.</exception>
    public static int Decide<T>(ReadOnlySpan<T> column)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (column.IsEmpty)
        {
            throw new ArgumentException("The column has no values.", nameof(column));
        }

        if (column.Length == 1)
        {
            return DecideUnit(column[0]);
        }

        var best = 0;
        for (var i = 1; i < column.Length; i++)
        {
            if (column[i] > column[best] || T.IsNaN(column[best]))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The class a single unit's value stands for: 1 when it is ≥ 0.5, else 0 (NaN gives 0).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static int DecideUnit<T>(T value)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        value >= T.CreateTruncating(0.5) ? 1 : 0;

    /// <summary>The class of each column of <paramref name="outputs"/> (units × samples) by <see cref="Decide{T}"/>.</summary>
    public static int[] Classes<T>(Matrix<T> outputs)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var data = Dense.Data(Dense.Ensure(outputs));
        var rows = outputs.RowCount;
        var result = new int[outputs.ColumnCount];
        for (var j = 0; j < result.Length; j++)
        {
            result[j] = Decide<T>(data.AsSpan(j * rows, rows));
        }

        return result;
    }
}
