namespace Nn.Pipeline

open System
open MathNet.Numerics.LinearAlgebra
open MathNet.Numerics.Optimization
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Newton

/// <summary>
/// What a second-order stage needs beyond the incoming updates, for one batch at the current parameters θ: the cost
/// J(θ) = (1/m)·Σ L, its gradient, J at other points of the same batch, and curvature products — exact
/// Hessian-vector products (Pearlmutter 1994) and generalised Gauss–Newton products (Schraudolph 2002) from
/// <c>Nn.Newton.Curvature.At</c>.
/// </summary>
/// <remarks>
/// Build one with <c>Context.create</c>. Vectors are <c>Parameters</c> trees of θ's shape; the dense matrices are
/// n × n in the flat order of <c>Parameters.ToArray</c>. The curvature operator is built on first use and shared by
/// every product at this point, so a first-order stage that never asks for curvature pays nothing for it.
/// NaN policy: <c>Value</c> and <c>Gradient</c> are reported as computed (a stage checks them); <c>Cost</c> returns
/// NaN or ±∞ where the network overflows, and a NaN in a direction propagates into its product.
/// </remarks>
type Context = {
    /// θ, the point the context describes.
    Parameters: Parameters<float>
    /// The loss J averages.
    Loss: Loss
    /// J(θ) on the batch.
    Value: float
    /// ∇J(θ) on the batch, shaped like θ.
    Gradient: Parameters<float>
    /// θ′ ↦ J(θ′) on the same batch (one forward pass); θ′ must have θ's shape. NaN when θ′ is not finite.
    Cost: Parameters<float> -> float
    /// v ↦ H·v = ∇²J(θ)·v.
    HessianVector: Parameters<float> -> Parameters<float>
    /// v ↦ G·v, the generalised Gauss–Newton product (G is positive semi-definite).
    GaussNewtonVector: Parameters<float> -> Parameters<float>
    /// The dense Hessian H (n × n); throws <c>InvalidOperationException</c> above <c>Curvature.MaxDenseParameters</c>.
    Hessian: unit -> Matrix<float>
    /// The dense Gauss–Newton matrix G (n × n); throws <c>InvalidOperationException</c> above <c>Curvature.MaxDenseParameters</c>.
    GaussNewton: unit -> Matrix<float>
}

/// <summary>Building a <c>Context</c>.</summary>
[<RequireQualifiedAccess>]
module Context =

    /// <summary>
    /// The context of <paramref name="network"/> (whose parameters are θ) on the batch X (inputs × m) with targets
    /// Y (outputs × m): one forward and backward pass for J(θ) and ∇J(θ); curvature products reuse one lazily built
    /// <c>CurvatureOperator</c>.
    /// </summary>
    /// <exception cref="System.ArgumentException">X or Y has the wrong shape, X is not finite, Y is invalid for the loss, or the loss does not fit the output activation.</exception>
    let create (loss: Loss) (network: Network<float>) (inputs: Matrix<float>) (targets: Matrix<float>) : Context =
        let struct (value, gradient) =
            Propagation.CostAndGradients(network, inputs, targets, loss)

        let curvature = lazy (Curvature.At(network, inputs, targets, loss))

        {
            Parameters = network.Parameters
            Loss = loss
            Value = value
            Gradient = gradient
            Cost =
                fun theta ->
                    // A network refuses non-finite parameters; such a point has no finite cost.
                    if not (theta.IsFinite()) then
                        nan
                    else
                        let candidate = network.WithParameters theta
                        Propagation.Cost(candidate, Propagation.Forward(candidate, inputs), targets, loss)
            HessianVector = fun v -> curvature.Force().HessianVectorProduct v
            GaussNewtonVector = fun v -> curvature.Force().GaussNewtonVectorProduct v
            Hessian = fun () -> curvature.Force().HessianMatrix()
            GaussNewton = fun () -> curvature.Force().GaussNewtonMatrix()
        }

/// <summary>Why a second-order stage produced no step.</summary>
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

/// <summary>
/// A stage of a second-order optimizer: the <c>Optimizer</c> record of the first-order pipeline with a
/// <c>Context</c> as the extra first argument of <c>Update</c>, and a <c>Result</c> because curvature methods can
/// fail in ways correct code meets. <c>Update ctx u s</c> maps the incoming updates u (∇J for the first stage) to
/// new updates and the next state; updates are <em>added</em> to θ (= <c>ctx.Parameters</c>).
/// </summary>
/// <remarks>
/// Second-order stages read g = <c>ctx.Gradient</c> and ignore the incoming updates, so they belong first in a
/// chain; first-order stages lifted by <c>SecondOrder.lift</c> may follow them (clipping a Newton step, say).
/// Stages never mutate their inputs.
/// </remarks>
type SecondOrderOptimizer<'State> = {
    /// The initial state for parameters θ.
    Init: Parameters<float> -> 'State
    /// Context → incoming updates → state → (updates, next state), or why no step exists.
    Update: Context -> Parameters<float> -> 'State -> Result<Parameters<float> * 'State, StepFailure>
}

