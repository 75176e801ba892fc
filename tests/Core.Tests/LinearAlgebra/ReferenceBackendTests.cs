using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>The portable reference kernel meets the backend contract.</summary>
public sealed class ReferenceBackendTests
{
    private static IBlasBackend Backend => ManagedBlas.Instance;

    [Fact]
    public void DoubleProductsMatchTheNaiveLoopOnOddShapesInAllTransposes() => BackendChecks.AgreesOnOddShapes<double>(Backend);

    [Fact]
    public void FloatProductsMatchTheNaiveLoopOnOddShapesInAllTransposes() => BackendChecks.AgreesOnOddShapes<float>(Backend);

    [Fact]
    public void DoubleProductsHonourAlphaBetaAndLeadingDimensions() => BackendChecks.AgreesOnRandomShapesWithScalarsAndPadding<double>(Backend, 200);

    [Fact]
    public void FloatProductsHonourAlphaBetaAndLeadingDimensions() => BackendChecks.AgreesOnRandomShapesWithScalarsAndPadding<float>(Backend, 200);

    [Fact]
    public void DoubleLargeProductsMatchTheNaiveLoop() => BackendChecks.AgreesOnLargeProducts<double>(Backend);

    [Fact]
    public void FloatLargeProductsMatchTheNaiveLoop() => BackendChecks.AgreesOnLargeProducts<float>(Backend);

    [Fact]
    public void BetaZeroIgnoresNaNInTheOutputInDouble() => BackendChecks.BetaZeroIgnoresNaNInC<double>(Backend);

    [Fact]
    public void BetaZeroIgnoresNaNInTheOutputInFloat() => BackendChecks.BetaZeroIgnoresNaNInC<float>(Backend);

    [Fact]
    public void AnEmptyInnerDimensionScalesTheOutputByBeta()
    {
        BackendChecks.EmptyInnerDimensionScalesCByBeta<double>(Backend);
        BackendChecks.EmptyInnerDimensionScalesCByBeta<float>(Backend);
    }

    [Fact]
    public void SyrkMatchesTheNaiveGramMatrixInBothTriangles() => BackendChecks.SyrkFillsBothTriangles(Backend);
}
