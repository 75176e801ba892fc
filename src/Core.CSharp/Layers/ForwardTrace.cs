using System.Collections.Immutable;
using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Nn.Layers;

/// <summary>
/// The saved intermediates of a forward pass — the input and every layer's z[l] and a[l] — which the backward
/// pass walks in reverse. All matrices are units × samples (one observation per column) and frozen.
/// </summary>
/// <param name="Input">X = a[0]: inputs × samples.</param>
/// <param name="PreActivations">z[1] … z[L].</param>
/// <param name="Activations">a[1] … a[L]; a[L] is the prediction ŷ.</param>
public sealed record ForwardTrace<T>(Matrix<T> Input, ImmutableArray<Matrix<T>> PreActivations, ImmutableArray<Matrix<T>> Activations)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The network's output a[L] = ŷ.</summary>
    public Matrix<T> Output => Activations[^1];

    /// <summary>Number of observations in the batch.</summary>
    public int Samples => Input.ColumnCount;

    /// <summary>a[l] for l = 0 … L, where a[0] is the input.</summary>
    public Matrix<T> ActivationAt(int layer) => layer == 0 ? Input : Activations[layer - 1];
}

/// <summary>What the backward pass returns.</summary>
/// <param name="Gradients">∂J/∂W[l] and ∂J/∂b[l] for every layer, the shape of the network's parameters.</param>
/// <param name="InputGradient">∂J/∂X: inputs × samples.</param>
public sealed record BackwardResult<T>(Parameters<T> Gradients, Matrix<T> InputGradient)
    where T : unmanaged, IFloatingPointIeee754<T>;
