// Newton's method for minimisation on the lecture's example (notes 003):
//   g(x) = eˣ − ln x,  g′(x) = eˣ − 1/x,  g″(x) = eˣ + 1/x²,  x₀ = 0.05,  x* = W(1) ≈ 0.5671.
// Run (after `dotnet build`, see Nn.fsx): dotnet fsi scripts/newton.fsx
#load "Nn.fsx"

open Nn.Newton
open Nn.Pipeline.Newton

let gPrime x = exp x - 1.0 / x
let gSecond x = exp x + 1.0 / (x * x)

// x* solves eˣ = 1/x, i.e. x·eˣ = 1: the omega constant.
let xStar = 0.567143290409783873

// The lecture works by hand, rounding each iterate to three decimals before taking the next step.
printfn "By hand, as in the lecture (each step from the previous iterate rounded to 3 decimals):"

let oneStep = NewtonOptions(MaxIterations = 1)

(0.05, [ 1..6 ])
||> List.fold (fun x k ->
    match minimize oneStep gPrime gSecond x with
    | Error(NoConvergence(_, trace)) ->
        let next = System.Math.Round((List.last trace).X, 3)
        printfn "  x%d = %.3f" k next
        next
    | other -> failwithf "unexpected %A" other)
|> ignore

// In full precision, until |g′(x)| ≤ 1e-15 or the step is below 1e-15.
printfn ""

printfn
    "Full precision: x_k, g'(x_k), error e_k = |x_k - x*|, and e_k / e_(k-1)^2 (tends to |g'''(x*) / 2g''(x*)| = %.3f):"
    (abs ((exp xStar - 2.0 / (xStar ** 3.0)) / (2.0 * gSecond xStar)))

match minimize (NewtonOptions(StepTolerance = 1e-15, ResidualTolerance = 1e-15)) gPrime gSecond 0.05 with
| Ok run ->
    run.Iterates
    |> List.iteri (fun k p ->
        let e = abs (p.X - xStar)

        let ratio =
            if k = 0 || e = 0.0 then
                ""
            else
                sprintf "%8.3f" (e / (abs (run.Iterates[k - 1].X - xStar) ** 2.0))

        printfn "  x%d = %.3f   (%.16f)   g' = %10s   e = %8s   %s" k p.X p.X (p.Value.ToString "0.000e+0") (e.ToString "0.00e+0") ratio)

    printfn "Converged to x* = %.4f after %d steps." run.Solution run.Steps
| Error err -> printfn "Newton failed: %A" err
