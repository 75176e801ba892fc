using Nn.LinearAlgebra;
using Nn.TestSupport;

namespace Nn.Tests.LinearAlgebra;

/// <summary>The OpenBLAS backend meets the backend contract on this machine's libopenblas.so.0.</summary>
public sealed class OpenBlasBackendTests
{
    private static IBlasBackend Backend => OpenBlas.Instance!;

    [SystemFact(SystemPackage.OpenBlas)]
    public void DoubleProductsMatchTheNaiveLoopOnOddShapesInAllTransposes() => BackendChecks.AgreesOnOddShapes<double>(Backend);

    [SystemFact(SystemPackage.OpenBlas)]
    public void FloatProductsMatchTheNaiveLoopOnOddShapesInAllTransposes() => BackendChecks.AgreesOnOddShapes<float>(Backend);

    [SystemFact(SystemPackage.OpenBlas)]
    public void DoubleProductsHonourAlphaBetaAndLeadingDimensions() => BackendChecks.AgreesOnRandomShapesWithScalarsAndPadding<double>(Backend, 200);

    [SystemFact(SystemPackage.OpenBlas)]
    public void FloatProductsHonourAlphaBetaAndLeadingDimensions() => BackendChecks.AgreesOnRandomShapesWithScalarsAndPadding<float>(Backend, 200);

    [SystemFact(SystemPackage.OpenBlas)]
    public void DoubleLargeProductsMatchTheNaiveLoop() => BackendChecks.AgreesOnLargeProducts<double>(Backend);

    [SystemFact(SystemPackage.OpenBlas)]
    public void FloatLargeProductsMatchTheNaiveLoop() => BackendChecks.AgreesOnLargeProducts<float>(Backend);

    [SystemFact(SystemPackage.OpenBlas)]
    public void BetaZeroIgnoresNaNInTheOutputInDouble() => BackendChecks.BetaZeroIgnoresNaNInC<double>(Backend);

    [SystemFact(SystemPackage.OpenBlas)]
    public void BetaZeroIgnoresNaNInTheOutputInFloat() => BackendChecks.BetaZeroIgnoresNaNInC<float>(Backend);

    [SystemFact(SystemPackage.OpenBlas)]
    public void AnEmptyInnerDimensionScalesTheOutputByBeta()
    {
        BackendChecks.EmptyInnerDimensionScalesCByBeta<double>(Backend);
        BackendChecks.EmptyInnerDimensionScalesCByBeta<float>(Backend);
    }

    [SystemFact(SystemPackage.OpenBlas)]
    public void SyrkMatchesTheNaiveGramMatrixInBothTriangles() => BackendChecks.SyrkFillsBothTriangles(Backend);
}
