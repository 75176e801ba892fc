using Nn.Initialization;
using Nn.LinearAlgebra;
using Nn.Models;
using Nn.Tests.Support;

namespace Nn.Tests.Models;

public sealed class StandardizationTests
{
    [Fact]
    public void FitGivesTheMeanAndPopulationStandardDeviationOfEachFeature()
    {
        // Feature 0 is 1, 2, 3, 4: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
        var x = Dense.Matrix(2, 4, [1.0, 5, 2, 5, 3, 9, 4, 9]);

        var s = Standardization.Fit(x);

        Assert.Equal([2.5, 7.0], s.Means.ToArray());
        Assert.Equal([Math.Sqrt(1.25), 2.0], s.Scales.ToArray());
    }

    [Fact]
    public void AConstantFeatureGetsScaleOneAndMapsToExactlyZero()
    {
        // 0.1 + 0.1 + 0.1 divided by 3 is not exactly 0.1 in binary, so the mean must be the value itself.
        var x = Dense.Matrix(2, 3, [0.1, 1, 0.1, 2, 0.1, 4]);

        var s = Standardization.Fit(x);
        var applied = s.Apply(x);

        Assert.Equal(0.1, s.Means[0]);
        Assert.Equal(1.0, s.Scales[0]);
        Assert.Equal([0.0, 0.0, 0.0], applied.Row(0).ToArray());
    }

    [Fact]
    public void AppliedToItsTrainingDataEveryFeatureHasMeanZeroAndDeviationOne()
    {
        var (raw, _) = RandomNetworks.Uniform(3, 50, -1, 1, Rng.FromSeed(4));
        var x = SampleModels.Scaled(raw);

        var z = Standardization.Fit(x).Apply(x);

        for (var i = 0; i < 3; i++)
        {
            var row = z.Row(i).ToArray();
            Assert.Equal(0.0, row.Average(), 12);
            Assert.Equal(1.0, Math.Sqrt(row.Select(v => v * v).Average()), 12);
        }
    }

    [Fact]
    public void NewDataIsScaledWithTheTrainingStatisticsNotItsOwn()
    {
        var training = Dense.Matrix(1, 4, [1.0, 2, 3, 4]);
        var test = Dense.Matrix(1, 2, [10.0, 12]);

        var z = Standardization.Fit(training).Apply(test);

        Assert.Equal([(10 - 2.5) / Math.Sqrt(1.25), (12 - 2.5) / Math.Sqrt(1.25)], z.Row(0).ToArray());
    }

    [Fact]
    public void ApplyLeavesItsInputUnchanged()
    {
        var x = Dense.Matrix(2, 2, [1.0, 2, 3, 4]);
        var s = Standardization.Fit(x);

        s.Apply(x);

        Assert.Equal([1.0, 2, 3, 4], Dense.Data(x));
    }

    [Fact]
    public void ApplyRefusesADifferentNumberOfFeatures()
    {
        var s = new Standardization([0.0, 0.0], [1.0, 1.0]);

        var error = Assert.Throws<ArgumentException>(() => s.Apply(Dense.Matrix(3, 1, [1.0, 2, 3])));

        Assert.StartsWith("x has 3 rows but the standardisation was fitted on 2 features.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitRefusesNonFiniteValuesAndNamesTheirPosition()
    {
        var error = Assert.Throws<ArgumentException>(() => Standardization.Fit(Dense.Matrix(2, 2, [1.0, 2, double.NaN, 4])));

        Assert.StartsWith("x[0, 1] is NaN: values must be finite.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitRefusesAnEmptyBatch() =>
        Assert.Throws<ArgumentException>(() => Standardization.Fit(Dense.Matrix(2, 0, Array.Empty<double>())));

    [Fact]
    public void TheConstructorRefusesAZeroScaleAndMismatchedLengths()
    {
        Assert.StartsWith("scales[1] is 0", Assert.Throws<ArgumentException>(() => new Standardization([0.0, 0.0], [1.0, 0.0])).Message, StringComparison.Ordinal);
        Assert.StartsWith("There are 2 means but 1 scales.", Assert.Throws<ArgumentException>(() => new Standardization([0.0, 0.0], [1.0])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValuesNearTheLargestDoubleAreStandardisedWithoutOverflow()
    {
        // Their squares overflow to ∞ in the plain variance; the scaled moments give μ = 0 and σ = 1.5e308.
        var x = Dense.Matrix(1, 4, [1.5e308, -1.5e308, 1.5e308, -1.5e308]);

        var fitted = Standardization.Fit(x);
        var scaled = Dense.Data(fitted.Apply(x));

        Assert.Equal(0.0, fitted.Means[0]);
        Assert.Equal(1.5e308, fitted.Scales[0], 1e295);
        Assert.Equal([1.0, -1.0, 1.0, -1.0], scaled.Select(v => Math.Round(v, 12)));
    }
}
