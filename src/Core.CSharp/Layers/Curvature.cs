using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Nn.Layers;
using Nn.Losses;

namespace Nn.Layers;

/// <summary>
/// Second-order information about the cost J(θ) = (1/m)·Σᵢ L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾) of a network on a batch: exact
/// Hessian-vector products (Pearlmutter 1994), generalised Gauss–Newton products (Schraudolph 2002), and the dense
/// matrices of both for small networks. The algebra is described on <see cref="CurvatureOperator{T}"/>.
/// </summary>
/// <remarks>
/// Batches use the layout of <see cref="Propagation"/>: X is inputs × m, Y is outputs × m, one observation per
/// column. Each method here runs the forward and backward pass afresh; to take many products at one point, build a
/// <see cref="CurvatureOperator{T}"/> once with <see cref="At{T}"/>.
/// <para><b>NaN policy.</b> X and Y must be finite (checked); a non-finite value in a direction v propagates into
/// the product.</para>
/// </remarks>
public static class Curvature
{
    /// <summary>
    /// The largest parameter count for which the dense n × n matrices are built (4096 parameters: 128 MiB of doubles).
    /// </summary>
    public const int MaxDenseParameters = 4096;

    /// <summary>
    /// Runs the forward and backward pass of <paramref name="network"/> on the batch once and returns the curvature
    /// operator at the network's parameters, ready for any number of products. The objective is that of the
    /// inference pass: dropout rates are not applied.
    /// </summary>
    /// <param name="network">The network; its parameters are the point θ.</param>
    /// <param name="x">Inputs × samples, finite, at least one column.</param>
    /// <param name="y">Targets, outputs × samples, valid for <paramref name="loss"/>.</param>
    /// <param name="loss">The loss; it must fit the output activation.</param>
    /// <param name="weights">Sample weights of the cost (see <see cref="Propagation.Cost{T}"/>), or null for the plain mean.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="x"/> has the wrong number of rows, no columns or a non-finite value; <paramref name="y"/> has
    /// the wrong shape or an invalid value; the loss does not fit the output activation; or the weights do not fit.
    /// </exception>
    public static CurvatureOperator<T> At<T>(Network<T> network, Matrix<T> x, Matrix<T> y, Loss loss, MathNet.Numerics.LinearAlgebra.Vector<T>? weights = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        x = Propagation.CheckInput(network, x);
        var trace = Propagation.ForwardUnchecked(network, x, null);
        y = Propagation.CheckTargets(network, trace, y, loss);
        var w = SampleWeights.Of(weights);
        if (weights is not null)
        {
            SampleWeights.Check(w, trace.Samples, nameof(weights));
        }

        return new CurvatureOperator<T>(network, trace, y, loss, w.ToArray());
    }

    /// <summary>
    /// The exact Hessian-vector product H·v = ∇²J(θ)·v at the network's parameters, by Pearlmutter's R-operator:
    /// one forward pass, one backward pass, one forward R-pass and one backward R-pass.
    /// </summary>
    /// <param name="network">The network; its parameters are the point θ.</param>
    /// <param name="x">Inputs × samples.</param>
    /// <param name="y">Targets, outputs × samples.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="v">The direction, shaped like the network's parameters.</param>
    /// <returns>H·v, shaped like the network's parameters.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="At{T}"/>, or <paramref name="v"/> is not shaped like the network's parameters.</exception>
    public static Parameters<T> HessianVectorProduct<T>(Network<T> network, Matrix<T> x, Matrix<T> y, Loss loss, Parameters<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(v);
        return At(network, x, y, loss).HessianVectorProduct(v);
    }

    /// <summary>
    /// The generalised Gauss–Newton product G·v = (1/m)·Σᵢ J_sᵢᵀ·H_L·J_sᵢ·v at the network's parameters
    /// (Schraudolph 2002): s is the logits for the fused sigmoid and softmax losses and the output for squared error.
    /// vᵀ·G·v ≥ 0.
    /// </summary>
    /// <param name="network">The network; its parameters are the point θ.</param>
    /// <param name="x">Inputs × samples.</param>
    /// <param name="y">Targets, outputs × samples.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="v">The direction, shaped like the network's parameters.</param>
    /// <returns>G·v, shaped like the network's parameters.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="At{T}"/>, or <paramref name="v"/> is not shaped like the network's parameters.</exception>
    public static Parameters<T> GaussNewtonVectorProduct<T>(Network<T> network, Matrix<T> x, Matrix<T> y, Loss loss, Parameters<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(v);
        return At(network, x, y, loss).GaussNewtonVectorProduct(v);
    }

    /// <summary>
    /// The dense Hessian ∇²J(θ): n × n for n parameters in flat order (layer by layer, W column-major, then b),
    /// column j being H·eⱼ. Returned exactly as computed — symmetric up to rounding, not symmetrised.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="At{T}"/>, or the network has more than <see cref="MaxDenseParameters"/> parameters.</exception>
    public static Matrix<double> Hessian(Network<double> network, Matrix<double> x, Matrix<double> y, Loss loss)
    {
        CheckDenseSize(network);
        return At(network, x, y, loss).HessianMatrix();
    }

    /// <summary>
    /// The dense generalised Gauss–Newton matrix G: n × n in flat parameter order, column j being G·eⱼ, returned as
    /// computed (symmetric positive semi-definite up to rounding).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="At{T}"/>, or the network has more than <see cref="MaxDenseParameters"/> parameters.</exception>
    public static Matrix<double> GaussNewtonMatrix(Network<double> network, Matrix<double> x, Matrix<double> y, Loss loss)
    {
        CheckDenseSize(network);
        return At(network, x, y, loss).GaussNewtonMatrix();
    }

    internal static string TooLargeMessage(int parameters) =>
        $"The network has {parameters} parameters: a dense {parameters}×{parameters} curvature matrix is limited to {MaxDenseParameters} parameters; use the matrix-vector products instead.";

    private static void CheckDenseSize(Network<double> network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.ParameterCount > MaxDenseParameters)
        {
            throw new ArgumentException(TooLargeMessage(network.ParameterCount), nameof(network));
        }
    }
}
