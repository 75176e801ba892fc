namespace Nn.Pipeline

open System
open Nn.Layers

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

/// <summary>Hessian-free optimisation (Martens 2010) as an optimizer stage: no dense matrix, so any network size works.</summary>
[<RequireQualifiedAccess>]
module HessianFree =

    /// <summary>Gauss–Newton products, λ₀ = 1, MaxDamping 1e10, 50 CG iterations, tolerance 1e-6.</summary>
    let defaults: HessianFreeSettings = {
        Curvature = GaussNewton
        Damping = 1.0
        MaxDamping = 1e10
        MaxIterations = 50
        Tolerance = 1e-6
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
    /// A truncated Newton-CG method (Nocedal and Wright, §7.1) with Levenberg–Marquardt damping: d approximately
    /// solves (B + λI)d = −g by at most <c>MaxIterations</c> CG steps with products B·v only (Gauss–Newton or exact
    /// Hessian), truncated on negative curvature (falling back to −g). A backtracking line search (halving α from 1,
    /// at most 12 times, Armijo constant 1e-4; Nocedal and Wright, Algorithm 3.1) accepts θ + αd only when it lowers J.
    /// λ then follows Martens' rule on the reduction ratio ρ = (J(θ + αd) − J(θ)) / (q(αd) − q(0)) of the undamped
    /// model q: λ ← 3/2·λ when ρ &lt; 1/4, λ ← 2/3·λ when ρ &gt; 3/4. When no α succeeds, λ rises by 3/2 and CG runs
    /// again. The state is λ.
    /// </summary>
    /// <remarks>
    /// Cost per step: up to MaxIterations + 1 curvature products (each about two passes) and one forward pass per
    /// trial. A zero update is returned at a point stationary to working precision.
    /// </remarks>
    /// <returns>A stage whose updates lower J, or are zero, or that fails with <c>NonFiniteValue</c> or <c>DampingLimitReached</c>.</returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A setting is out of range (see <c>HessianFreeSettings</c>).</exception>
    let optimizer (settings: HessianFreeSettings) : Optimizer<'T, float> =
        SecondOrder.positive "Damping" settings.Damping

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

        SecondOrder.stage (fun _ -> settings.Damping) (fun context lambda ->
            SecondOrder.checkPoint context
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

                                    if trial < context.Loss && trial <= context.Loss + 1e-4 * alpha * slope then
                                        Some(step, alpha, trial)
                                    else
                                        search (k + 1) (alpha * 0.5)

                            match (if slope < 0.0 then search 0 1.0 else None) with
                            | Some(step, alpha, trial) ->
                                let predicted = -(alpha * slope + 0.5 * alpha * alpha * curvature)

                                let rho =
                                    if predicted > 0.0 then
                                        (context.Loss - trial) / predicted
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

                                if SecondOrder.negligible promised context.Loss then
                                    Ok(theta.ZerosLike(), lambda)
                                else
                                    attempt (1.5 * lambda)

                    attempt lambda))