/// <summary>The curvature a Newton-type stage models J with.</summary>
type CurvatureModel =
    /// The exact Hessian H = ∇²J (Pearlmutter 1994); may be indefinite away from a minimum.
    | ExactHessian
    /// The generalised Gauss–Newton matrix G (Schraudolph 2002); positive semi-definite.
    | GaussNewton

/// <summary>
/// Settings of the damped exact Newton stage. λ rises by <c>Factor</c> when H + λI is not positive definite or a
/// step does not lower J, and falls by it after an accepted step; from 0 it rises to <c>MinDamping</c>, and below
/// <c>MinDamping</c> it falls to 0, so the stage takes pure Newton steps near a minimum.
/// </summary>
type DampedNewtonSettings = {
    /// The curvature matrix B in (B + λI)d = −g.
    Curvature: CurvatureModel
    /// The initial λ ≥ 0.
    Damping: float
    /// The smallest non-zero λ (> 0).
    MinDamping: float
    /// The largest λ tried before giving up (≥ MinDamping).
    MaxDamping: float
    /// The factor λ rises or falls by (> 1).
    Factor: float
}

/// <summary>
/// Settings of the Hessian-free (truncated Newton-CG) stage of Martens 2010: conjugate gradients on
/// (B + λI)d = −g with matrix-free products, and λ updated from the reduction ratio ρ.
/// </summary>
type HessianFreeSettings = {
    /// B: Gauss–Newton products (Martens' choice) or exact Hessian products.
    Curvature: CurvatureModel
    /// The initial λ (> 0).
    Damping: float
    /// The largest λ tried before giving up.
    MaxDamping: float
    /// The most CG iterations per step (≥ 1).
    MaxIterations: int
    /// CG stops when ‖r‖ ≤ Tolerance·‖g‖ (in (0, 1)).
    Tolerance: float
}

/// <summary>
/// Settings of the Levenberg–Marquardt stage: (G + λD)d = −g with G the Gauss–Newton matrix (JᵀJ/m for squared
/// error) and D = I (Levenberg 1944) or diag(G) (Marquardt 1963); λ adapted by the gain ratio.
/// </summary>
type LevenbergMarquardtSettings = {
    /// The initial λ (> 0).
    Damping: float
    /// The largest λ tried before giving up.
    MaxDamping: float
    /// Scale the damping by diag(G) (Marquardt) instead of I (Levenberg).
    MarquardtScaling: bool
}

/// <summary>Settings of the full-batch L-BFGS trainer (MathNet.Numerics' <c>LimitedMemoryBfgsMinimizer</c>).</summary>
type LbfgsSettings = {
    /// Correction pairs kept (Nocedal and Wright, Algorithm 7.5), ≥ 1.
    Memory: int
    /// The most L-BFGS iterations (≥ 1).
    MaxIterations: int
    /// Stop when ‖∇J‖∞ falls below this.
    GradientTolerance: float
    /// Stop when the relative change of θ falls below this.
    ParameterTolerance: float
    /// Stop when the relative change of J falls below this.
    FunctionProgressTolerance: float
}

/// <summary>The second-order counterpart of <c>Config</c>: the optimizer is a finished <c>SecondOrderOptimizer</c>.</summary>
type SecondOrderConfig<'State> = {
    /// Passes over the training data (≥ 0); with the full batch an epoch is one iteration.
    Epochs: int
    /// Samples per batch (≥ 1), or None for the full batch.
    BatchSize: int option
    /// Seeds the shuffling when batches are smaller than the data.
    Seed: int
    /// The optimizer chain.
    Optimizer: SecondOrderOptimizer<'State>
    /// The loss J is the mean of; it must fit the output activation.
    Loss: Loss
    /// Called after every update; must not throw.
    OnStep: StepRecord -> unit
    /// Called after every epoch.
    OnEpoch: EpochRecord -> unit
}

/// <summary>Why a second-order (or mixed) run produced no model.</summary>
type SecondOrderError =
    /// J, ∇J, the curvature or a parameter became NaN or ±∞; no model is returned.
    | NonFiniteLoss of Divergence
    /// At this epoch and step no damping up to the limit lowered the loss.
    | DampingLimit of epoch: int * step: int * damping: float * limit: float
    /// A first-order phase of a mixed run failed.
    | FirstOrderPhase of TrainingError

    /// The error as one line.
    member e.Message =
        match e with
        | NonFiniteLoss d -> $"Second-order training failed at epoch {d.Epoch}, step {d.Step}: {d.Reason} (loss {d.Loss})."
        | DampingLimit(epoch, step, damping, limit) ->
            $"Second-order training stopped at epoch {epoch}, step {step}: no step lowered the loss before the damping λ = {damping:G4} passed its limit {limit:G4}."
        | FirstOrderPhase t -> t.Message

