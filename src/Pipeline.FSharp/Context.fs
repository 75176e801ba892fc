namespace Nn.Pipeline

open System
open System.Numerics
open MathNet.Numerics.LinearAlgebra
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Optimization

/// <summary>
/// What an optimizer stage may ask about the current step beyond the incoming updates, for one batch at the current
/// parameters θ: the cost J(θ) = (1/m)·Σ L and its gradient, J at other points of the same batch, and curvature
/// products — exact Hessian-vector products (Pearlmutter 1994) and generalised Gauss–Newton products (Schraudolph
/// 2002) from <c>Nn.Newton.Curvature.At</c>. First-order stages read at most <c>Parameters</c>; second-order stages
/// (damped Newton, Hessian-free, Levenberg–Marquardt, L-BFGS) read the rest, the way optax passes extra arguments to
/// second-order transforms.
/// </summary>
/// <remarks>
/// Everything beyond <c>Parameters</c>, <c>Step</c>, <c>Loss</c> and <c>Gradient</c> is computed on first use: the
/// curvature operator is built once per context and shared by every product at this point, so a stage that never
/// asks for curvature pays nothing for it. Vectors are <c>Parameters</c> trees of θ's shape; the dense matrices are
/// n × n in the flat order of <c>Parameters.ToArray</c>. NaN policy: <c>Loss</c> and <c>Gradient</c> are reported as
/// computed (a stage checks them); <c>Cost</c> is NaN where θ′ is not finite and ±∞ where the network overflows; a NaN
/// in a direction propagates into its product.
/// </remarks>
type Context<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// θ, the point the context describes.
    Parameters: Parameters<'T>
    /// Updates applied so far in the run: this step makes update number Step + 1.
    Step: int
    /// J(θ) on the batch.
    Loss: float
    /// ∇J(θ) on the batch, shaped like θ.
    Gradient: Parameters<'T>
    /// θ′ ↦ J(θ′) on the same batch (one forward pass); θ′ must have θ's shape.
    Cost: Parameters<'T> -> float
    /// v ↦ H·v = ∇²J(θ)·v.
    HessianVector: Parameters<'T> -> Parameters<'T>
    /// v ↦ G·v, the generalised Gauss–Newton product (G is positive semi-definite).
    GaussNewtonVector: Parameters<'T> -> Parameters<'T>
    /// The dense Hessian H (n × n); throws <c>InvalidOperationException</c> above <c>Curvature.MaxDenseParameters</c>.
    Hessian: unit -> Matrix<'T>
    /// The dense Gauss–Newton matrix G (n × n); throws <c>InvalidOperationException</c> above <c>Curvature.MaxDenseParameters</c>.
    GaussNewton: unit -> Matrix<'T>
}

/// <summary>Why an optimizer stage produced no update for a step.</summary>
type StepFailure =
    /// J(θ), ∇J(θ) or the curvature at the current point is NaN or ±∞.
    | NonFiniteValue of loss: float * reason: string
    /// Raising the damping λ up to its limit gave no step that lowers J (nor a stationary point).
    | DampingLimitReached of damping: float * limit: float

    /// The failure as one line.
    member f.Message =
        match f with
        | NonFiniteValue(loss, reason) -> $"{reason} (loss {loss})."
        | DampingLimitReached(damping, limit) -> $"No step lowered the loss before the damping λ = {damping:G4} passed its limit {limit:G4}."

