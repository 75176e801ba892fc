using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Serialization;
using Nn.Training;

namespace Nn.CSharp.Tests;

/// <summary>A user's own activation, loss and optimizer transform, defined in C#.</summary>
public sealed class ExtensionTests
{
    // Swish (Ramachandran et al. 2017): g(z) = z·σ(z), g′ = σ(1 + z(1 − σ)), g″ = σ(1 − σ)(2 + z(1 − 2σ)).
    private static double Sigma(double z) => 1 / (1 + Math.Exp(-z));

    private static readonly CustomActivation Swish = Activation.Custom(
        "swish",
        z => z * Sigma(z),
        z => Sigma(z) * (1 + (z * (1 - Sigma(z)))),
        z => Sigma(z) * (1 - Sigma(z)) * (2 + (z * (1 - (2 * Sigma(z))))));

    private static readonly CustomActivation SwishWithoutCurvature = Activation.Custom("swish1", z => z * Sigma(z), z => Sigma(z) * (1 + (z * (1 - Sigma(z)))));

    // ½‖ŷ − y‖², written by hand: the same function as the built-in squared error.
    private static readonly CustomLoss HalfSquares = Loss.Custom(
        "half-squares",
        (output, target) =>
        {
            var sum = 0.0;
            for (var i = 0; i < output.Length; i++)
            {
                sum += 0.5 * (output[i] - target[i]) * (output[i] - target[i]);
            }

            return sum;
        },
        (output, target, gradient) =>
        {
            for (var i = 0; i < output.Length; i++)
            {
                gradient[i] = output[i] - target[i];
            }
        },
        (output, target, direction, result) => direction.CopyTo(result));

    private static (MathNet.Numerics.LinearAlgebra.Matrix<double> X, MathNet.Numerics.LinearAlgebra.Matrix<double> Y) Curve()
    {
        var xs = Enumerable.Range(0, 24).Select(i => -3 + (6.0 * i / 23)).ToArray();
        return (Dense.Matrix(1, xs.Length, xs), Dense.Matrix(1, xs.Length, [.. xs.Select(Math.Sin)]));
    }

    [Fact]
    public void ACustomActivationPassesTheGradientCheckAndTrains()
    {
        var (x, y) = Curve();
        var network = Network.Create<double>([1, 8, 1], Swish, Activation.Identity, Initializer.XavierNormal, seed: 3);
        Assert.True(GradientCheck.Run(network, x, y, Loss.SquaredError).WorstRelativeError < 1e-7);

        var data = Nn.Pipeline.Data.create(x, Nn.Pipeline.Targets.NewValues(y), ["x"]);
        var run = Trainer.Fit(network, data, new TrainingOptions { Epochs = 300, BatchSize = 24, Optimizer = GradientTransformations.Adam(0.02) });
        Assert.True(run.Epochs[^1].TrainLoss < 0.1 * run.Epochs[0].TrainLoss, $"{run.Epochs[0].TrainLoss} → {run.Epochs[^1].TrainLoss}");
    }

    [Fact]
    public void ACustomActivationWithItsSecondDerivativeGivesExactHessianProducts()
    {
        // H·v against central differences of the gradient along v.
        var (x, y) = Curve();
        var network = Network.Create<double>([1, 4, 1], Swish, Activation.Identity, Initializer.XavierNormal, seed: 4);
        var v = network.Parameters.Map((p, r) => { for (var i = 0; i < p.Length; i++) { r[i] = Math.Cos(i + 1); } });
        var hv = Curvature.HessianVectorProduct(network, x, y, Loss.SquaredError, v).ToArray();
        const double h = 1e-5;
        var plus = Propagation.CostAndGradients(network.WithParameters(network.Parameters.AddScaled(h, v)), x, y, Loss.SquaredError).Gradients.ToArray();
        var minus = Propagation.CostAndGradients(network.WithParameters(network.Parameters.AddScaled(-h, v)), x, y, Loss.SquaredError).Gradients.ToArray();
        for (var i = 0; i < hv.Length; i++)
        {
            Assert.Equal((plus[i] - minus[i]) / (2 * h), hv[i], 6);
        }
    }

