namespace Nn.Pipeline

open System
open MathNet.Numerics.LinearAlgebra

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
/// Damped exact Newton (Nocedal and Wright, §3.4; Levenberg 1944, Marquardt 1963) as an optimizer stage, for networks
/// of at most <c>Curvature.MaxDenseParameters</c> parameters.
/// </summary>
[<RequireQualifiedAccess>]
module DampedNewton =

    /// <summary>
    /// λ starting at 0 (pure Newton steps while H is positive definite and they lower J), MinDamping 1e-8,
    /// MaxDamping 1e10, Factor 10, on the exact Hessian.
    /// </summary>
    let defaults: DampedNewtonSettings = {
        Curvature = ExactHessian
        Damping = 0.0
        MinDamping = 1e-8
        MaxDamping = 1e10
        Factor = 10.0
    }

    /// <summary>
    /// Builds B = H (or G) densely and solves (B + λI)d = −g by Cholesky. When B + λI is not positive definite or
    /// J(θ + d) ≥ J(θ), λ rises (0 → MinDamping → ·Factor) and the solve is repeated; an accepted step lowers λ by
    /// Factor (to 0 below MinDamping). The state is λ.
    /// </summary>
    /// <remarks>
    /// Cost per step: n Hessian (or Gauss–Newton) products and an n³/3 factorisation per λ tried, plus one forward
    /// pass per trial. When the quadratic model promises a decrease below 4ε·max(|J|, 1) (ε = 2⁻⁵²) the stage returns a
    /// zero update: θ is stationary to working precision. With λ = 0 and a convex quadratic J one step lands on the
    /// minimiser.
    /// </remarks>
    /// <returns>
    /// A stage whose updates d have J(θ + d) &lt; J(θ), or are zero at a stationary point, or that fails with
    /// <c>NonFiniteValue</c> (J, ∇J or B not finite) or <c>DampingLimitReached</c>.
    /// </returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A setting is out of range (see <c>DampedNewtonSettings</c>).</exception>
    /// <exception cref="System.InvalidOperationException">On update: the network has more than <c>Curvature.MaxDenseParameters</c> parameters.</exception>
    let optimizer (settings: DampedNewtonSettings) : Optimizer<'T, float> =
        if not (Double.IsFinite settings.Damping && settings.Damping >= 0.0) then
            raise (ArgumentOutOfRangeException("Damping", settings.Damping, $"Damping must be non-negative and finite but is {settings.Damping}."))

        SecondOrder.positive "MinDamping" settings.MinDamping

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

        SecondOrder.stage (fun _ -> settings.Damping) (fun context lambda ->
            SecondOrder.checkPoint context
            |> Result.bind (fun () -> SecondOrder.denseCurvature settings.Curvature context)
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
                            match SecondOrder.solveDamped b ones lambda g with
                            | None -> attempt (raise' lambda)
                            | Some d ->
                                // m(0) − m(d) = −gᵀd − ½dᵀBd = ½dᵀ(B + λI)d + ½λ‖d‖² > 0.
                                let predicted = -(g.DotProduct d) - 0.5 * d.DotProduct(b * d)
                                let step = theta.FromArray(ReadOnlySpan(d.ToArray()))
                                let trial = context.Cost(theta.Add step)

                                if trial < context.Loss then
                                    Ok(step, lower lambda)
                                elif SecondOrder.negligible predicted context.Loss then
                                    Ok(theta.ZerosLike(), lambda)
                                else
                                    attempt (raise' lambda)

                    attempt lambda))
