using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;

namespace Nn.Tests.Support;

/// <summary>Small models for the model-file and model tests.</summary>
internal static class SampleModels
{
    public static readonly DateTime Created = new DateTime(2025, 3, 14, 15, 9, 26, DateTimeKind.Utc).AddTicks(5358979);

    public static ModelMetadata Metadata(long? seed = 7) =>
        new(seed, Created, "0.1.0-test", [new("optimizer", "gradient descent"), new("epochs", "200")]);

    /// <summary>A 3-input network with a hidden layer of <paramref name="hidden"/> and the output activation <paramref name="loss"/> needs.</summary>
    public static Model Build(Activation hidden, Loss loss, bool standardize, bool classNames, int seed = 11)
    {
        var problem = RandomNetworks.Build(3, [4, loss == Loss.SquaredError ? 2 : loss == Loss.BinaryCrossEntropy ? 1 : 3], [hidden, hidden], loss, 5, seed);
        var standardization = standardize ? Standardization.Fit(Scaled(problem.X)) : null;
        string[]? names = classNames ? (problem.Network.Outputs == 1 ? ["no", "yes"] : ["setosa", "versicolor", "virginica"]) : null;
        return new Model(problem.Network, loss, Metadata(), standardization, names);
    }

    /// <summary>Inputs with features of different offsets and spreads, so a standardisation is not the identity.</summary>
    public static Matrix<double> Scaled(Matrix<double> x)
    {
        var data = (double[])Dense.Data(x).Clone();
        for (var k = 0; k < data.Length; k++)
        {
            var feature = k % x.RowCount;
            data[k] = (data[k] * (feature + 1) * 3.7) + (feature * 10.1);
        }

        return Dense.Matrix(x.RowCount, x.ColumnCount, data);
    }

    public static long[] Bits(Matrix<double> m) => Array.ConvertAll(Dense.Data(m), BitConverter.DoubleToInt64Bits);

    public static long[] Bits(Parameters<double> p) => Array.ConvertAll(p.ToArray(), BitConverter.DoubleToInt64Bits);
}
