using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>The OpenBLAS backend meets the backend contract on this machine's libopenblas.so.0.</summary>
public sealed class OpenBlasBackendTests
{
    private static IBlasBackend Backend => OpenBlas.Instance!;

    [OpenBlasFact]
    public void DoubleProductsMatchTheNaiveLoopOnOddShapesInAllTransposes() => BackendChecks.AgreesOnOddShapes<double>(Backend);

    [OpenBlasFact]
    public void FloatProductsMatchTheNaiveLoopOnOddShapesInAllTransposes() => BackendChecks.AgreesOnOddShapes<float>(Backend);

    [OpenBlasFact]
    public void DoubleProductsHonourAlphaBetaAndLeadingDimensions() => BackendChecks.AgreesOnRandomShapesWithScalarsAndPadding<double>(Backend, 200);

    [OpenBlasFact]
    public void FloatProductsHonourAlphaBetaAndLeadingDimensions() => BackendChecks.AgreesOnRandomShapesWithScalarsAndPadding<float>(Backend, 200);

    [OpenBlasFact]
    public void DoubleLargeProductsMatchTheNaiveLoop() => BackendChecks.AgreesOnLargeProducts<double>(Backend);

    [OpenBlasFact]
    public void FloatLargeProductsMatchTheNaiveLoop() => BackendChecks.AgreesOnLargeProducts<float>(Backend);

    [OpenBlasFact]
    public void BetaZeroIgnoresNaNInTheOutputInDouble() => BackendChecks.BetaZeroIgnoresNaNInC<double>(Backend);

    [OpenBlasFact]
    public void BetaZeroIgnoresNaNInTheOutputInFloat() => BackendChecks.BetaZeroIgnoresNaNInC<float>(Backend);

    [OpenBlasFact]
    public void AnEmptyInnerDimensionScalesTheOutputByBeta()
    {
        BackendChecks.EmptyInnerDimensionScalesCByBeta<double>(Backend);
        BackendChecks.EmptyInnerDimensionScalesCByBeta<float>(Backend);
    }

    [OpenBlasFact]
    public void SyrkMatchesTheNaiveGramMatrixInBothTriangles() => BackendChecks.SyrkFillsBothTriangles(Backend);
}
