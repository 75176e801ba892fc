using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Tests.Support;

namespace Nn.Tests.Layers;

/// <summary>One observation of a problem, placed at a position of a batch of random others.</summary>
internal sealed record Placement(Problem Problem, int BatchSize, int Position, int Seed, bool Single)
{
    public override string ToString() => $"{Problem.Description}, {(Single ? "float32" : "float64")}, observation at {Position} of a batch of {BatchSize} (others from seed {Seed})";
}

/// <summary>
/// The batch-invariance property: one observation of a random problem, computed alone and at a position of a batch of
/// random others, must get the same output bits from <see cref="Propagation.Predict{T}"/> and <see cref="Propagation.Forward{T}"/>
/// and the same loss bits from its own column. Problems cover every activation and loss, with one in four getting an input
/// layer 257–600 wide so that products take every path of the matrix-product kernels; batches hold 1 to 80 observations.
/// </summary>
internal static class BatchInvariance
{
    public static bool Holds(Placement p) => p.Single ? Invariant<float>(p) : Invariant<double>(p);

    private static bool Invariant<T>(Placement p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var problem = p.Problem;
        var network = problem.Network.Convert<T>();
        var (inputs, outputs) = (network.Inputs, network.Outputs);
        var (others, _) = RandomNetworks.Uniform(inputs, p.BatchSize, -1, 1, Rng.FromSeed(p.Seed));
        var (otherTargets, _) = RandomNetworks.Uniform(outputs, p.BatchSize, 0, 1, Rng.FromSeed(p.Seed + 1));
        var x = Column<T>(problem.X, 0);
        var y = Column<T>(problem.Y, 0);

        // The batch: random observations, with the sample's input and target in column Position.
        var batch = Convert<T>(others);
        var batchTargets = problem.Loss is SoftmaxCrossEntropyLoss ? Repeat(y, p.BatchSize) : Convert<T>(otherTargets);
        Dense.Data(x).CopyTo(Dense.Data(batch).AsSpan(p.Position * inputs));
        Dense.Data(y).CopyTo(Dense.Data(batchTargets).AsSpan(p.Position * outputs));

        var alone = Propagation.Predict(network, x);
        var inBatch = Propagation.Predict(network, batch);
        var traceAlone = Propagation.Forward(network, x);
        var traceInBatch = Propagation.Forward(network, batch);
        var column = new Range(p.Position * outputs, (p.Position + 1) * outputs);

        return Same(Dense.Data(alone), Dense.Data(inBatch)[column])
            && Same(Dense.Data(traceAlone.Output), Dense.Data(traceInBatch.Output)[column])
            && Same([LossOf(network, traceAlone, y, problem.Loss, ..)], [LossOf(network, traceInBatch, batchTargets, problem.Loss, column)]);
    }

    /// <summary>The loss of the observations in <paramref name="column"/> of a trace's output, from its own z, a and y.</summary>
    private static T LossOf<T>(Network<T> network, ForwardTrace<T> trace, Matrix<T> y, Loss loss, Range column)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var last = network.Layers.Length - 1;
        return loss.Total<T>(Dense.Data(trace.PreActivations[last])[column], Dense.Data(trace.Activations[last])[column], Dense.Data(y)[column], network.Outputs);
    }

    public static Arbitrary<Placement> Placements()
    {
        // Mostly the small random networks; one in four gets an input layer 257–600 wide, past the kernel's blocking of
        // the summed dimension (256 doubles, 512 floats) and across its switch from the direct loop to packed products.
        var problems =
            from problem in RandomNetworks.ProblemGen(maxDepth: 3, maxWidth: 12)
            from wide in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(257, 600)))
            select wide == 0 ? problem : RandomNetworks.Build(problem.Shape with { Inputs = wide });
        var gen =
            from problem in problems
            from batchSize in Gen.Choose(1, 80)
            from position in Gen.Choose(0, batchSize - 1)
            from seed in Gen.Choose(0, 100000)
            from single in Gen.Elements(false, true)
            select new Placement(problem, batchSize, position, seed, single);
        return Arb.From(gen, Shrink);
    }

    private static IEnumerable<Placement> Shrink(Placement p) =>
        RandomNetworks.Shrink(p.Problem).Select(problem => p with { Problem = problem })
            .Concat(RandomNetworks.Smaller(p.BatchSize).Select(b => p with { BatchSize = b, Position = Math.Min(p.Position, b - 1) }))
            .Concat(RandomNetworks.Smaller(p.Position + 1).Select(q => p with { Position = q - 1 }));

    private static Matrix<T> Column<T>(Matrix<double> m, int j)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Dense.Matrix(m.RowCount, 1, [.. Dense.Data(m).AsSpan(j * m.RowCount, m.RowCount).ToArray().Select(T.CreateTruncating)]);

    private static Matrix<T> Convert<T>(Matrix<double> m)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Dense.Matrix(m.RowCount, m.ColumnCount, [.. Dense.Data(m).Select(T.CreateTruncating)]);

    private static Matrix<T> Repeat<T>(Matrix<T> column, int times)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Dense.Matrix(column.RowCount, times, [.. Enumerable.Repeat(Dense.Data(column), times).SelectMany(c => c)]);

    private static bool Same<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var k = 0; k < a.Length; k++)
        {
            if (BitConverter.DoubleToInt64Bits(double.CreateTruncating(a[k])) != BitConverter.DoubleToInt64Bits(double.CreateTruncating(b[k])))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A sample's forward output and its own loss are the same bits whether it is computed alone or inside any batch, at any
/// position (the guarantee documented on <see cref="Propagation.Predict{T}"/> and <see cref="Propagation.Forward{T}"/>), in
/// float64 and float32, when products run on a backend that computes each output column on its own (the column-by-column
/// reference): this covers everything but the product — activations, bias, losses, Predict's pooled buffers.
/// </summary>
public sealed class BatchInvarianceTests
{
    [Property(Replay = Seeds.Replay, MaxTest = 200)]
    public Property WithTheColumnByColumnReferenceProductAnObservationGetsTheSameOutputAndLossAloneAndInAnyBatch() =>
        Prop.ForAll(BatchInvariance.Placements(), placement =>
        {
            using var reference = Blas.Use(ManagedBlas.Instance);
            return BatchInvariance.Holds(placement).Label(placement.ToString());
        });
}
