using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra;
using Nn.Layers;
using Nn.Losses;

namespace Nn.Training;

/// <summary>One parameter's analytic and numerical derivative.</summary>
/// <param name="Layer">1-based layer number.</param>
/// <param name="Name">"W" or "b".</param>
/// <param name="Row">Row (output unit), 0-based.</param>
/// <param name="Column">Column (input) for weights, 0 for biases.</param>
/// <param name="Analytic">∂J/∂θ from <see cref="Propagation.Backward{T}"/>.</param>
/// <param name="Numeric">∂J/∂θ from finite differences.</param>
/// <param name="RelativeError">|analytic − numeric| / max(|analytic|, |numeric|, floor).</param>
public sealed record ParameterCheck(int Layer, string Name, int Row, int Column, double Analytic, double Numeric, double RelativeError)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"layer {Layer} {Name}[{Row},{Column}]: backprop {Analytic:G10}, finite differences {Numeric:G10}, relative error {RelativeError:E2}";
}

/// <summary>The result of a gradient check: every parameter's comparison and the worst one.</summary>
/// <param name="Entries">One entry per scalar parameter, in flat order (layer by layer, W column-major, then b).</param>
public sealed record GradientCheckReport(ImmutableArray<ParameterCheck> Entries)
{
    /// <summary>The entry with the largest relative error.</summary>
    public ParameterCheck Worst => Entries.MaxBy(e => e.RelativeError)!;

    /// <summary>The largest relative error over all parameters.</summary>
    public double WorstRelativeError => Worst.RelativeError;
}

/// <summary>
/// Checks backpropagation against finite differences of the cost J(θ), one parameter at a time, in float64.
/// </summary>
/// <remarks>
/// The numerical derivative is the fourth-order central difference
/// [8(J(θ+h) − J(θ−h)) − (J(θ+2h) − J(θ−2h))] / (12h), whose truncation error is O(h⁴), so h can be large enough
/// (default 1e-3) for rounding error to stay near 1e-12. The relative error of each parameter is
/// |analytic − numeric| / max(|analytic|, |numeric|, floor); the floor (default 1e-5) keeps parameters whose true
/// derivative is essentially zero from dividing rounding noise by zero. ReLU-family kinks within 2h of a
/// pre-activation make any finite difference meaningless there; check such networks at points away from kinks.
/// </remarks>
public static class GradientCheck
{
    /// <summary>Compares <see cref="Propagation.Backward{T}"/> with finite differences for every parameter.</summary>
    /// <param name="network">The network to check.</param>
    /// <param name="x">Inputs × samples.</param>
    /// <param name="y">Targets, outputs × samples.</param>
    /// <param name="loss">The loss defining J.</param>
    /// <param name="step">The finite-difference step h (positive).</param>
    /// <param name="floor">The denominator floor of the relative error (positive).</param>
    /// <param name="weights">Sample weights of J (see <see cref="Propagation.Cost{T}"/>), or null for the plain mean.</param>
    /// <exception cref="ArgumentException">As <see cref="Propagation.Backward{T}"/>, or a non-positive step or floor.</exception>
    public static GradientCheckReport Run(Network<double> network, Matrix<double> x, Matrix<double> y, Loss loss, double step = 1e-3, double floor = 1e-5, MathNet.Numerics.LinearAlgebra.Vector<double>? weights = null) =>
        Run(network, x, y, loss, null, step, floor, weights);

    /// <summary>
    /// The check in training mode: J is the cost of the training pass keyed by <paramref name="key"/>
    /// (<see cref="Propagation.Forward{T}(Network{T}, Matrix{T}, Initialization.RandomKey)"/>), whose dropout masks
    /// stay fixed while θ moves, so the finite differences see the same masks backpropagation used.
    /// </summary>
    /// <param name="network">The network to check (with dropout rates, for the check to exercise them).</param>
    /// <param name="x">Inputs × samples.</param>
    /// <param name="y">Targets, outputs × samples.</param>
    /// <param name="loss">The loss defining J.</param>
    /// <param name="key">The key of the masks.</param>
    /// <param name="step">The finite-difference step h (positive).</param>
    /// <param name="floor">The denominator floor of the relative error (positive).</param>
    /// <param name="weights">Sample weights of J, or null for the plain mean.</param>
    /// <exception cref="ArgumentException">As the other overload.</exception>
    public static GradientCheckReport RunTraining(Network<double> network, Matrix<double> x, Matrix<double> y, Loss loss, Initialization.RandomKey key, double step = 1e-3, double floor = 1e-5, MathNet.Numerics.LinearAlgebra.Vector<double>? weights = null) =>
        Run(network, x, y, loss, (Initialization.RandomKey?)key, step, floor, weights);

    private static GradientCheckReport Run(Network<double> network, Matrix<double> x, Matrix<double> y, Loss loss, Initialization.RandomKey? key, double step, double floor, MathNet.Numerics.LinearAlgebra.Vector<double>? weights)
    {
        if (!(step > 0) || !(floor > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(step), $"step and floor must be positive but are {step} and {floor}.");
        }

        var (_, analytic) = key is { } k ? Propagation.TrainingCostAndGradients(network, x, y, loss, k, weights) : Propagation.CostAndGradients(network, x, y, loss, weights);
        var theta = network.Parameters.ToArray();
        var grad = analytic.ToArray();
        var template = network.Parameters;
        var entries = ImmutableArray.CreateBuilder<ParameterCheck>(theta.Length);

        double CostAt(int index, double delta)
        {
            var shifted = (double[])theta.Clone();
            shifted[index] += delta;
            var shiftedNetwork = network.WithParameters(template.FromArray(shifted));
            var trace = key is { } masks ? Propagation.Forward(shiftedNetwork, x, masks) : Propagation.Forward(shiftedNetwork, x);
            return Propagation.Cost(network, trace, y, loss, weights);
        }

        var flat = 0;
        for (var l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            for (var c = 0; c < layer.Inputs; c++)
            {
                for (var r = 0; r < layer.Outputs; r++)
                {
                    entries.Add(Entry(l + 1, "W", r, c, flat++));
                }
            }

            for (var r = 0; r < layer.Outputs; r++)
            {
                entries.Add(Entry(l + 1, "b", r, 0, flat++));
            }
        }

        return new GradientCheckReport(entries.MoveToImmutable());

        ParameterCheck Entry(int layer, string name, int row, int column, int index)
        {
            var numeric = ((8 * (CostAt(index, step) - CostAt(index, -step))) - (CostAt(index, 2 * step) - CostAt(index, -2 * step))) / (12 * step);
            var a = grad[index];
            var error = Math.Abs(a - numeric) / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), floor);
            return new ParameterCheck(layer, name, row, column, a, numeric, error);
        }
    }
}