/// <summary>A finished full-batch L-BFGS run.</summary>
type LbfgsRun = {
    /// The trained network: the minimiser's point, or the lowest-cost point evaluated when it stopped early.
    Network: Network<float>
    /// J at every full-batch evaluation of J and ∇J, in order (line-search trials included).
    Evaluations: float list
    /// ‖∇J‖₂ at every evaluation, in the same order.
    GradientNorms: float list
    /// L-BFGS iterations completed (0 when the minimiser stopped with an exception).
    Iterations: int
    /// Why the minimiser stopped: a MathNet <c>ExitCondition</c> name, or the message of the exception it threw
    /// (the iteration cap, a failed line search).
    Exit: string
}

/// <summary>The chaining operator for second-order stages, opened with the <c>Nn.Pipeline</c> namespace.</summary>
[<AutoOpen>]
module SecondOrderChaining =

    /// <summary>
    /// Runs <paramref name="first"/>, then feeds its updates to <paramref name="second"/> with the same context
    /// (Kleisli composition: the first failure ends the chain). The state is the pair of both states, as for
    /// <c>>-></c>: <c>SecondOrder.dampedNewton s >=> SecondOrder.lift (Transform.clipByGlobalNorm 1.0)</c>.
    /// </summary>
    let (>=>) (first: SecondOrderOptimizer<'A>) (second: SecondOrderOptimizer<'B>) : SecondOrderOptimizer<'A * 'B> = {
        Init = fun p -> first.Init p, second.Init p
        Update =
            fun context u (a, b) ->
                first.Update context u a
                |> Result.bind (fun (u, a) -> second.Update context u b |> Result.map (fun (u, b) -> u, (a, b)))
    }

