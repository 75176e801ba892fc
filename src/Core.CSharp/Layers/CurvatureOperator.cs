using System.Numerics;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;

namespace Nn.Layers;

/// <summary>
/// The curvature of the cost J(θ) = (1/m)·Σᵢ L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾) of one network on one batch, at the network's current
/// parameters θ: exact Hessian-vector products H·v and generalised Gauss–Newton products G·v, each at the price of
/// about one extra forward and one extra backward pass. The forward trace and the ordinary backward pass are
/// computed once, when the operator is built by <see cref="Curvature.At{T}"/>, and shared by every product — the
/// way Hessian-free optimisation (Martens 2010) runs many conjugate-gradient products at one point.
/// </summary>
/// <remarks>
/// <para><b>Hessian-vector products</b> use Pearlmutter's R-operator (Pearlmutter 1994, "Fast exact multiplication
/// by the Hessian"): R{f} = ∂f(θ + r·v)/∂r at r = 0. For a direction v = (V[l], c[l]) the forward R-pass is
/// R{z[l]} = V[l]·a[l−1] + W[l]·R{a[l−1]} + c[l], R{a[l]} = J_g(z[l])·R{z[l]} with R{a[0]} = 0; the backward R-pass
/// starts from R{dZ[L]} = (1/m)·∇²_z L·R{z[L]} and walks down with
/// R{∂J/∂W[l]} = R{dZ[l]}·a[l−1]ᵀ + dZ[l]·R{a[l−1]}ᵀ, R{∂J/∂b[l]} = row sums of R{dZ[l]},
/// R{dA[l−1]} = V[l]ᵀ·dZ[l] + W[l]ᵀ·R{dZ[l]} and R{dZ[l−1]} = J_gᵀ·R{dA[l−1]} + R{J_g}ᵀ·dA[l−1].
/// The result is ∇²J·v exactly (up to rounding), for every activation and loss.</para>
/// <para><b>Gauss–Newton products</b> (Schraudolph 2002, "Fast curvature matrix-vector products for second-order
/// gradient descent") split J into the network's map to its output s and a loss that is convex in s:
/// G = (1/m)·Σᵢ J_sᵢᵀ·H_L·J_sᵢ. For sigmoid + binary cross-entropy and softmax + cross-entropy s is the logits z[L]
/// and H_L = diag(a(1 − a)) or diag(a) − aaᵀ; for squared error s is the output a[L] and H_L = I. G·v is one
/// forward R-pass (J·v) followed by the ordinary backward pass of H_L·J·v (Jᵀ·u). G is symmetric positive
/// semi-definite; it equals the Hessian where the network's output is linear in θ (one layer) or the residual
/// ∂L/∂s is zero.</para>
/// <para><b>Shapes.</b> Directions and products are <see cref="Parameters{T}"/> trees of the network's shape; the
/// dense matrices use the flat order of <see cref="Parameters{T}.ToArray"/>.</para>
/// <para><b>NaN policy.</b> The batch was checked finite when the operator was built. Directions are not checked:
/// a NaN or infinity in v propagates into the product, as does overflow inside the network.</para>
/// <para>The operator is immutable: it never modifies the network, the batch or a direction, and products may be
/// computed from several threads at once.</para>
/// </remarks>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public sealed record CurvatureOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Matrix<T> targets;
    private readonly T[] weights;

    // dZ[l] = ∂J/∂z[l] (including 1/m) and dA[l] = ∂J/∂a[l] for every layer, from one ordinary backward pass.
    private readonly T[][] deltas;
    private readonly T[][] upstream;

    /// <summary>Builds the operator from a checked network, trace, targets and loss.</summary>
    internal CurvatureOperator(Network<T> network, ForwardTrace<T> trace, Matrix<T> y, Loss loss, T[] weights)
    {
        Network = network;
        Trace = trace;
        Loss = loss;
        targets = y;
        this.weights = weights;
        var count = network.Layers.Length;
        var m = trace.Samples;
        deltas = new T[count][];
        upstream = new T[count][];
        deltas[count - 1] = Propagation.OutputDelta(network, trace, y, loss, weights);
        for (var l = count - 1; l > 0; l--)
        {
            var layer = network.Layers[l];
            var below = network.Layers[l - 1];
            var da = new T[layer.Inputs * m];
            Blas.Gemm(Transpose.Yes, Transpose.No, layer.Inputs, m, layer.Outputs, T.One, Dense.Data(layer.Weights), layer.Outputs, deltas[l], layer.Outputs, T.Zero, da, layer.Inputs);
            var dz = new T[layer.Inputs * m];
            below.Activation.Backward<T>(Dense.Data(trace.PreActivations[l - 1]), Dense.Data(trace.Activations[l - 1]), da, dz, layer.Inputs);
            upstream[l - 1] = da;
            deltas[l - 1] = dz;
        }
    }

    /// <summary>The network, at whose parameters θ the curvature is taken.</summary>
    public Network<T> Network { get; }

    /// <summary>The loss defining J.</summary>
    public Loss Loss { get; }

    /// <summary>The forward trace of the batch (its input is the batch X).</summary>
    public ForwardTrace<T> Trace { get; }

    /// <summary>The targets Y of the batch (outputs × samples; frozen).</summary>
    public Matrix<T> Targets => targets;

    /// <summary>The number of scalar parameters n: H and G are n × n.</summary>
    public int ParameterCount => Network.ParameterCount;

    /// <summary>
    /// The exact Hessian-vector product H·v = ∇²J(θ)·v by Pearlmutter's R-operator (see the type's remarks).
    /// </summary>
    /// <param name="v">The direction, shaped like the network's parameters. Not modified.</param>
    /// <returns>H·v, shaped like the network's parameters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="v"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="v"/> has a different number of layers or a layer of a different shape.</exception>
    public Parameters<T> HessianVectorProduct(Parameters<T> v)
    {
        CheckDirection(v, nameof(v));
        return HessianVectorProductUnchecked(v);
    }

    /// <summary>
    /// The generalised Gauss–Newton product G·v = (1/m)·Σᵢ J_sᵢᵀ·H_L·J_sᵢ·v (Schraudolph 2002; see the type's remarks).
    /// vᵀ·G·v ≥ 0 for every v.
    /// </summary>
    /// <param name="v">The direction, shaped like the network's parameters. Not modified.</param>
    /// <returns>G·v, shaped like the network's parameters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="v"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="v"/> has a different number of layers or a layer of a different shape.</exception>
    public Parameters<T> GaussNewtonVectorProduct(Parameters<T> v)
    {
        CheckDirection(v, nameof(v));
        return GaussNewtonVectorProductUnchecked(v);
    }

    /// <summary>
    /// The dense Hessian ∇²J(θ), n × n in flat parameter order, column j being H·eⱼ. It is returned exactly as
    /// computed, not symmetrised: it is symmetric up to rounding. Costs n Hessian-vector products and n² values.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network has more than <see cref="Curvature.MaxDenseParameters"/> parameters.</exception>
    public Matrix<T> HessianMatrix() => Columns(HessianVectorProductUnchecked);

    /// <summary>
    /// The dense generalised Gauss–Newton matrix G, n × n in flat parameter order, column j being G·eⱼ; returned
    /// as computed (symmetric positive semi-definite up to rounding). Costs n Gauss–Newton products and n² values.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network has more than <see cref="Curvature.MaxDenseParameters"/> parameters.</exception>
    public Matrix<T> GaussNewtonMatrix() => Columns(GaussNewtonVectorProductUnchecked);

    private Parameters<T> HessianVectorProductUnchecked(Parameters<T> v)
    {
        var (rz, ra) = ForwardTangents(v);
        var layers = Network.Layers;
        var count = layers.Length;
        var last = count - 1;
        var m = Trace.Samples;
        var result = new LayerParameters<T>[count];

        var rdz = new T[layers[last].Outputs * m];
        Loss.OutputGradientTangent<T>(Network.OutputActivation, Dense.Data(Trace.PreActivations[last]), Dense.Data(Trace.Activations[last]), Dense.Data(targets), rz[last], ra[last], rdz, Network.Outputs);
        SampleWeights.Scale<T>(rdz, Network.Outputs, m, weights);

        for (var l = last; l >= 0; l--)
        {
            var layer = layers[l];
            var (n, inputs) = (layer.Outputs, layer.Inputs);
            var rdw = new T[n * inputs];
            Blas.Gemm(Transpose.No, Transpose.Yes, n, inputs, m, T.One, rdz, n, Dense.Data(Trace.InputAt(l)), inputs, T.Zero, rdw, n);
            if (l > 0)
            {
                // The weights multiply a[l−1], which itself moves along v: the product rule adds dZ[l]·R{a[l−1]}ᵀ.
                Blas.Gemm(Transpose.No, Transpose.Yes, n, inputs, m, T.One, deltas[l], n, ra[l - 1], inputs, T.One, rdw, n);
            }

            result[l] = new LayerParameters<T>(Dense.Matrix(n, inputs, rdw), Dense.Vector(RowSums(rdz, n, m)));
            if (l > 0)
            {
                var rda = new T[inputs * m];
                Blas.Gemm(Transpose.Yes, Transpose.No, inputs, m, n, T.One, Dense.Data(v.Layers[l].Weights), n, deltas[l], n, T.Zero, rda, inputs);
                Blas.Gemm(Transpose.Yes, Transpose.No, inputs, m, n, T.One, Dense.Data(layer.Weights), n, rdz, n, T.One, rda, inputs);
                var rdzBelow = new T[inputs * m];
                layers[l - 1].Activation.BackwardTangent<T>(Dense.Data(Trace.PreActivations[l - 1]), Dense.Data(Trace.Activations[l - 1]), upstream[l - 1], rz[l - 1], ra[l - 1], rda, rdzBelow, inputs);
                rdz = rdzBelow;
            }
        }

        return new Parameters<T>(result);
    }

    private Parameters<T> GaussNewtonVectorProductUnchecked(Parameters<T> v)
    {
        var (rz, ra) = ForwardTangents(v);
        var last = Network.Layers.Length - 1;
        var m = Trace.Samples;
        var u = new T[Network.Outputs * m];
        Loss.GaussNewtonOutputTangent<T>(Network.OutputActivation, Dense.Data(Trace.PreActivations[last]), Dense.Data(Trace.Activations[last]), Dense.Data(targets), rz[last], ra[last], u, Network.Outputs);
        SampleWeights.Scale<T>(u, Network.Outputs, m, weights);
        return Propagation.BackwardFromDelta(Network, Trace, u).Gradients;
    }

    /// <summary>The forward R-pass: R{z[l]} and R{a[l]} for every layer, each units × samples.</summary>
    private (T[][] Rz, T[][] Ra) ForwardTangents(Parameters<T> v)
    {
        var layers = Network.Layers;
        var m = Trace.Samples;
        var rz = new T[layers.Length][];
        var ra = new T[layers.Length][];
        for (var l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            var (n, inputs) = (layer.Outputs, layer.Inputs);
            var z = new T[n * m];
            var c = Dense.Data(v.Layers[l].Bias);
            for (var j = 0; j < m; j++)
            {
                c.CopyTo(z.AsSpan(j * n, n));
            }

            Blas.Gemm(Transpose.No, Transpose.No, n, m, inputs, T.One, Dense.Data(v.Layers[l].Weights), n, Dense.Data(Trace.InputAt(l)), inputs, T.One, z, n);
            if (l > 0)
            {
                Blas.Gemm(Transpose.No, Transpose.No, n, m, inputs, T.One, Dense.Data(layer.Weights), n, ra[l - 1], inputs, T.One, z, n);
            }

            var a = new T[n * m];
            layer.Activation.ForwardTangent<T>(Dense.Data(Trace.PreActivations[l]), Dense.Data(Trace.Activations[l]), z, a, n);
            rz[l] = z;
            ra[l] = a;
        }

        return (rz, ra);
    }

    private Matrix<T> Columns(Func<Parameters<T>, Parameters<T>> product)
    {
        var n = ParameterCount;
        if (n > Curvature.MaxDenseParameters)
        {
            throw new InvalidOperationException(Curvature.TooLargeMessage(n));
        }

        var template = Network.Parameters;
        var data = new T[n * n];
        var unit = new T[n];
        for (var j = 0; j < n; j++)
        {
            unit[j] = T.One;
            product(template.FromArray(unit)).ToArray().CopyTo(data, j * n);
            unit[j] = T.Zero;
        }

        return Dense.Matrix(n, n, data);
    }

    private void CheckDirection(Parameters<T> v, string argument)
    {
        ArgumentNullException.ThrowIfNull(v, argument);
        var layers = Network.Layers;
        if (v.Layers.Length != layers.Length)
        {
            throw new ArgumentException($"{argument} has {v.Layers.Length} layers but the network has {layers.Length}.", argument);
        }

        for (var l = 0; l < layers.Length; l++)
        {
            var w = v.Layers[l].Weights;
            if (w.RowCount != layers[l].Outputs || w.ColumnCount != layers[l].Inputs)
            {
                throw new ArgumentException($"{argument} has weights {w.RowCount}×{w.ColumnCount} at layer {l + 1} but the network's layer {l + 1} weights are {layers[l].Outputs}×{layers[l].Inputs}.", argument);
            }
        }
    }

    private static T[] RowSums(T[] matrix, int rows, int columns)
    {
        var sums = new T[rows];
        for (var j = 0; j < columns; j++)
        {
            TensorPrimitives.Add(sums, matrix.AsSpan(j * rows, rows), sums);
        }

        return sums;
    }
}
