namespace Nn.Pipeline

open System
open Nn.Layers

/// <summary>Settings of the L-BFGS stage.</summary>
type LbfgsSettings = {
    /// Correction pairs (s, y) kept (Nocedal and Wright, Algorithm 7.5), ≥ 1.
    Memory: int
    /// The most halvings of the step length in one line search (≥ 1).
    LineSearchSteps: int
    /// The Armijo constant c₁ of the sufficient-decrease test J(θ + αd) ≤ J(θ) + c₁α∇Jᵀd, in (0, 1).
    SufficientDecrease: float
}

/// <summary>
/// Limited-memory BFGS (Liu and Nocedal 1989; Nocedal and Wright, §7.2) as an optimizer stage: each update is one
/// L-BFGS iteration, so validation, early stopping, checkpoints and observers work as for any optimizer. It is meant
/// for the full batch (<c>BatchSize</c> ≥ the number of samples): its curvature pairs compare gradients of
/// consecutive steps, which with minibatches belong to different batches.
/// </summary>
[<RequireQualifiedAccess>]
module Lbfgs =

    /// <summary>Memory 10, at most 30 halvings per line search, c₁ = 1e-4.</summary>
    let defaults: LbfgsSettings = {
        Memory = 10
        LineSearchSteps = 30
        SufficientDecrease = 1e-4
    }

    // d = −H·g by the two-loop recursion (Nocedal and Wright, Algorithm 7.4) over the pairs, newest first, with
    // H₀ = γI, γ = sᵀy / yᵀy of the newest pair; d = −g without pairs.
    let private direction (pairs: (Parameters<float> * Parameters<float>) list) (g: Parameters<float>) =
        match pairs with
        | [] -> g.Scale -1.0
        | (s0, y0) :: _ ->
            let q, coefficients =
                pairs
                |> List.fold
                    (fun (q: Parameters<float>, acc) (s: Parameters<float>, y: Parameters<float>) ->
                        let rho = 1.0 / y.Dot s
                        let a = rho * s.Dot q
                        q.AddScaled(-a, y), (a, rho) :: acc)
                    (g, [])

            let r0 = q.Scale(s0.Dot y0 / y0.Dot y0)

            // coefficients are oldest first now, as the second loop needs them.
            let r =
                List.zip (List.rev pairs) coefficients
                |> List.fold (fun (r: Parameters<float>) ((s, y), (a, rho)) -> r.AddScaled(a - rho * y.Dot r, s)) r0

            r.Scale -1.0

    /// <summary>
    /// The stage. With the pairs kept in the state (newest first), each update takes the newest pair
    /// s = θ − θ_prev, y = ∇J(θ) − ∇J(θ_prev) when sᵀy &gt; 1e-10·‖s‖‖y‖ (curvature condition; otherwise it is skipped),
    /// computes d = −H·g by the two-loop recursion, and backtracks α from 1 (from min(1, 1/‖g‖) without pairs) by
    /// halving until J(θ + αd) &lt; J(θ) and the Armijo condition hold. When d is not a descent direction or the
    /// search fails, the memory is cleared and steepest descent is tried; when that fails too, θ is stationary to
    /// working precision and the update is zero. The state is (pairs, [(s, ∇J(θ))]) after an accepted step.
    /// </summary>
    /// <returns>A stage whose updates lower J or are zero, failing only with <c>NonFiniteValue</c> (J or ∇J not finite).</returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A setting is out of range (see <c>LbfgsSettings</c>).</exception>
    let optimizer (settings: LbfgsSettings) : Optimizer<'T, (Parameters<float> * Parameters<float>) list * (Parameters<float> * Parameters<float>) list> =
        if settings.Memory < 1 then
            raise (ArgumentOutOfRangeException("Memory", settings.Memory, $"Memory must be positive but is {settings.Memory}."))

        if settings.LineSearchSteps < 1 then
            raise (
                ArgumentOutOfRangeException("LineSearchSteps", settings.LineSearchSteps, $"LineSearchSteps must be positive but is {settings.LineSearchSteps}.")
            )

        if not (settings.SufficientDecrease > 0.0 && settings.SufficientDecrease < 1.0) then
            raise (
                ArgumentOutOfRangeException(
                    "SufficientDecrease",
                    settings.SufficientDecrease,
                    $"SufficientDecrease must be in (0, 1) but is {settings.SufficientDecrease}."
                )
            )

        SecondOrder.stage (fun _ -> [], []) (fun context (pairs, last) ->
            SecondOrder.checkPoint context
            |> Result.map (fun () ->
                let theta, g = context.Parameters, context.Gradient

                let pairs =
                    match last with
                    | [ s, previous ] ->
                        let y = g.AddScaled(-1.0, previous)
                        let sy = s.Dot y

                        if Double.IsFinite sy && sy > 1e-10 * s.Norm() * y.Norm() then
                            (s, y) :: pairs |> List.truncate settings.Memory
                        else
                            pairs
                    | _ -> pairs

                let attempt pairs =
                    let d = direction pairs g
                    let slope = g.Dot d

                    if not (slope < 0.0 && Double.IsFinite slope) then
                        None
                    else
                        let rec search k alpha =
                            if k >= settings.LineSearchSteps then
                                None
                            else
                                let step = d.Scale alpha
                                let trial = context.Cost(theta.Add step)

                                if
                                    trial < context.Loss
                                    && trial <= context.Loss + settings.SufficientDecrease * alpha * slope
                                then
                                    Some step
                                else
                                    search (k + 1) (alpha * 0.5)

                        search 0 (if List.isEmpty pairs then min 1.0 (1.0 / g.Norm()) else 1.0)

                if g.Norm() = 0.0 then
                    theta.ZerosLike(), (pairs, [])
                else
                    match attempt pairs with
                    | Some step -> step, (pairs, [ step, g ])
                    | None when not pairs.IsEmpty ->
                        match attempt [] with
                        | Some step -> step, ([], [ step, g ])
                        | None -> theta.ZerosLike(), ([], [])
                    | None -> theta.ZerosLike(), ([], [])))