/// <summary>
/// Second-order stages, their defaults, a training loop that hands each stage a <c>Context</c>, and a full-batch
/// L-BFGS trainer. Every stage accepts a step only when it lowers J on the batch (or returns a zero update at a
/// point that is stationary to working precision): it never returns an uphill step.
/// </summary>
[<RequireQualifiedAccess>]
module SecondOrder =

    // True when the quadratic model promises a decrease of J below 4ε·max(|J|, 1). The losses are sums of terms of
    // order one (a nat of cross-entropy, a squared residual of unit-scale targets), each evaluated with an absolute
    // rounding error of order ε, so such a decrease cannot be told from rounding: θ is stationary to working
    // precision and the stage returns a zero update instead of raising λ without end.
    let private negligible (predicted: float) (value: float) =
        predicted <= 4.0 * (Math.BitIncrement 1.0 - 1.0) * max (abs value) 1.0

    let private positive name (v: float) =
        if not (Double.IsFinite v && v > 0.0) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be positive and finite but is {v}."))

    /// <summary>
    /// A first-order optimizer as a second-order stage: it ignores the context except for θ, so
    /// <c>lift (Optimizers.adam lr)</c> takes Adam steps. It never fails.
    /// </summary>
    let lift (optimizer: Optimizer<'S>) : SecondOrderOptimizer<'S> = {
        Init = optimizer.Init
        Update = fun context u s -> Ok(optimizer.Update u s context.Parameters)
    }

    // Checks J(θ) and ∇J(θ) before a stage uses them.
    let private checkPoint (context: Context) =
        if not (Double.IsFinite context.Value) then
            Error(NonFiniteValue(context.Value, "the loss at the current parameters is not finite"))
        elif not (context.Gradient.IsFinite()) then
            Error(NonFiniteValue(context.Value, "the gradient at the current parameters is not finite"))
        else
            Ok()

    // The dense curvature matrix, symmetrised ((B + Bᵀ)/2 removes rounding asymmetry before Cholesky).
    let private denseCurvature (model: CurvatureModel) (context: Context) =
        let b =
            match model with
            | ExactHessian -> context.Hessian()
            | GaussNewton -> context.GaussNewton()

        let s = (b + b.Transpose()) * 0.5

        if s.Enumerate() |> Seq.forall Double.IsFinite then
            Ok s
        else
            Error(NonFiniteValue(context.Value, "the curvature matrix at the current parameters is not finite"))

    // d = −(B + λ·diag(D))⁻¹ g by Cholesky, or None when B + λD is not numerically positive definite.
    let private solveDamped (b: Matrix<float>) (scaling: float[]) (lambda: float) (g: Vector<float>) : Vector<float> option =
        let a = b.Clone()

        for i in 0 .. a.RowCount - 1 do
            a[i, i] <- a[i, i] + lambda * scaling[i]

        try
            let d = -(a.Cholesky().Solve g)
            if d |> Seq.forall Double.IsFinite then Some d else None
        with :? ArgumentException ->
            // MathNet signals a non-positive pivot this way.
            None

    /// <summary>
    /// Damped exact Newton (Nocedal and Wright, §3.4; Levenberg 1944, Marquardt 1963), for networks of at most
    /// <c>Curvature.MaxDenseParameters</c> parameters: builds B = H (or G) densely and solves (B + λI)d = −g by
    /// Cholesky. When B + λI is not positive definite or J(θ + d) ≥ J(θ), λ rises (0 → MinDamping → ·Factor) and the
    /// solve is repeated; an accepted step lowers λ by Factor (to 0 below MinDamping). The state is λ.
    /// </summary>
    /// <remarks>
    /// Cost per step: n Hessian (or Gauss–Newton) products and an n³/3 factorisation per λ tried, plus one forward
    /// pass per trial. When the quadratic model promises a decrease below 4ε·max(|J|, 1) (ε = 2⁻⁵²) the stage returns a
    /// zero update: θ is stationary to working precision. With λ = 0 and a convex quadratic J one step lands on the
    /// minimiser.
    /// </remarks>
    /// <returns>
    /// Updates d with J(θ + d) &lt; J(θ), a zero update at a stationary point, or <c>NonFiniteValue</c> (J, ∇J or B
    /// not finite) or <c>DampingLimitReached</c>.
    /// </returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A setting is out of range (see <c>DampedNewtonSettings</c>).</exception>
    /// <exception cref="System.InvalidOperationException">On update: the network has more than <c>Curvature.MaxDenseParameters</c> parameters.</exception>
    let dampedNewton (settings: DampedNewtonSettings) : SecondOrderOptimizer<float> =
        if not (Double.IsFinite settings.Damping && settings.Damping >= 0.0) then
            raise (ArgumentOutOfRangeException("Damping", settings.Damping, $"Damping must be non-negative and finite but is {settings.Damping}."))

        positive "MinDamping" settings.MinDamping

        if
            not (
                Double.IsFinite settings.MaxDamping
                && settings.MaxDamping >= settings.MinDamping
            )
        then
            raise (
                ArgumentOutOfRangeException(
                    "MaxDamping",
                    settings.MaxDamping,
                    $"MaxDamping must be finite and at least MinDamping ({settings.MinDamping}) but is {settings.MaxDamping}."
                )
            )

        if not (Double.IsFinite settings.Factor && settings.Factor > 1.0) then
            raise (ArgumentOutOfRangeException("Factor", settings.Factor, $"Factor must be finite and above 1 but is {settings.Factor}."))

        let raise' lambda =
            if lambda < settings.MinDamping then
                settings.MinDamping
            else
                lambda * settings.Factor

        let lower lambda =
            if lambda / settings.Factor < settings.MinDamping then
                0.0
            else
                lambda / settings.Factor

        {
            Init = fun _ -> settings.Damping
            Update =
                fun context _ lambda ->
                    checkPoint context
                    |> Result.bind (fun () -> denseCurvature settings.Curvature context)
                    |> Result.bind (fun b ->
                        let theta = context.Parameters
                        let g = Vector<float>.Build.DenseOfArray(context.Gradient.ToArray())
                        let ones = Array.create g.Count 1.0

                        if g.L2Norm() = 0.0 then
                            Ok(theta.ZerosLike(), lambda)
                        else
                            let rec attempt lambda =
                                if lambda > settings.MaxDamping then
                                    Error(DampingLimitReached(lambda, settings.MaxDamping))
                                else
                                    match solveDamped b ones lambda g with
                                    | None -> attempt (raise' lambda)
                                    | Some d ->
                                        // m(0) − m(d) = −gᵀd − ½dᵀBd = ½dᵀ(B + λI)d + ½λ‖d‖² > 0.
                                        let predicted = -(g.DotProduct d) - 0.5 * d.DotProduct(b * d)
                                        let step = theta.FromArray(d.ToArray())
                                        let trial = context.Cost(theta.Add step)

                                        if trial < context.Value then
                                            Ok(step, lower lambda)
                                        elif negligible predicted context.Value then
                                            Ok(theta.ZerosLike(), lambda)
                                        else
                                            attempt (raise' lambda)

                            attempt lambda)
        }

    /// <summary>
    /// Damped exact Newton with λ starting at 0 (pure Newton steps while H is positive definite and they lower J),
    /// MinDamping 1e-8, MaxDamping 1e10, Factor 10, on the exact Hessian.
    /// </summary>
    let newtonDefaults: DampedNewtonSettings = {
        Curvature = ExactHessian
        Damping = 0.0
        MinDamping = 1e-8
        MaxDamping = 1e10
        Factor = 10.0
    }

    // Linear conjugate gradients on (B + λI)d = −g from d = 0 (Nocedal and Wright, Algorithm 5.2), truncated on
    // non-positive curvature pᵀ(B + λI)p ≤ 0 as in Newton-CG (Algorithm 7.1): the iterate so far is returned, or
    // the steepest-descent direction −g when that happens at the first iteration.
    let private conjugateGradient (product: Parameters<float> -> Parameters<float>) (lambda: float) (g: Parameters<float>) maxIterations tolerance =
        let threshold = tolerance * g.Norm()

        let rec loop k (d: Parameters<float>) (r: Parameters<float>) (p: Parameters<float>) (rr: float) =
            if k >= maxIterations || sqrt rr <= threshold then
                d
            else
                let ap = (product p).AddScaled(lambda, p)
                let curvature = p.Dot ap

                if not (curvature > 0.0 && Double.IsFinite curvature) then
                    if k = 0 then g.Scale -1.0 else d
                else
                    let alpha = rr / curvature
                    let d = d.AddScaled(alpha, p)
                    let r = r.AddScaled(-alpha, ap)
                    let rr' = r.Dot r
                    loop (k + 1) d r (r.AddScaled(rr' / rr, p)) rr'

        let b = g.Scale -1.0
        loop 0 (g.ZerosLike()) b b (b.Dot b)

    /// <summary>
    /// Hessian-free optimisation (Martens 2010), a truncated Newton-CG method (Nocedal and Wright, §7.1) with
    /// Levenberg–Marquardt damping: d approximately solves (B + λI)d = −g by at most <c>MaxIterations</c> CG steps
    /// with products B·v only (Gauss–Newton or exact Hessian), truncated on negative curvature (falling back to −g).
    /// A backtracking line search (halving α from 1, at most 12 times, Armijo constant 1e-4; Nocedal and Wright,
    /// Algorithm 3.1) accepts θ + αd only when it lowers J. λ then follows Martens' rule on the reduction ratio
    /// ρ = (J(θ + αd) − J(θ)) / (q(αd) − q(0)) of the undamped model q: λ ← 3/2·λ when ρ &lt; 1/4, λ ← 2/3·λ when
    /// ρ &gt; 3/4. When no α succeeds, λ rises by 3/2 and CG runs again. The state is λ.
    /// </summary>
    /// <remarks>
    /// Cost per step: up to MaxIterations + 1 curvature products (each about two passes) and one forward pass per
    /// trial. A zero update is returned at a point stationary to working precision. No dense matrix is built, so any
    /// network size works.
    /// </remarks>
    /// <returns>Updates with J(θ + u) &lt; J(θ), a zero update, <c>NonFiniteValue</c> or <c>DampingLimitReached</c>.</returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A setting is out of range (see <c>HessianFreeSettings</c>).</exception>
    let hessianFree (settings: HessianFreeSettings) : SecondOrderOptimizer<float> =
        positive "Damping" settings.Damping

        if not (Double.IsFinite settings.MaxDamping && settings.MaxDamping >= settings.Damping) then
            raise (
                ArgumentOutOfRangeException(
                    "MaxDamping",
                    settings.MaxDamping,
                    $"MaxDamping must be finite and at least Damping ({settings.Damping}) but is {settings.MaxDamping}."
                )
            )

        if settings.MaxIterations < 1 then
            raise (ArgumentOutOfRangeException("MaxIterations", settings.MaxIterations, $"MaxIterations must be positive but is {settings.MaxIterations}."))

        if not (settings.Tolerance > 0.0 && settings.Tolerance < 1.0) then
            raise (ArgumentOutOfRangeException("Tolerance", settings.Tolerance, $"Tolerance must be in (0, 1) but is {settings.Tolerance}."))

        {
            Init = fun _ -> settings.Damping
            Update =
                fun context _ lambda ->
                    checkPoint context
                    |> Result.bind (fun () ->
                        let theta, g = context.Parameters, context.Gradient

                        let product =
                            match settings.Curvature with
                            | ExactHessian -> context.HessianVector
                            | GaussNewton -> context.GaussNewtonVector

                        if g.Norm() = 0.0 then
                            Ok(theta.ZerosLike(), lambda)
                        else
                            let rec attempt lambda =
                                if lambda > settings.MaxDamping then
                                    Error(DampingLimitReached(lambda, settings.MaxDamping))
                                else
                                    let d = conjugateGradient product lambda g settings.MaxIterations settings.Tolerance
                                    let slope = g.Dot d
                                    let curvature = d.Dot(product d)

                                    let rec search k alpha =
                                        if k > 12 then
                                            None
                                        else
                                            let step = d.Scale alpha
                                            let trial = context.Cost(theta.Add step)

                                            if trial < context.Value && trial <= context.Value + 1e-4 * alpha * slope then
                                                Some(step, alpha, trial)
                                            else
                                                search (k + 1) (alpha * 0.5)

                                    match (if slope < 0.0 then search 0 1.0 else None) with
                                    | Some(step, alpha, trial) ->
                                        let predicted = -(alpha * slope + 0.5 * alpha * alpha * curvature)

                                        let rho =
                                            if predicted > 0.0 then
                                                (context.Value - trial) / predicted
                                            else
                                                0.0

                                        let lambda =
                                            if rho < 0.25 then 1.5 * lambda
                                            elif rho > 0.75 then lambda * 2.0 / 3.0
                                            else lambda

                                        Ok(step, lambda)
                                    | None ->
                                        // q(0) − q(d) for the damped model, which CG decreases from 0.
                                        let promised = -(slope + 0.5 * (curvature + lambda * d.Dot d))

                                        if negligible promised context.Value then
                                            Ok(theta.ZerosLike(), lambda)
                                        else
                                            attempt (1.5 * lambda)

                            attempt lambda)
        }

    /// <summary>Hessian-free defaults: Gauss–Newton products, λ₀ = 1, MaxDamping 1e10, 50 CG iterations, tolerance 1e-6.</summary>
    let hessianFreeDefaults: HessianFreeSettings = {
        Curvature = GaussNewton
        Damping = 1.0
        MaxDamping = 1e10
        MaxIterations = 50
        Tolerance = 1e-6
    }

    /// <summary>
    /// Levenberg–Marquardt (Levenberg 1944; Marquardt 1963; Nocedal and Wright, §10.3): solves (G + λD)d = −g by
    /// Cholesky with the dense Gauss–Newton matrix G — exactly JᵀJ/m for the squared-error loss ½‖ŷ − y‖², and its
    /// generalisation for the other losses — and D = I or diag(G) (floored at 1e-12·max diag(G)). The gain ratio
    /// ρ = (J(θ) − J(θ + d)) / (½dᵀ(λDd − g)) drives λ as in Madsen, Nielsen and Tingleff's variant: on a step
    /// that lowers J, λ ← λ·max(1/3, 1 − (2ρ − 1)³) and ν ← 2; otherwise λ ← λν, ν ← 2ν and the solve is repeated.
    /// The state is (λ, ν).
    /// </summary>
    /// <returns>Updates with J(θ + d) &lt; J(θ), a zero update at a stationary point, <c>NonFiniteValue</c> or <c>DampingLimitReached</c>.</returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A setting is out of range (see <c>LevenbergMarquardtSettings</c>).</exception>
    /// <exception cref="System.InvalidOperationException">On update: the network has more than <c>Curvature.MaxDenseParameters</c> parameters.</exception>
    let levenbergMarquardt (settings: LevenbergMarquardtSettings) : SecondOrderOptimizer<float * float> =
        positive "Damping" settings.Damping

        if not (Double.IsFinite settings.MaxDamping && settings.MaxDamping >= settings.Damping) then
            raise (
                ArgumentOutOfRangeException(
                    "MaxDamping",
                    settings.MaxDamping,
                    $"MaxDamping must be finite and at least Damping ({settings.Damping}) but is {settings.MaxDamping}."
                )
            )

        {
            Init = fun _ -> settings.Damping, 2.0
            Update =
                fun context _ (lambda, nu) ->
                    checkPoint context
                    |> Result.bind (fun () -> denseCurvature GaussNewton context)
                    |> Result.bind (fun b ->
                        let theta = context.Parameters
                        let g = Vector<float>.Build.DenseOfArray(context.Gradient.ToArray())

                        let scaling =
                            if settings.MarquardtScaling then
                                let diagonal = b.Diagonal().ToArray()
                                let floor = 1e-12 * max (Array.max diagonal) Double.Epsilon
                                diagonal |> Array.map (max floor)
                            else
                                Array.create g.Count 1.0

                        if g.L2Norm() = 0.0 then
                            Ok(theta.ZerosLike(), (lambda, nu))
                        else
                            let rec attempt lambda nu =
                                if lambda > settings.MaxDamping then
                                    Error(DampingLimitReached(lambda, settings.MaxDamping))
                                else
                                    match solveDamped b scaling lambda g with
                                    | None -> attempt (lambda * nu) (2.0 * nu)
                                    | Some d ->
                                        let scaled = Vector<float>.Build.DenseOfArray(Array.map2 (*) scaling (d.ToArray()))
                                        let predicted = 0.5 * (lambda * d.DotProduct scaled - g.DotProduct d)
                                        let step = theta.FromArray(d.ToArray())
                                        let trial = context.Cost(theta.Add step)

                                        if trial < context.Value then
                                            let rho = (context.Value - trial) / predicted
                                            Ok(step, (lambda * max (1.0 / 3.0) (1.0 - (2.0 * rho - 1.0) ** 3.0), 2.0))
                                        elif negligible predicted context.Value then
                                            Ok(theta.ZerosLike(), (lambda, nu))
                                        else
                                            attempt (lambda * nu) (2.0 * nu)

                            attempt lambda nu)
        }

    /// <summary>Levenberg–Marquardt defaults: λ₀ = 1e-3, MaxDamping 1e10, Levenberg's D = I.</summary>
    let levenbergMarquardtDefaults: LevenbergMarquardtSettings = {
        Damping = 1e-3
        MaxDamping = 1e10
        MarquardtScaling = false
    }

    /// <summary>
    /// Defaults around a second-order optimizer: 20 epochs, the full batch, seed 0, softmax cross-entropy, no
    /// observers.
    /// </summary>
    let defaults (optimizer: SecondOrderOptimizer<'State>) : SecondOrderConfig<'State> = {
        Epochs = 20
        BatchSize = None
        Seed = 0
        Optimizer = optimizer
        Loss = Loss.SoftmaxCrossEntropy
        OnStep = ignore
        OnEpoch = ignore
    }

    let private check (config: SecondOrderConfig<'State>) (network: Network<float>) (train: Dataset) =
        if config.Epochs < 0 then
            raise (ArgumentOutOfRangeException("Epochs", config.Epochs, $"Epochs must be non-negative but is {config.Epochs}."))

        match config.BatchSize with
        | Some size when size <= 0 -> raise (ArgumentOutOfRangeException("BatchSize", size, $"BatchSize must be positive but is {size}."))
        | _ -> ()

        if train.FeatureCount <> network.Inputs then
            invalidArg (nameof train) $"The training data has {train.FeatureCount} features but the network has {network.Inputs} inputs."

        config.Loss.CheckOutputActivation network.OutputActivation

    /// <summary>
    /// Trains <paramref name="network"/> with a second-order chain: for each batch (the whole data set, or seeded
    /// minibatches of <c>BatchSize</c>) it builds the <c>Context</c> at θ, runs
    /// <c>Update ctx ∇J s</c> and sets θ ← θ + u. After each epoch it measures the training loss and accuracy.
    /// The history has the shape of <c>Training.fit</c>'s; <c>LearningRate</c> is recorded as 1 (the stages choose
    /// their own step lengths).
    /// </summary>
    /// <returns>
    /// <c>Ok</c> with the network and history, or <c>Error</c>: <c>NonFiniteLoss</c> when J, ∇J, the curvature, a
    /// parameter or an end-of-epoch loss is NaN or ±∞ (never a NaN model), <c>DampingLimit</c> when a stage gave up.
    /// The input network is not modified. The same configuration, network and data give bit-identical results.
    /// </returns>
    /// <exception cref="System.ArgumentException">Bad settings, or data that does not fit the network or the loss.</exception>
    let fit (config: SecondOrderConfig<'State>) (network: Network<float>) (train: Dataset) : Result<Trained, SecondOrderError> =
        check config network train
        let optimizer = config.Optimizer
        let x = train.Features
        let y = Data.targetMatrix network.Outputs train

        let diverged epoch step loss reason =
            Error(
                NonFiniteLoss {
                    Epoch = epoch
                    Step = step
                    Loss = loss
                    Reason = reason
                }
            )

        let update epoch (parameters: Parameters<float>, state, step, steps: StepRecord list) (inputs: Matrix<float>, targets: Matrix<float>) =
            let context =
                Context.create config.Loss (network.WithParameters parameters) inputs targets

            let step = step + 1

            match optimizer.Update context context.Gradient state with
            | Error(NonFiniteValue(loss, reason)) -> diverged epoch step loss reason
            | Error(DampingLimitReached(damping, limit)) -> Error(DampingLimit(epoch, step, damping, limit))
            | Ok(updates, state) ->
                let next = parameters.Add updates

                if not (next.IsFinite()) then
                    diverged epoch step context.Value "a parameter became non-finite"
                else
                    let record = {
                        Epoch = epoch
                        Step = step
                        BatchSize = inputs.ColumnCount
                        Loss = context.Value
                        GradientNorm = context.Gradient.Norm()
                        LearningRate = 1.0
                    }

                    config.OnStep record
                    Ok(next, state, step, record :: steps)

        let rec epochs epoch (rng: Rng) (parameters: Parameters<float>) state step steps (records: EpochRecord list) =
            if epoch > config.Epochs then
                Ok {
                    Network = network.WithParameters parameters
                    History = {
                        Steps = List.rev steps
                        Epochs = List.rev records
                    }
                    BestEpoch = None
                    StoppedEarly = false
                }
            else
                let batches, rng =
                    match config.BatchSize with
                    | Some size when size < train.Samples ->
                        let batches, rng = Batching.minibatches size rng x y
                        batches |> List.map (fun b -> b.Inputs, b.Targets), rng
                    | _ -> [ x, y ], rng

                let folded =
                    batches
                    |> List.fold (fun acc batch -> acc |> Result.bind (fun s -> update epoch s batch)) (Ok(parameters, state, step, steps))

                match folded with
                | Error e -> Error e
                | Ok(parameters, state, step, steps) ->
                    let trainLoss, trainAccuracy =
                        Training.evaluate config.Loss (network.WithParameters parameters) train

                    if not (Double.IsFinite trainLoss) then
                        diverged epoch step trainLoss "the training loss at the end of the epoch is not finite"
                    else
                        let record = {
                            Epoch = epoch
                            Steps = step
                            TrainLoss = trainLoss
                            TrainAccuracy = trainAccuracy
                            ValidationLoss = None
                            ValidationAccuracy = None
                            GradientNorm =
                                steps
                                |> List.takeWhile (fun s -> s.Epoch = epoch)
                                |> List.averageBy (fun s -> s.GradientNorm)
                            LearningRate = 1.0
                        }

                        config.OnEpoch record
                        epochs (epoch + 1) rng parameters state step steps (record :: records)

        let parameters = network.Parameters
        epochs 1 (Rng.FromSeed config.Seed) parameters (optimizer.Init parameters) 0 [] []

    /// <summary>L-BFGS defaults: memory 10, 500 iterations, tolerances 1e-8 (gradient), 1e-12 (parameters), 1e-12 (progress).</summary>
    let lbfgsDefaults: LbfgsSettings = {
        Memory = 10
        MaxIterations = 500
        GradientTolerance = 1e-8
        ParameterTolerance = 1e-12
        FunctionProgressTolerance = 1e-12
    }

    /// <summary>
    /// Full-batch L-BFGS (Nocedal and Wright, §7.2) by MathNet.Numerics' <c>LimitedMemoryBfgsMinimizer</c>, which runs
    /// the whole minimisation of J(θ) over the training set with its own line search. It keeps its curvature pairs
    /// inside one call, so it is offered as a trainer rather than as a per-batch stage.
    /// </summary>
    /// <returns>
    /// <c>Ok</c> with the minimiser's point when it converged; when it threw (iteration cap, failed line search,
    /// non-finite trial) the lowest-J point it evaluated, which is never worse than the start. <c>Error NonFiniteLoss</c>
    /// when J or ∇J at the start is not finite. The input network is not modified.
    /// </returns>
    /// <exception cref="System.ArgumentException">Bad settings, or data that does not fit the network or the loss.</exception>
    let lbfgs (settings: LbfgsSettings) (loss: Loss) (network: Network<float>) (train: Dataset) : Result<LbfgsRun, SecondOrderError> =
        if settings.Memory < 1 || settings.MaxIterations < 1 then
            invalidArg (nameof settings) $"Memory and MaxIterations must be positive but are {settings.Memory} and {settings.MaxIterations}."

        if train.FeatureCount <> network.Inputs then
            invalidArg (nameof train) $"The training data has {train.FeatureCount} features but the network has {network.Inputs} inputs."

        loss.CheckOutputActivation network.OutputActivation
        let x = train.Features
        let y = Data.targetMatrix network.Outputs train
        let template = network.Parameters
        let struct (value0, gradient0) = Propagation.CostAndGradients(network, x, y, loss)

        if not (Double.IsFinite value0 && gradient0.IsFinite()) then
            Error(
                NonFiniteLoss {
                    Epoch = 1
                    Step = 1
                    Loss = value0
                    Reason = "the loss or gradient at the initial parameters is not finite"
                }
            )
        else
            // The minimiser owns the iteration; these locals only record what it evaluated (reset on every call).
            let evaluations = Collections.Generic.List<float>()
            let norms = Collections.Generic.List<float>()
            let best = ref (value0, template)

            let objective =
                ObjectiveFunction.Gradient(fun (point: Vector<float>) ->
                    let theta = template.FromArray(point.ToArray())

                    let struct (value, gradient) =
                        Propagation.CostAndGradients(network.WithParameters theta, x, y, loss)

                    evaluations.Add value
                    norms.Add(gradient.Norm())

                    if Double.IsFinite value && value < fst best.Value && gradient.IsFinite() then
                        best.Value <- (value, theta)

                    struct (value, Vector<float>.Build.DenseOfArray(gradient.ToArray())))

            let minimizer =
                LimitedMemoryBfgsMinimizer(
                    settings.GradientTolerance,
                    settings.ParameterTolerance,
                    settings.FunctionProgressTolerance,
                    settings.Memory,
                    settings.MaxIterations
                )

            let initial = Vector<float>.Build.DenseOfArray(template.ToArray())

            let theta, iterations, exit =
                try
                    let result = minimizer.FindMinimum(objective, initial)
                    let point = template.FromArray(result.MinimizingPoint.ToArray())
                    // The reported point is the minimiser's; keep the best evaluated one if that is lower.
                    let value = Training.evaluate loss (network.WithParameters point) train |> fst
                    (if value <= fst best.Value then point else snd best.Value), result.Iterations, string result.ReasonForExit
                with :? OptimizationException as e ->
                    snd best.Value, 0, e.Message

            Ok {
                Network = network.WithParameters theta
                Evaluations = List.ofSeq evaluations
                GradientNorms = List.ofSeq norms
                Iterations = iterations
                Exit = exit
            }
