using FsCheck;
using FsCheck.Fluent;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Newton;
using Nn.Tests.Support;
using static Nn.Tests.Layers.CurvatureTestSupport;

namespace Nn.Tests.Layers;

public sealed class CurvatureTests
{
    private static Gen<(Problem Problem, int Seed)> ProblemsWithDirectionSeeds(int maxDepth = 4) =>
        from problem in RandomNetworks.Problems(maxDepth)
        from seed in Gen.Choose(0, 100000)
        select (problem, seed);

    [Fact]
    public void HessianVectorProductsEqualFourthOrderFiniteDifferencesOfTheGradient()
    {
        const double epsilon = 1e-3;
        var property = Prop.ForAll(ProblemsWithDirectionSeeds().ToArbitrary(), c =>
        {
            var (problem, seed) = c;
            var v = RandomDirection(problem.Network, seed);
            return Prop.When(DistanceToKinkAlong(problem, v.ToArray(), epsilon) > 0.05, () =>
            {
                var hv = Curvature.HessianVectorProduct(problem.Network, problem.X, problem.Y, problem.Loss, v).ToArray();
                var numeric = FiniteDifferenceHessianVectorProduct(problem, v.ToArray(), epsilon);
                return RandomNetworks.MaxAbsDifference(hv, numeric) <= 1e-8 * Math.Max(RandomNetworks.MaxAbs(hv), 1e-2);
            }).Label(problem.Description);
        });
        Properties.Check(property);
    }

    [Fact]
    public void TheFiniteDifferenceComparisonDetectsAProductWithTheWrongTargets()
    {
        // The same network and direction with targets moved: the check must see the difference in the residual term.
        var problem = RandomNetworks.Build(3, [4, 2], [Activation.Tanh, Activation.Tanh], Loss.SquaredError, 4, 7);
        var v = RandomDirection(problem.Network, 11);
        var numeric = FiniteDifferenceHessianVectorProduct(problem, v.ToArray(), 1e-3);
        var right = Curvature.HessianVectorProduct(problem.Network, problem.X, problem.Y, problem.Loss, v).ToArray();
        var wrong = Curvature.HessianVectorProduct(problem.Network, problem.X, problem.Y * 0.5, problem.Loss, v).ToArray();
        Assert.True(RandomNetworks.MaxAbsDifference(right, numeric) <= 1e-8 * RandomNetworks.MaxAbs(right));
        Assert.True(RandomNetworks.MaxAbsDifference(wrong, numeric) > 1e-3 * RandomNetworks.MaxAbs(right));
    }

