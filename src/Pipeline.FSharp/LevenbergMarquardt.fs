namespace Nn.Pipeline

open System
open MathNet.Numerics.LinearAlgebra

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

/// <summary>Levenberg–Marquardt as an optimizer stage, for networks of at most <c>Curvature.MaxDenseParameters</c> parameters.</summary>
[<RequireQualifiedAccess>]
module LevenbergMarquardt =

    /// <summary>λ₀ = 1e-3, MaxDamping 1e10, Levenberg's D = I.</summary>
    let defaults: LevenbergMarquardtSettings = {
        Damping = 1e-3
        MaxDamping = 1e10
        MarquardtScaling = false
    }

    /// <summary>
    /// Levenberg–Marquardt (Levenberg 1944; Marquardt 1963; Nocedal and Wright, §10.3): solves (G + λD)d = −g by
    /// Cholesky with the dense Gauss–Newton matrix G — exactly JᵀJ/m for the squared-error loss ½‖ŷ − y‖², and its
    /// generalisation for the other losses — and D = I or diag(G) (floored at 1e-12·max diag(G)). The gain ratio
    /// ρ = (J(θ) − J(θ + d)) / (½dᵀ(λDd − g)) drives λ as in Madsen, Nielsen and Tingleff's variant: on a step
    /// that lowers J, λ ← λ·max(1/3, 1 − (2ρ − 1)³) and ν ← 2; otherwise λ ← λν, ν ← 2ν and the solve is repeated.
    /// The state is (λ, ν).
    /// </summary>
    /// <returns>A stage whose updates lower J, or are zero at a stationary point, or that fails with <c>NonFiniteValue</c> or <c>DampingLimitReached</c>.</returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A setting is out of range (see <c>LevenbergMarquardtSettings</c>).</exception>
    /// <exception cref="System.InvalidOperationException">On update: the network has more than <c>Curvature.MaxDenseParameters</c> parameters.</exception>
    let optimizer (settings: LevenbergMarquardtSettings) : Optimizer<'T, float * float> =
        SecondOrder.positive "Damping" settings.Damping

        if not (Double.IsFinite settings.MaxDamping && settings.MaxDamping >= settings.Damping) then
            raise (
                ArgumentOutOfRangeException(
                    "MaxDamping",
                    settings.MaxDamping,
                    $"MaxDamping must be finite and at least Damping ({settings.Damping}) but is {settings.MaxDamping}."
                )
            )

        SecondOrder.stage (fun _ -> settings.Damping, 2.0) (fun context (lambda, nu) ->
            SecondOrder.checkPoint context
            |> Result.bind (fun () -> SecondOrder.denseCurvature GaussNewton context)
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
                            match SecondOrder.solveDamped b scaling lambda g with
                            | None -> attempt (lambda * nu) (2.0 * nu)
                            | Some d ->
                                let scaled = Vector<float>.Build.DenseOfArray(Array.map2 (*) scaling (d.ToArray()))
                                let predicted = 0.5 * (lambda * d.DotProduct scaled - g.DotProduct d)
                                let step = theta.FromArray(ReadOnlySpan(d.ToArray()))
                                let trial = context.Cost(theta.Add step)

                                if trial < context.Loss then
                                    let rho = (context.Loss - trial) / predicted
                                    Ok(step, (lambda * max (1.0 / 3.0) (1.0 - (2.0 * rho - 1.0) ** 3.0), 2.0))
                                elif SecondOrder.negligible predicted context.Loss then
                                    Ok(theta.ZerosLike(), (lambda, nu))
                                else
                                    attempt (lambda * nu) (2.0 * nu)

                    attempt lambda nu))
