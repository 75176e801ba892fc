using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>The backend contract (<see cref="BackendChecks"/>), run once for every managed backend that derives from it.</summary>
public abstract class ManagedBackendContract
{
    /// <summary>The backend under test.</summary>
    protected abstract IBlasBackend Backend { get; }

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
