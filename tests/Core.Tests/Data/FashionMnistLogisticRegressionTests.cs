using Nn.Data;
using Nn.Newton;
using Nn.TestSupport;

namespace Nn.Tests.Data;

public sealed class FashionMnistLogisticRegressionTests
{
    // T-shirt/top (0) against Shirt (6, the positive class), pixels / 255, C = 1 (λ = 1). Reference figures from
    // scikit-learn 1.2.1 on the same data: objective 3486.3419, test accuracy 0.8335 (see SklearnNewtonCgCoefficients).
    private static (double[] X, double[] Y) TwoClasses(LabelledImages set)
    {
        var (x, labels) = set.ToFeatures(label => label is 0 or 6, 1.0 / 255);
        return (x, labels.Select(l => l == 6 ? 1.0 : 0.0).ToArray());
    }

    [SystemFact(SystemPackage.FashionMnist)]
    public void NewtonOnTShirtsVersusShirtsReproducesScikitLearn() => ReproducesScikitLearn(new LogisticRegressionOptions { Lambda = 1.0 });

    [SystemFact(SystemPackage.FashionMnist)]
    public void NewtonWithAFloat64HessianOnTShirtsVersusShirtsReproducesScikitLearn() =>
        ReproducesScikitLearn(new LogisticRegressionOptions { Lambda = 1.0, HessianPrecision = Nn.Models.Precision.Float64 });

    private static void ReproducesScikitLearn(LogisticRegressionOptions options)
    {
        var (xTrain, yTrain) = TwoClasses(FashionMnist.LoadTrain());
        var (xTest, yTest) = TwoClasses(FashionMnist.LoadTest());
        Assert.Equal(12_000, yTrain.Length);
        Assert.Equal(2_000, yTest.Length);

        var fit = LogisticRegressionNewton.Fit(xTrain, 784, yTrain, options);

        Assert.Equal(LogisticRegressionOutcome.Converged, fit.Outcome);
        Assert.InRange(fit.Iterations, 1, 10);
        Assert.InRange(fit.Objective, 3486.342 - 0.001, 3486.342 + 0.001);

        var z = fit.Decision(xTest);
        var accuracy = z.Zip(yTest, (zi, yi) => (zi > 0) == (yi == 1) ? 1.0 : 0.0).Average();
        Assert.Equal(0.8335, accuracy, 1e-12);

        var reference = SklearnNewtonCgCoefficients.Weights;
        var worst = Enumerable.Range(0, 784).Max(j => Math.Abs(fit.Weights[j] - reference[j]));
        Assert.True(worst <= 1e-4, $"largest weight difference from scikit-learn newton-cg is {worst:G3}");
        Assert.Equal(SklearnNewtonCgCoefficients.Intercept, fit.Intercept, 1e-4);
    }
}
