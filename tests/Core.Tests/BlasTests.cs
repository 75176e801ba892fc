using Nn.LinearAlgebra;

namespace Nn.Tests;

public sealed class BlasTests
{
    [Fact]
    public void ManagedGemmMultipliesSmallColumnMajorMatrices()
    {
        // A = [1 3; 2 4] (column-major 1,2,3,4), B = [5 7; 6 8]; A·B = [23 31; 34 46].
        double[] a = [1, 2, 3, 4];
        double[] b = [5, 6, 7, 8];
        var c = new double[4];
        Blas.Gemm(Transpose.No, Transpose.No, 2, 2, 2, 1.0, a, 2, b, 2, 0.0, c, 2);
        Assert.Equal([23.0, 34.0, 31.0, 46.0], c);
    }
}
