using MathNet.Numerics.LinearAlgebra;

namespace Nn.LinearAlgebra;

/// <summary>
/// Helpers between MathNet's dense matrices and the flat column-major arrays the BLAS seam reads in place.
/// </summary>
public static class Dense
{
    /// <summary>
    /// The column-major backing array of a dense matrix (element (i, j) at <c>i + j·rows</c>), without copying.
    /// The array belongs to the matrix: treat it as read-only unless you allocated the matrix yourself.
    /// </summary>
    /// <exception cref="ArgumentException">The matrix is not dense (sparse or diagonal storage).</exception>
    public static T[] Data<T>(Matrix<T> matrix)
        where T : struct, IEquatable<T>, IFormattable
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return matrix.AsColumnMajorArray()
            ?? throw new ArgumentException($"The {matrix.RowCount}×{matrix.ColumnCount} matrix is not dense; Nn works on dense matrices.", nameof(matrix));
    }

    /// <summary>The backing array of a dense vector, without copying (read-only unless you allocated the vector).</summary>
    /// <exception cref="ArgumentException">The vector is not dense.</exception>
    public static T[] Data<T>(Vector<T> vector)
        where T : struct, IEquatable<T>, IFormattable
    {
        ArgumentNullException.ThrowIfNull(vector);
        return vector.AsArray()
            ?? throw new ArgumentException($"The vector of length {vector.Count} is not dense; Nn works on dense vectors.", nameof(vector));
    }

    /// <summary>A rows×columns dense matrix over <paramref name="data"/> (column-major), without copying: the matrix takes the array.</summary>
    /// <exception cref="ArgumentException">The array length is not rows·columns.</exception>
    public static Matrix<T> Matrix<T>(int rows, int columns, T[] data)
        where T : struct, IEquatable<T>, IFormattable
    {
        ArgumentNullException.ThrowIfNull(data);
        if (rows < 0 || columns < 0 || data.Length != (long)rows * columns)
        {
            throw new ArgumentException($"A {rows}×{columns} matrix needs {(long)rows * columns} values but the array holds {data.Length}.", nameof(data));
        }

        return MathNet.Numerics.LinearAlgebra.Matrix<T>.Build.Dense(rows, columns, data);
    }

    /// <summary>A dense vector over <paramref name="data"/>, without copying: the vector takes the array.</summary>
    public static Vector<T> Vector<T>(T[] data)
        where T : struct, IEquatable<T>, IFormattable
    {
        ArgumentNullException.ThrowIfNull(data);
        return MathNet.Numerics.LinearAlgebra.Vector<T>.Build.Dense(data);
    }

    /// <summary>Returns the matrix itself when it is dense, otherwise a dense copy.</summary>
    public static Matrix<T> Ensure<T>(Matrix<T> matrix)
        where T : struct, IEquatable<T>, IFormattable
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return matrix.AsColumnMajorArray() is null ? MathNet.Numerics.LinearAlgebra.Matrix<T>.Build.DenseOfMatrix(matrix) : matrix;
    }

    /// <summary>Returns the vector itself when it is dense, otherwise a dense copy.</summary>
    public static Vector<T> Ensure<T>(Vector<T> vector)
        where T : struct, IEquatable<T>, IFormattable
    {
        ArgumentNullException.ThrowIfNull(vector);
        return vector.AsArray() is null ? MathNet.Numerics.LinearAlgebra.Vector<T>.Build.DenseOfVector(vector) : vector;
    }

    /// <summary>
    /// The product <c>op(A)·op(B)</c> as a new dense matrix, computed by <see cref="Blas.Gemm{T}"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The inner dimensions differ.</exception>
    public static Matrix<T> Multiply<T>(Matrix<T> a, Transpose transA, Matrix<T> b, Transpose transB)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var (m, ka) = transA == Transpose.No ? (a.RowCount, a.ColumnCount) : (a.ColumnCount, a.RowCount);
        var (kb, n) = transB == Transpose.No ? (b.RowCount, b.ColumnCount) : (b.ColumnCount, b.RowCount);
        if (ka != kb)
        {
            throw new ArgumentException($"Cannot multiply: op(A) is {m}×{ka} but op(B) is {kb}×{n}.", nameof(b));
        }

        var c = new T[m * n];
        Blas.Gemm(transA, transB, m, n, ka, T.One, Data(a), Math.Max(1, a.RowCount), Data(b), Math.Max(1, b.RowCount), T.Zero, c, Math.Max(1, m));
        return Matrix(m, n, c);
    }

    /// <summary>The matrix in another precision, as a new dense matrix (each value rounded to the nearest TOut).</summary>
    public static Matrix<TOut> Convert<TIn, TOut>(Matrix<TIn> matrix)
        where TIn : unmanaged, System.Numerics.IFloatingPointIeee754<TIn>
        where TOut : unmanaged, System.Numerics.IFloatingPointIeee754<TOut>
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return Matrix(matrix.RowCount, matrix.ColumnCount, Array.ConvertAll(Data(Ensure(matrix)), TOut.CreateTruncating));
    }

    /// <summary>
    /// Copies columns <paramref name="columns"/> (in that order, repeats allowed) of a rows × m matrix into a new
    /// rows × k matrix — one block copy per column, since a column is contiguous.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column index is outside [0, m).</exception>
    public static Matrix<T> GatherColumns<T>(Matrix<T> matrix, ReadOnlySpan<int> columns)
        where T : unmanaged, IEquatable<T>, IFormattable
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var source = Data(Ensure(matrix));
        var rows = matrix.RowCount;
        for (var j = 0; j < columns.Length; j++)
        {
            if ((uint)columns[j] >= (uint)matrix.ColumnCount)
            {
                throw new ArgumentOutOfRangeException(nameof(columns), columns[j], $"columns[{j}] is {columns[j]} but the matrix has {matrix.ColumnCount} columns.");
            }
        }

        var target = new T[checked(rows * columns.Length)];
        ColumnGather.Gather<T>(source, rows, columns, target);
        return Matrix(rows, columns.Length, target);
    }
}
