using MathNet.Numerics.LinearAlgebra;

namespace Nn.LinearAlgebra;

/// <summary>Argument checks shared by the public entry points: they run once, at the boundary.</summary>
internal static class Guard
{
    public static void Finite<T>(Matrix<T> matrix, string argument)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var data = Dense.Data(matrix);
        var i = FirstNonFinite<T>(data);
        if (i >= 0)
        {
            throw NotFinite(data[i], i, matrix.RowCount, argument);
        }
    }

    /// <summary>The error for the non-finite <paramref name="value"/> at column-major <paramref name="index"/> of a matrix of <paramref name="rows"/> rows.</summary>
    public static ArgumentException NotFinite<T>(T value, int index, int rows, string argument)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        new($"{argument}[{index % rows}, {index / rows}] is {Format(value)}: values must be finite.", argument);

    /// <summary>
    /// The index of the first NaN or ±∞ in <paramref name="data"/>, or −1. Vectorised: x − x is 0 for every finite x
    /// and NaN for NaN and ±∞, so a block is finite exactly when x − x equals 0 throughout. Four vectors are checked per
    /// step, their differences summed (a NaN in any makes the sum NaN): one compare and branch per four loads. The
    /// first step that is not all zero is looked at again vector by vector, then element by element, for the index.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int FirstNonFinite<T>(ReadOnlySpan<T> data)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && System.Numerics.Vector<T>.IsSupported)
        {
            var w = System.Numerics.Vector<T>.Count;
            for (; i <= data.Length - (4 * w); i += 4 * w)
            {
                var v0 = new System.Numerics.Vector<T>(data[i..]);
                var v1 = new System.Numerics.Vector<T>(data[(i + w)..]);
                var v2 = new System.Numerics.Vector<T>(data[(i + (2 * w))..]);
                var v3 = new System.Numerics.Vector<T>(data[(i + (3 * w))..]);
                if (!System.Numerics.Vector.EqualsAll((v0 - v0) + (v1 - v1) + ((v2 - v2) + (v3 - v3)), System.Numerics.Vector<T>.Zero))
                {
                    break;
                }
            }

            for (; i <= data.Length - System.Numerics.Vector<T>.Count; i += System.Numerics.Vector<T>.Count)
            {
                var v = new System.Numerics.Vector<T>(data[i..]);
                if (!System.Numerics.Vector.EqualsAll(v - v, System.Numerics.Vector<T>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < data.Length; i++)
        {
            if (!T.IsFinite(data[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public static void Finite<T>(Vector<T> vector, string argument)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var data = Dense.Data(vector);
        var i = FirstNonFinite<T>(data);
        if (i >= 0)
        {
            throw new ArgumentException($"{argument}[{i}] is {Format(data[i])}: values must be finite.", argument);
        }
    }

    /// <summary>Culture-independent text for a value in a message.</summary>
    public static string Format<T>(T value)
        where T : System.Numerics.IFloatingPointIeee754<T> => value.ToString(null, System.Globalization.CultureInfo.InvariantCulture);

    public static void Positive(int value, string argument)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(argument, value, $"{argument} must be positive but is {value}.");
        }
    }
}