/// <summary>Building a <c>Context</c>.</summary>
[<RequireQualifiedAccess>]
module Context =

    /// <summary>
    /// The context of <paramref name="network"/> (whose parameters are θ) on the batch X (inputs × m) with targets
    /// Y (outputs × m) and optional sample weights, for the objective J = data cost + ½λ‖W‖² (λ =
    /// <paramref name="l2"/>), at update count <paramref name="step"/>, given J(θ) and ∇J(θ) already computed on that
    /// batch. Curvature products reuse one lazily built <c>CurvatureOperator</c> and add the penalty's λ·v_W.
    /// With a <paramref name="dropout"/> key and a network with dropout rates, J is the cost of the training pass with
    /// that key's masks (<c>Propagation.Forward(network, X, key)</c>), so <c>Cost</c> at other points keeps the step's
    /// masks; curvature is not defined for it here, and asking for a product or matrix throws
    /// <c>InvalidOperationException</c>.
    /// </summary>
    let ofGradient
        (loss: Loss)
        (network: Network<'T>)
        (inputs: Matrix<'T>)
        (targets: Matrix<'T>)
        (weights: Vector<'T> option)
        (dropout: RandomKey voption)
        (l2: float)
        (step: int)
        (value: float)
        (gradient: Parameters<'T>)
        : Context<'T> =
        let w = Option.toObj weights

        let key =
            match dropout with
            | ValueSome key when network.HasDropout -> ValueSome key
            | _ -> ValueNone

        let curvature =
            lazy
                (if key.IsSome then
                     invalidOp
                         "Curvature products are not available for a network trained with dropout (each step's masks change the objective): train second-order stages without dropout."
                 else
                     Curvature.At(network, inputs, targets, loss, w))

        let penalised (product: Parameters<'T> -> Parameters<'T>) (v: Parameters<'T>) =
            if l2 > 0.0 then
                WeightPenalty.AddScaledWeights(product v, l2, v)
            else
                product v

        let dense (matrix: unit -> Matrix<'T>) () =
            if l2 > 0.0 then
                WeightPenalty.AddToWeightDiagonal(matrix (), network.Parameters, l2)
            else
                matrix ()

        {
            Parameters = network.Parameters
            Step = step
            Loss = value
            Gradient = gradient
            Cost =
                fun theta ->
                    // A network refuses non-finite parameters; such a point has no finite cost.
                    if not (theta.IsFinite()) then
                        nan
                    else
                        let candidate = network.WithParameters theta

                        let trace =
                            match key with
                            | ValueSome k -> Propagation.Forward(candidate, inputs, k)
                            | ValueNone -> Propagation.Forward(candidate, inputs)

                        let data =
                            Double.CreateTruncating(Propagation.Cost(candidate, trace, targets, loss, w))

                        if l2 > 0.0 then
                            data + WeightPenalty.Value(theta, l2)
                        else
                            data
            HessianVector = penalised (fun v -> curvature.Force().HessianVectorProduct v)
            GaussNewtonVector = penalised (fun v -> curvature.Force().GaussNewtonVectorProduct v)
            Hessian = dense (fun () -> curvature.Force().HessianMatrix())
            GaussNewton = dense (fun () -> curvature.Force().GaussNewtonMatrix())
        }

    /// <summary>
    /// The context of <paramref name="network"/> on the batch X (inputs × m) with targets Y (outputs × m) at update
    /// count <paramref name="step"/>: one forward and backward pass for J(θ) and ∇J(θ).
    /// </summary>
    /// <exception cref="System.ArgumentException">X or Y has the wrong shape, X is not finite, Y is invalid for the loss, or the loss does not fit the output activation.</exception>
    let create (loss: Loss) (network: Network<'T>) (inputs: Matrix<'T>) (targets: Matrix<'T>) (step: int) : Context<'T> =
        let struct (value, gradient) =
            Propagation.CostAndGradients(network, inputs, targets, loss)

        ofGradient loss network inputs targets None ValueNone 0.0 step (Double.CreateTruncating value) gradient

    /// <summary>
    /// A context that knows only θ and the update count, for applying a first-order optimizer outside training (as the
    /// C# <c>GradientTransformation.Update</c> does). Asking it for the loss, the gradient or curvature throws
    /// <c>InvalidOperationException</c>: second-order stages need a batch, so they run inside <c>Training.fit</c>.
    /// </summary>
    let ofParameters (step: int) (parameters: Parameters<'T>) : Context<'T> =
        let unavailable what : 'a =
            invalidOp $"{what} is only known inside a training step: run second-order stages with Training.fit."

        {
            Parameters = parameters
            Step = step
            Loss = nan
            Gradient = parameters.FullLike nan
            Cost = fun _ -> unavailable "The loss at another point"
            HessianVector = fun _ -> unavailable "A Hessian-vector product"
            GaussNewtonVector = fun _ -> unavailable "A Gauss-Newton product"
            Hessian = fun () -> unavailable "The Hessian"
            GaussNewton = fun () -> unavailable "The Gauss-Newton matrix"
        }
