// Second-order stages against SGD and Adam: full-batch iterations and wall time until the training loss first
// reaches a target, on three small problems, from three network seeds each.
//   XOR        2-2-1, tanh hidden, sigmoid output, binary cross-entropy, 4 points        target J ≤ 1e-2
//   sin curve  1-20-1, tanh hidden, identity output, squared error ½(ŷ − y)², y = sin x,
//              64 points evenly spaced on [−3, 3]                                         target J ≤ 1e-4
//   iris       4-16-3, tanh hidden, softmax cross-entropy, all 150 samples standardised  target J ≤ 5e-2
// Every method sees the full batch each iteration. First-order methods get a cap of 5000 epochs and the best
// constant learning rate of {0.003, 0.01, 0.03, 0.1, 0.3, 1} per problem (fewest epochs to the target, then the
// lowest final loss); second-order methods, L-BFGS among them, get a cap of 200 iterations. All run through
// Training.fit, one update per epoch; an epoch's training loss is J before its update, so the count to the target is
// the number of updates made before J first reached it. Wall time runs from the start of the call to the step that
// found J at the target, and is for comparison on one machine only.
// Run (after `dotnet build`, see Nn.fsx): dotnet fsi scripts/second-order.fsx
#load "Nn.fsx"

open System.Diagnostics
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Pipeline

type Problem = {
    Name: string
    Data: Dataset
    Network: int -> Network<float>
    Loss: Loss
    Target: float
}

type Outcome = {
    Reached: (int * float) option
    Final: float
}

let seeds = [ 0; 1; 2 ]
let firstOrderCap, secondOrderCap = 5000, 200
let rates = [ 0.003; 0.01; 0.03; 0.1; 0.3; 1.0 ]

let xor = {
    Name = "XOR 2-2-1 (BCE)"
    Data = Data.ofRows [| [| 0.0; 0.0 |]; [| 0.0; 1.0 |]; [| 1.0; 0.0 |]; [| 1.0; 1.0 |] |] [| 0; 1; 1; 0 |]
    Network = fun seed -> Network.Create<float>([ 2; 2; 1 ], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, seed)
    Loss = Loss.BinaryCrossEntropy
    Target = 1e-2
}

let curve =
    let xs = Array.init 64 (fun i -> -3.0 + 6.0 * float i / 63.0)

    {
        Name = "sin 1-20-1 (squared error)"
        Data = Data.ofRowsRegression (xs |> Array.map (fun x -> [| x |])) (xs |> Array.map (fun x -> [| sin x |]))
        Network = fun seed -> Network.Create<float>([ 1; 20; 1 ], Activation.Tanh, Activation.Identity, Initializer.XavierNormal, seed)
        Loss = Loss.SquaredError
        Target = 1e-4
    }

let iris =
    let data = Data.iris ()

    {
        Name = "iris 4-16-3 (softmax CE)"
        Data = Standardizer.apply (Standardizer.fit data) data
        Network = fun seed -> Network.Create<float>([ 4; 16; 3 ], Activation.Tanh, Activation.Softmax, Initializer.XavierNormal, seed)
        Loss = Loss.SoftmaxCrossEntropy
        Target = 5e-2
    }

/// Runs a phase-shaped training function, noting the updates made before the training loss first reached the target.
let timed (problem: Problem) (run: (StepRecord -> unit) -> Phase<float>) seed =
    let watch = Stopwatch.StartNew()
    let reached = ref None

    let observe (s: StepRecord) =
        if reached.Value.IsNone && s.Loss <= problem.Target then
            reached.Value <- Some(s.Step - 1, watch.Elapsed.TotalSeconds)

    match run observe (problem.Network seed) problem.Data with
    | Ok trained -> {
        Reached = reached.Value
        Final = fst (Training.evaluate problem.Loss trained.Network problem.Data)
      }
    | Error e ->
        printfn "    seed %d: %s" seed e.Message
        { Reached = reached.Value; Final = nan }