    [Fact]
    public void SecondOrderTrainingRefusesAnActivationWithoutSecondDerivativeByName()
    {
        var (x, y) = Curve();
        var network = Network.Create<double>([1, 4, 1], SwishWithoutCurvature, Activation.Identity, Initializer.XavierNormal, seed: 5);
        var data = Nn.Pipeline.Data.create(x, Nn.Pipeline.Targets.NewValues(y), ["x"]);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 24, Optimizer = GradientTransformations.DampedNewton() };
        var error = Assert.Throws<NotSupportedException>(() => Trainer.Fit(network, data, options));
        Assert.Contains("'swish1' has no second derivative", error.Message, StringComparison.Ordinal);
        // Levenberg–Marquardt needs only first derivatives of the activations.
        var lm = Trainer.Fit(network, data, new TrainingOptions { Epochs = 5, BatchSize = 24, Optimizer = GradientTransformations.LevenbergMarquardt() });
        Assert.True(lm.Steps[^1].Loss < lm.Steps[0].Loss);
    }

    [Fact]
    public void ACustomLossMatchesTheBuiltInLossItRewritesInGradientsAndCurvature()
    {
        var (x, y) = Curve();
        var network = Network.Create<double>([1, 5, 1], Activation.Tanh, Activation.Identity, Initializer.XavierNormal, seed: 6);
        var (costBuiltIn, gradBuiltIn) = Propagation.CostAndGradients(network, x, y, Loss.SquaredError);
        var (costCustom, gradCustom) = Propagation.CostAndGradients(network, x, y, HalfSquares);
        Assert.Equal(costBuiltIn, costCustom, 14);
        Assert.All(gradBuiltIn.ToArray().Zip(gradCustom.ToArray()), p => Assert.Equal(p.First, p.Second, 14));
        Assert.True(GradientCheck.Run(network, x, y, HalfSquares).WorstRelativeError < 1e-7);

        var v = network.Parameters.Map((p, r) => { for (var i = 0; i < p.Length; i++) { r[i] = Math.Sin(i + 2); } });
        var ggnBuiltIn = Curvature.GaussNewtonVectorProduct(network, x, y, Loss.SquaredError, v).ToArray();
        var ggnCustom = Curvature.GaussNewtonVectorProduct(network, x, y, HalfSquares, v).ToArray();
        var hvBuiltIn = Curvature.HessianVectorProduct(network, x, y, Loss.SquaredError, v).ToArray();
        var hvCustom = Curvature.HessianVectorProduct(network, x, y, HalfSquares, v).ToArray();
        Assert.All(ggnBuiltIn.Zip(ggnCustom), p => Assert.Equal(p.First, p.Second, 12));
        Assert.All(hvBuiltIn.Zip(hvCustom), p => Assert.Equal(p.First, p.Second, 12));

        // And it trains with Levenberg–Marquardt on its curvature as the built-in loss does, step for step.
        var data = Nn.Pipeline.Data.create(x, Nn.Pipeline.Targets.NewValues(y), ["x"]);
        TrainingOptions Options(Loss loss) => new() { Epochs = 10, BatchSize = 24, Loss = loss, Optimizer = GradientTransformations.LevenbergMarquardt() };
        var custom = Trainer.Fit(network, data, Options(HalfSquares));
        var builtIn = Trainer.Fit(network, data, Options(Loss.SquaredError));
        Assert.True(custom.Steps[^1].Loss < custom.Steps[0].Loss);
        Assert.All(custom.Steps.Zip(builtIn.Steps), p => Assert.Equal(p.Second.Loss, p.First.Loss, 10));
    }

    [Fact]
    public void ACustomTransformWithoutAFusedKernelTrainsLikeTheBuiltInOne()
    {
        // θ ← θ − α·g written as a user's transform: the pure path gives the fused built-in's bits.
        var userSgd = GradientTransformation.Create<double>(_ => null, (g, state, _) => (g.Scale(-0.1), state));
        var (x, y) = Curve();
        var data = Nn.Pipeline.Data.create(x, Nn.Pipeline.Targets.NewValues(y), ["x"]);
        var network = Network.Create<double>([1, 6, 1], Activation.Tanh, Activation.Identity, Initializer.XavierNormal, seed: 7);
        TrainingOptions Options(GradientTransformation o) => new() { Epochs = 20, BatchSize = 8, Optimizer = o };
        var builtIn = Trainer.Fit(network, data, Options(GradientTransformations.Sgd(0.1))).Network.Parameters.ToArray();
        var custom = Trainer.Fit(network, data, Options(userSgd)).Network.Parameters.ToArray();
        Assert.Equal(builtIn, custom);
    }

    [Fact]
    public void AModelWithACustomActivationAndLossIsReadBackWhenTheyAreGiven()
    {
        var (x, _) = Curve();
        var network = Network.Create<double>([1, 3, 1], Swish, Activation.Identity, Initializer.XavierNormal, seed: 8);
        var path = Path.Combine(Path.GetTempPath(), $"nn-custom-{Guid.NewGuid():N}.json");
        try
        {
            ModelFile.Save(Model.Create(network, HalfSquares), path);
            var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
            Assert.Contains("swish", error.Message, StringComparison.Ordinal);
            Assert.Contains("custom activation is read back by passing it to ModelFile.Load", error.Message, StringComparison.Ordinal);
            var loaded = ModelFile.Load(path, [Swish], [HalfSquares]);
            Assert.Equal(Dense.Data(Propagation.Predict(network, x)), Dense.Data(loaded.Predict(x)));
            Assert.Same(HalfSquares, loaded.Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
