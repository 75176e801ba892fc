using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra;
using Nn.Layers;
using Nn.Losses;

namespace Nn.Training;

/// <summary>The outcome of full-batch gradient descent.</summary>
/// <param name="Network">The network after the last update.</param>
/// <param name="LossHistory">J before each update (one entry per iteration).</param>
/// <param name="FinalLoss">J of the returned network.</param>
public sealed record GradientDescentResult<T>(Network<T> Network, ImmutableArray<T> LossHistory, T FinalLoss)
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>;

/// <summary>Raised when training produces a non-finite cost or parameter.</summary>
public sealed class DivergenceException : Exception
{
    /// <summary>Creates the exception for the given iteration.</summary>
    public DivergenceException(int iteration, string message)
        : base(message)
    {
        Iteration = iteration;
    }

    /// <summary>Creates the exception with a message.</summary>
    public DivergenceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public DivergenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DivergenceException()
    {
    }

    /// <summary>The 1-based iteration at which training diverged.</summary>
    public int Iteration { get; }
}

/// <summary>Full-batch gradient descent: θ ← θ − α·∇J(θ) (lecture 001), the simplest training loop.</summary>
public static class GradientDescent
{
    /// <summary>
    /// Runs <paramref name="iterations"/> steps of θ ← θ − α·∇J(θ) on the whole batch and returns the new network
    /// and the loss history. The input network is not modified.
    /// </summary>
    /// <param name="network">The starting network.</param>
    /// <param name="x">Inputs × samples.</param>
    /// <param name="y">Targets, outputs × samples.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="learningRate">α, positive and finite.</param>
    /// <param name="iterations">Number of updates, non-negative.</param>
    /// <param name="allowSymmetricUnits">
    /// Train even when two hidden units are identical (as after zero initialisation). They will stay identical;
    /// this exists to demonstrate that.
    /// </param>
    /// <exception cref="ArgumentException">Bad shapes or values (see <see cref="Propagation.Backward{T}"/>), a bad learning rate or iteration count, or symmetric hidden units.</exception>
    /// <exception cref="DivergenceException">The cost or the parameters became non-finite; the message names the iteration.</exception>
    public static GradientDescentResult<T> Run<T>(Network<T> network, Matrix<T> x, Matrix<T> y, Loss loss, double learningRate, int iterations, bool allowSymmetricUnits = false)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!double.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"learningRate must be positive and finite but is {learningRate}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (!allowSymmetricUnits && network.FindSymmetricHiddenUnits() is { } symmetric)
        {
            throw new ArgumentException($"Hidden units are identical ({symmetric}): gradient descent cannot break that symmetry. Initialise randomly (for example Xavier), or pass allowSymmetricUnits to demonstrate it.", nameof(network));
        }

        var alpha = -T.CreateTruncating(learningRate);
        var history = ImmutableArray.CreateBuilder<T>(iterations);
        for (var i = 1; i <= iterations; i++)
        {
            var (cost, gradients) = Propagation.CostAndGradients(network, x, y, loss);
            if (!T.IsFinite(cost))
            {
                throw new DivergenceException(i, $"Gradient descent diverged at iteration {i}: the cost is {cost} (learning rate {learningRate}).");
            }

            history.Add(cost);
            var next = network.Parameters.AddScaled(alpha, gradients);
            if (!next.IsFinite())
            {
                throw new DivergenceException(i, $"Gradient descent diverged at iteration {i}: a parameter became non-finite (learning rate {learningRate}).");
            }

            network = network.WithParameters(next);
        }

        var final = Propagation.Cost(network, Propagation.Forward(network, x), y, loss);
        return new GradientDescentResult<T>(network, history.MoveToImmutable(), final);
    }
}