let fullBatch (optimizer: Optimizer<float, 'S>) epochs (problem: Problem) observe =
    Phases.fit {
        Training.defaults optimizer with
            Epochs = epochs
            BatchSize = problem.Data.Samples
            Loss = problem.Loss
            OnStep = observe
    }

let firstOrder (optimizer: Schedule -> Optimizer<float, 'S>) rate (problem: Problem) observe =
    fullBatch (optimizer (Schedules.constant rate)) firstOrderCap problem observe

let secondOrder (optimizer: Optimizer<float, 'S>) epochs (problem: Problem) observe =
    fullBatch optimizer epochs problem observe

let median (xs: float list) =
    let s = List.sort xs
    let n = s.Length

    if n % 2 = 1 then
        s[n / 2]
    else
        0.5 * (s[n / 2 - 1] + s[n / 2])

let summary (outcomes: Outcome list) =
    let hits = outcomes |> List.choose (fun o -> o.Reached)

    let finals =
        outcomes |> List.map (fun o -> o.Final) |> List.filter System.Double.IsFinite

    let reached = $"{hits.Length}/{outcomes.Length}"

    let epochs, seconds =
        if hits.IsEmpty then
            "not reached", "—"
        else
            $"{median (hits |> List.map (fst >> float)):g}", $"{median (hits |> List.map snd) * 1000.0:F1} ms"

    let final = if finals.IsEmpty then "—" else $"{median finals:E2}"
    reached, epochs, seconds, final

let bestRate (optimizer: Schedule -> Optimizer<float, 'S>) (problem: Problem) =
    rates
    |> List.map (fun rate -> rate, seeds |> List.map (timed problem (firstOrder optimizer rate problem)))
    |> List.minBy (fun (_, outcomes) ->
        let hits = outcomes |> List.choose (fun o -> o.Reached)

        let finals =
            outcomes
            |> List.map (fun o -> if System.Double.IsFinite o.Final then o.Final else infinity)

        -hits.Length,
        (if hits.IsEmpty then
             infinity
         else
             median (hits |> List.map (fst >> float))),
        median finals)

let newton = DampedNewton.optimizer DampedNewton.defaults

let newtonGaussNewton =
    DampedNewton.optimizer {
        DampedNewton.defaults with
            Curvature = GaussNewton
    }

let hessianFree = HessianFree.optimizer HessianFree.defaults

let hessianFreeExact =
    HessianFree.optimizer {
        HessianFree.defaults with
            Curvature = ExactHessian
    }

let lm = LevenbergMarquardt.optimizer LevenbergMarquardt.defaults
let lbfgs = Lbfgs.optimizer Lbfgs.defaults

printfn "| problem | method | unit | reached | median count to target | median wall time | median final loss |"
printfn "|---|---|---|---|---|---|---|"

for problem in [ xor; curve; iris ] do
    let row name unit (outcomes: Outcome list) =
        let reached, epochs, seconds, final = summary outcomes
        printfn "| %s | %s | %s | %s | %s | %s | %s |" problem.Name name unit reached epochs seconds final

    let sgdRate, sgd = bestRate Optimizers.sgd problem
    row $"SGD, α = {sgdRate}" "epochs" sgd
    let adamRate, adam = bestRate Optimizers.adam problem
    row $"Adam, α = {adamRate}" "epochs" adam
    row "damped Newton (exact H)" "iterations" (seeds |> List.map (timed problem (secondOrder newton secondOrderCap problem)))

    row
        "damped Newton (Gauss–Newton)"
        "iterations"
        (seeds
         |> List.map (timed problem (secondOrder newtonGaussNewton secondOrderCap problem)))

    row
        "Hessian-free (GGN products)"
        "iterations"
        (seeds
         |> List.map (timed problem (secondOrder hessianFree secondOrderCap problem)))

    row
        "Hessian-free (exact H products)"
        "iterations"
        (seeds
         |> List.map (timed problem (secondOrder hessianFreeExact secondOrderCap problem)))

    row "Levenberg–Marquardt" "iterations" (seeds |> List.map (timed problem (secondOrder lm secondOrderCap problem)))
    row "L-BFGS (m = 10)" "iterations" (seeds |> List.map (timed problem (secondOrder lbfgs secondOrderCap problem)))
    // Observers see each phase's own step numbers, so the Newton phase's are shifted past the 20 Adam steps.
    let mixed observe =
        Phases.run [
            fullBatch (Optimizers.adam (Schedules.constant adamRate)) 20 problem observe
            secondOrder newton (secondOrderCap - 20) problem (fun s -> observe { s with Step = s.Step + 20 })
        ]

    row $"Adam ×20 (α = {adamRate}) → damped Newton" "epochs + iterations" (seeds |> List.map (timed problem mixed))