    [Fact]
    public void HessianAndGaussNewtonProductsAreLinearInTheDirection()
    {
        var gen =
            from c in ProblemsWithDirectionSeeds()
            from alpha in Gen.Choose(-300, 300).Select(i => i / 100.0)
            from beta in Gen.Choose(-300, 300).Select(i => i / 100.0)
            select (c.Problem, c.Seed, alpha, beta);
        var property = Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var (problem, seed, alpha, beta) = c;
            var op = Curvature.At(problem.Network, problem.X, problem.Y, problem.Loss);
            var u = RandomDirection(problem.Network, seed);
            var v = RandomDirection(problem.Network, seed + 1);
            var combined = u.Scale(alpha).Add(v.Scale(beta));
            bool Linear(Func<Parameters<double>, Parameters<double>> product)
            {
                var expected = product(u).Scale(alpha).Add(product(v).Scale(beta)).ToArray();
                var actual = product(combined).ToArray();
                return RandomNetworks.MaxAbsDifference(expected, actual) <= 1e-12 * Math.Max(1, RandomNetworks.MaxAbs(expected));
            }

            return (Linear(op.HessianVectorProduct) && Linear(op.GaussNewtonVectorProduct)).Label(problem.Description);
        });
        Properties.Check(property);
    }

    [Fact]
    public void TheHessianIsSymmetricToRounding()
    {
        var property = Prop.ForAll(RandomNetworks.Problems().ToArbitrary(), problem =>
        {
            var h = Curvature.Hessian(problem.Network, problem.X, problem.Y, problem.Loss);
            return ((h - h.Transpose()).FrobeniusNorm() <= 1e-13 * h.FrobeniusNorm()).Label(problem.Description);
        });
        Properties.Check(property, maxTest: 50);
    }

    [Fact]
    public void TheDenseHessianHoldsTheHessianVectorProductsInFlatOrder()
    {
        var property = Prop.ForAll(ProblemsWithDirectionSeeds(maxDepth: 3).ToArbitrary(), c =>
        {
            var (problem, seed) = c;
            var op = Curvature.At(problem.Network, problem.X, problem.Y, problem.Loss);
            var v = RandomDirection(problem.Network, seed);
            var viaMatrix = (op.HessianMatrix() * Vector<double>.Build.DenseOfArray(v.ToArray())).ToArray();
            var gnViaMatrix = (op.GaussNewtonMatrix() * Vector<double>.Build.DenseOfArray(v.ToArray())).ToArray();
            var hv = op.HessianVectorProduct(v).ToArray();
            var gv = op.GaussNewtonVectorProduct(v).ToArray();
            return (RandomNetworks.MaxAbsDifference(viaMatrix, hv) <= 1e-12 * Math.Max(1, RandomNetworks.MaxAbs(hv))
                && RandomNetworks.MaxAbsDifference(gnViaMatrix, gv) <= 1e-12 * Math.Max(1, RandomNetworks.MaxAbs(gv))).Label(problem.Description);
        });
        Properties.Check(property, maxTest: 50);
    }

    [Fact]
    public void TheGaussNewtonQuadraticFormIsNeverNegative()
    {
        var property = Prop.ForAll(ProblemsWithDirectionSeeds().ToArbitrary(), c =>
        {
            var (problem, seed) = c;
            var v = RandomDirection(problem.Network, seed);
            var gv = Curvature.GaussNewtonVectorProduct(problem.Network, problem.X, problem.Y, problem.Loss, v);
            // vᵀGv = (1/m)·(Jv)ᵀH_L(Jv) ≥ 0 exactly; computed as vᵀ(Jᵀu) it may only miss by rounding.
            return (v.Dot(gv) >= -1e-13 * v.Norm() * gv.Norm()).Label(problem.Description);
        });
        Properties.Check(property);
    }

    [Fact]
    public void TheGaussNewtonMatrixEqualsJacobianTransposeTimesLossHessianTimesJacobianBuiltIndependently()
    {
        // J by fourth-order finite differences of the split output (logits, or outputs for squared error) and H_L
        // written out per loss; G = (1/m)·Jᵀ·H_L·J.
        var property = Prop.ForAll(RandomNetworks.Problems(maxDepth: 3).ToArbitrary(), problem =>
            Prop.When(RandomNetworks.DistanceToKink(problem.Network, problem.X) > 0.05, () =>
            {
                var g = Curvature.GaussNewtonMatrix(problem.Network, problem.X, problem.Y, problem.Loss);
                var jacobian = FiniteDifferenceOutputJacobian(problem, 1e-3);
                var expected = jacobian.Transpose() * ExplicitLossHessian(problem) * jacobian / problem.X.ColumnCount;
                return MaxAbs(g - expected) <= 1e-9 * Math.Max(MaxAbs(expected), 1e-3);
            }).Label(problem.Description));
        Properties.Check(property, maxTest: 50);
    }

    [Fact]
    public void ForOneLayerNetworksWithAConvexLossOnTheirOutputTheGaussNewtonMatrixEqualsTheHessian()
    {
        // A single layer's logits are linear in θ, so the Hessian has no network-curvature term (Schraudolph 2002).
        // This holds for the fused sigmoid and softmax losses and for squared error after an identity output.
        var property = Prop.ForAll(RandomNetworks.Problems(maxDepth: 1).ToArbitrary(), problem =>
            Prop.When(problem.Loss is not SquaredErrorLoss || problem.Network.OutputActivation is IdentityActivation, () =>
            {
                var op = Curvature.At(problem.Network, problem.X, problem.Y, problem.Loss);
                var h = op.HessianMatrix();
                return MaxAbs(h - op.GaussNewtonMatrix()) <= 1e-14 * Math.Max(MaxAbs(h), 1e-3);
            }).Label(problem.Description));
        Properties.Check(property);
    }

    [Fact]
    public void WhenTheTargetsEqualThePredictionsTheHessianEqualsTheGaussNewtonMatrix()
    {
        // H = G + (1/m)·Σᵢ Σₖ (∂L/∂sₖ)·∇²sₖ: with a zero residual only the Gauss–Newton part is left, at any depth.
        var property = Prop.ForAll(RandomNetworks.Problems().ToArbitrary(), problem =>
        {
            var predictions = Propagation.Predict(problem.Network, problem.X);
            var op = Curvature.At(problem.Network, problem.X, predictions, problem.Loss);
            var h = op.HessianMatrix();
            return (MaxAbs(h - op.GaussNewtonMatrix()) <= 1e-12 * Math.Max(MaxAbs(h), 1e-3)).Label(problem.Description);
        });
        Properties.Check(property, maxTest: 50);
    }

    [Fact]
    public void TheHessianOfATanhNetworkAwayFromItsTargetsIsIndefiniteWhileItsGaussNewtonMatrixIsNot()
    {
        var problem = RandomNetworks.Build(3, [4, 2], [Activation.Tanh, Activation.Tanh], Loss.SquaredError, 4, 7);
        var op = Curvature.At(problem.Network, problem.X, problem.Y * 3, problem.Loss);
        var h = op.HessianMatrix();
        var g = op.GaussNewtonMatrix();
        var hEigen = h.Evd(Symmetricity.Symmetric).EigenValues.Select(e => e.Real).ToArray();
        var gEigen = g.Evd(Symmetricity.Symmetric).EigenValues.Select(e => e.Real).ToArray();
        Assert.True(hEigen.Min() < -1e-3 * hEigen.Max(), $"smallest Hessian eigenvalue {hEigen.Min()}, largest {hEigen.Max()}");
        Assert.True(gEigen.Min() >= -1e-13 * gEigen.Max(), $"smallest Gauss–Newton eigenvalue {gEigen.Min()}, largest {gEigen.Max()}");
        Assert.True(MaxAbs(h - g) > 1e-3 * MaxAbs(h));
    }

    [Fact]
    public void TheHessianOfLogisticRegressionIsXSXTransposeOverM()
    {
        // J = (1/m)·Σ BCE(σ(wᵀx + b), y) has ∇²J = (1/m)·X̃·S·X̃ᵀ with X̃ = [X; 1ᵀ] and S = diag(a(1 − a)): the
        // bias is the weight of a constant feature, last in the flat order W then b.
        const int features = 4;
        const int m = 9;
        var (x, rng) = RandomNetworks.Uniform(features, m, -3, 3, Rng.FromSeed(5));
        var (y, rng2) = RandomNetworks.Uniform(1, m, 0, 1, rng);
        var network = LogisticRegression.Create<double>(features, Initializer.XavierNormal, rng2);
        var a = Propagation.Predict(network, x);
        var xTilde = x.Stack(Matrix<double>.Build.Dense(1, m, 1.0));
        var s = Matrix<double>.Build.DenseOfDiagonalArray(Enumerable.Range(0, m).Select(i => a[0, i] * (1 - a[0, i])).ToArray());
        var expected = xTilde * s * xTilde.Transpose() / m;

        var h = Curvature.Hessian(network, x, y, Loss.BinaryCrossEntropy);

        Assert.Equal(features + 1, h.RowCount);
        Assert.True(MaxAbs(h - expected) <= 1e-15 * MaxAbs(expected) * (features + 1), $"max difference {MaxAbs(h - expected)}");
        Assert.True(MaxAbs(Curvature.GaussNewtonMatrix(network, x, y, Loss.BinaryCrossEntropy) - expected) <= 1e-15 * MaxAbs(expected) * (features + 1));
    }

    [Fact]
    public void TheHessianOfLinearLeastSquaresIsXXTransposeOverMForEachOutputAndDoesNotDependOnTheTargets()
    {
        // One identity layer with squared error: J = (1/2m)·‖W·X + b − Y‖², so ∂²J/∂W[r,c]∂W[r′,c′] = δᵣᵣ′·(1/m)·Σᵢ x̃cⁱ·x̃c′ⁱ
        // with x̃ = [x; 1] — the normal-equation matrix, once per output row, whatever W, b and Y are.
        const int features = 3;
        const int outputs = 2;
        const int m = 7;
        var (x, rng) = RandomNetworks.Uniform(features, m, -2, 2, Rng.FromSeed(8));
        var (y, rng2) = RandomNetworks.Uniform(outputs, m, -1, 1, rng);
        var network = Network.Create<double>(features, [(outputs, Activation.Identity)], Initializer.XavierNormal, rng2);
        var xTilde = x.Stack(Matrix<double>.Build.Dense(1, m, 1.0));
        var normal = xTilde * xTilde.Transpose() / m;
        int Index(int row, int input) => input < features ? row + (input * outputs) : (outputs * features) + row;

        var h = Curvature.Hessian(network, x, y, Loss.SquaredError);
        var atOtherTargets = Curvature.Hessian(network, x, y * -3, Loss.SquaredError);

        var expected = Matrix<double>.Build.Dense(h.RowCount, h.ColumnCount);
        for (var r = 0; r < outputs; r++)
        {
            for (var c = 0; c <= features; c++)
            {
                for (var c2 = 0; c2 <= features; c2++)
                {
                    expected[Index(r, c), Index(r, c2)] = normal[c, c2];
                }
            }
        }

        Assert.True(MaxAbs(h - expected) <= 1e-15 * MaxAbs(expected) * (features + 1), $"max difference {MaxAbs(h - expected)}");
        Assert.True(MaxAbs(atOtherTargets - expected) <= 1e-15 * MaxAbs(expected) * (features + 1));
    }

    [Fact]
    public void Float32ProductsAgreeWithFloat64WithinOneInTenThousand()
    {
        var property = Prop.ForAll(ProblemsWithDirectionSeeds().ToArbitrary(), c =>
        {
            var (problem, seed) = c;
            var v = RandomDirection(problem.Network, seed);
            var single = problem.Network.Convert<float>();
            var x32 = Dense.Matrix(problem.X.RowCount, problem.X.ColumnCount, Dense.Data(problem.X).Select(t => (float)t).ToArray());
            var y32 = Dense.Matrix(problem.Y.RowCount, problem.Y.ColumnCount, Dense.Data(problem.Y).Select(t => (float)t).ToArray());
            var v32 = single.Parameters.FromArray(v.ToArray().Select(t => (float)t).ToArray());
            var op64 = Curvature.At(problem.Network, problem.X, problem.Y, problem.Loss);
            var op32 = Curvature.At(single, x32, y32, problem.Loss);
            bool Agree(double[] wide, float[] narrow) =>
                RandomNetworks.MaxAbsDifference(wide, narrow.Select(t => (double)t).ToArray()) <= 1e-4 * Math.Max(RandomNetworks.MaxAbs(wide), 1e-2);
            return (Agree(op64.HessianVectorProduct(v).ToArray(), op32.HessianVectorProduct(v32).ToArray())
                && Agree(op64.GaussNewtonVectorProduct(v).ToArray(), op32.GaussNewtonVectorProduct(v32).ToArray())).Label(problem.Description);
        });
        Properties.Check(property);
    }

    [Fact]
    public void ProductsLeaveTheNetworkTheBatchAndTheDirectionUnchanged()
    {
        var property = Prop.ForAll(ProblemsWithDirectionSeeds().ToArbitrary(), c =>
        {
            var (problem, seed) = c;
            var v = RandomDirection(problem.Network, seed);
            var before = (problem.Network.Parameters.ToArray(), Dense.Data(problem.X).ToArray(), Dense.Data(problem.Y).ToArray(), v.ToArray());
            var op = Curvature.At(problem.Network, problem.X, problem.Y, problem.Loss);
            var first = op.HessianVectorProduct(v).ToArray();
            op.GaussNewtonVectorProduct(v);
            var second = op.HessianVectorProduct(v).ToArray();
            return first.SequenceEqual(second)
                && before.Item1.SequenceEqual(problem.Network.Parameters.ToArray())
                && before.Item2.SequenceEqual(Dense.Data(problem.X))
                && before.Item3.SequenceEqual(Dense.Data(problem.Y))
                && before.Item4.SequenceEqual(v.ToArray());
        });
        Properties.Check(property, maxTest: 50);
    }

    [Fact]
    public void ADirectionOfTheWrongShapeIsRefusedWithBothShapes()
    {
        var network = Network.Create<double>([3, 4, 1], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 1);
        var other = Network.Create<double>([2, 4, 1], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 1);
        var x = Matrix<double>.Build.Dense(3, 2, 0.5);
        var y = Matrix<double>.Build.Dense(1, 2, 1.0);
        var error = Assert.Throws<ArgumentException>(() => Curvature.HessianVectorProduct(network, x, y, Loss.BinaryCrossEntropy, other.Parameters));
        Assert.Contains("v has weights 4×2 at layer 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("4×3", error.Message, StringComparison.Ordinal);
        var shallow = Network.Create<double>([3, 1], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 1);
        var layers = Assert.Throws<ArgumentException>(() => Curvature.GaussNewtonVectorProduct(network, x, y, Loss.BinaryCrossEntropy, shallow.Parameters));
        Assert.Contains("v has 1 layers but the network has 2", layers.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALossThatDoesNotFitTheOutputActivationIsRefused()
    {
        var network = Network.Create<double>([3, 4, 1], Activation.Tanh, Activation.Tanh, Initializer.XavierNormal, 1);
        var x = Matrix<double>.Build.Dense(3, 2, 0.5);
        var y = Matrix<double>.Build.Dense(1, 2, 1.0);
        var error = Assert.Throws<ArgumentException>(() => Curvature.At(network, x, y, Loss.BinaryCrossEntropy));
        Assert.Contains("needs a sigmoid output layer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetsOfTheWrongShapeAreRefusedWithBothShapes()
    {
        var network = Network.Create<double>([3, 4, 2], Activation.Tanh, Activation.Identity, Initializer.XavierNormal, 1);
        var x = Matrix<double>.Build.Dense(3, 2, 0.5);
        var error = Assert.Throws<ArgumentException>(() => Curvature.GaussNewtonMatrix(network, x, Matrix<double>.Build.Dense(1, 2), Loss.SquaredError));
        Assert.Contains("Y is 1×2", error.Message, StringComparison.Ordinal);
        Assert.Contains("2×2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADenseMatrixForTooManyParametersIsRefusedWithTheCount()
    {
        var network = Network.Create<double>([64, 64, 1], Activation.Tanh, Activation.Identity, Initializer.XavierNormal, 1);
        var x = Matrix<double>.Build.Dense(64, 1, 0.1);
        var y = Matrix<double>.Build.Dense(1, 1, 0.0);
        var error = Assert.Throws<ArgumentException>(() => Curvature.Hessian(network, x, y, Loss.SquaredError));
        Assert.Contains($"{network.ParameterCount} parameters", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Curvature.At(network, x, y, Loss.SquaredError).GaussNewtonMatrix());
    }
}
