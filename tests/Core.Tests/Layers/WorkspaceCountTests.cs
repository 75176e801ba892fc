using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Layers;
using Nn.Losses;

namespace Nn.Tests.Layers;

/// <summary>
/// The trainer's count of correct decisions for a single output unit (taken without a call per observation) agrees with
/// <see cref="Targets.Decide{T}"/> on the output and the target, at the threshold ½ itself, for NaN outputs and for a
/// soft target of ½.
/// </summary>
public sealed class WorkspaceCountTests
{
    [Fact]
    public void Float32SingleUnitCountIsDecidesCount() => Check<float>();

    [Fact]
    public void Float64SingleUnitCountIsDecidesCount() => Check<double>();

    private static void Check<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // z = x, so a = σ(x): σ(0) is ½ exactly; NaN in gives NaN out.
        var layer = new DenseLayer<T>(Matrix<T>.Build.Dense(1, 1, T.One), MathNet.Numerics.LinearAlgebra.Vector<T>.Build.Dense(1, T.Zero), Activation.Sigmoid);
        var network = new Network<T>([layer]);
        T[] x = [T.Zero, T.CreateTruncating(3), T.CreateTruncating(-3), T.NaN, T.Zero, T.CreateTruncating(20), T.CreateTruncating(-0.01)];
        T[] y = [T.One, T.One, T.Zero, T.Zero, T.One, T.CreateTruncating(0.5), T.One];
        var workspace = new Workspace<T>(network, Loss.BinaryCrossEntropy, x.Length);
        _ = workspace.CostAndGradients(x, y, x.Length, ReadOnlySpan<T>.Empty, default);

        var expected = 0;
        for (var j = 0; j < x.Length; j++)
        {
            var output = SigmoidActivation.Instance.Apply(x[j]);
            expected += Targets.Decide<T>([output]) == Targets.Decide<T>([y[j]]) ? 1 : 0;
        }

        Assert.Equal(6, expected);
        Assert.Equal(expected, workspace.CountCorrect(y, x.Length));
    }
}
