using System.Collections.Immutable;
using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Nn.Initialization;

namespace Nn.Layers;

/// <summary>
/// The saved intermediates of a forward pass — the input and every layer's z[l] and a[l] — which the backward
/// pass walks in reverse. All matrices are units × samples (one observation per column) and frozen. A training pass
/// (<see cref="Propagation.Forward{T}(Network{T}, Matrix{T}, RandomKey)"/>) also keeps its key and each layer's output
/// after dropout, ã[l], which the next layer reads.
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

    /// <summary>The key of a training pass, whose masks the backward pass reuses; null for an inference pass (no dropout).</summary>
    public RandomKey? Key { get; init; }

    /// <summary>
    /// ã[1] … ã[L], each layer's output after dropout in a training pass (the same matrix as a[l] for a layer without
    /// dropout); default (empty) for an inference pass, where ã[l] = a[l].
    /// </summary>
    public ImmutableArray<Matrix<T>> Dropped { get; init; }

    /// <summary>What layer <paramref name="layer"/> + 1 reads: the input for 0, else ã[layer] (a[layer] without dropout).</summary>
    public Matrix<T> InputAt(int layer) => layer == 0 ? Input : (Dropped.IsDefault ? Activations[layer - 1] : Dropped[layer - 1]);
}

/// <summary>What the backward pass returns.</summary>
/// <param name="Gradients">∂J/∂W[l] and ∂J/∂b[l] for every layer, the shape of the network's parameters.</param>
/// <param name="InputGradient">∂J/∂X: inputs × samples.</param>
public sealed record BackwardResult<T>(Parameters<T> Gradients, Matrix<T> InputGradient)
    where T : unmanaged, IFloatingPointIeee754<T>;
