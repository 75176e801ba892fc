using MathNet.Numerics.LinearAlgebra;
using Nn.LinearAlgebra;

namespace Nn.Layers;

/// <summary>Argument checks shared by the public entry points: they run once, at the boundary.</summary>
internal static class Guard
{
    public static void Finite<T>(Matrix<T> matrix, string argument)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var data = Dense.Data(matrix);
        for (var i = 0; i < data.Length; i++)
        {
            if (!T.IsFinite(data[i]))
            {
                throw new ArgumentException($"{argument}[{i % matrix.RowCount}, {i / matrix.RowCount}] is {Format(data[i])}: values must be finite.", argument);
            }
        }
    }

    public static void Finite<T>(Vector<T> vector, string argument)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var data = Dense.Data(vector);
        for (var i = 0; i < data.Length; i++)
        {
            if (!T.IsFinite(data[i]))
            {
                throw new ArgumentException($"{argument}[{i}] is {Format(data[i])}: values must be finite.", argument);
            }
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
