// Second-order stages against SGD and Adam: full-batch iterations and wall time until the training loss first
// reaches a target, on three small problems, from three network seeds each.
//   XOR        2-2-1, tanh hidden, sigmoid output, binary cross-entropy, 4 points        target J ≤ 1e-2
//   sin curve  1-20-1, tanh hidden, identity output, squared error ½(ŷ − y)², y = sin x,
//              64 points evenly spaced on [−3, 3]                                         target J ≤ 1e-4
//   iris       4-16-3, tanh hidden, softmax cross-entropy, all 150 samples standardised  target J ≤ 5e-2
// Every method sees the full batch each iteration. First-order methods get a cap of 5000 epochs and the best
// constant learning rate of {0.003, 0.01, 0.03, 0.1, 0.3, 1} per problem (fewest epochs to the target, then the
// lowest final loss); second-order methods get a cap of 200 iterations. L-BFGS is MathNet's minimiser run once;
// its count is full-batch evaluations of J and ∇J (line-search trials included), at most 200 iterations.
// Wall time runs from the start of the call to the end of the epoch that reached the target (it includes the
// end-of-epoch loss evaluation every method pays) and is for comparison on one machine only.
// Run after `dotnet build`:  dotnet fsi scripts/second-order.fsx
#r "../src/Pipeline.FSharp/bin/Debug/net10.0/MathNet.Numerics.dll"
#r "../src/Pipeline.FSharp/bin/Debug/net10.0/Nn.Core.dll"
#r "../src/Pipeline.FSharp/bin/Debug/net10.0/Nn.Pipeline.dll"

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

/// Runs a phase-shaped training function, noting the first epoch whose training loss reaches the target.
let timed (problem: Problem) (run: (EpochRecord -> unit) -> Network<float> -> Dataset -> Result<Trained, SecondOrderError>) seed =
    let watch = Stopwatch.StartNew()
    let reached = ref None

    let observe (e: EpochRecord) =
        if reached.Value.IsNone && e.TrainLoss <= problem.Target then
            reached.Value <- Some(e.Epoch, watch.Elapsed.TotalSeconds)

    match run observe (problem.Network seed) problem.Data with
    | Ok trained -> {
        Reached = reached.Value
        Final = (List.last trained.History.Epochs).TrainLoss
      }
    | Error e ->
        printfn "    seed %d: %s" seed e.Message
        { Reached = reached.Value; Final = nan }

let firstOrder optimizer rate (problem: Problem) observe =
    Phases.firstOrder {
        Training.defaults optimizer with
            Epochs = firstOrderCap
            BatchSize = problem.Data.Samples
            LearningRate = Schedules.constant rate
            Loss = problem.Loss
            OnEpoch = observe
    }

let secondOrder optimizer epochs (problem: Problem) observe =
    Phases.secondOrder {
        SecondOrder.defaults optimizer with
            Epochs = epochs
            Loss = problem.Loss
            OnEpoch = observe
    }

let lbfgs (problem: Problem) seed =
    let watch = Stopwatch.StartNew()

    match
        SecondOrder.lbfgs
            {
                SecondOrder.lbfgsDefaults with
                    MaxIterations = secondOrderCap
            }
            problem.Loss
            (problem.Network seed)
            problem.Data
    with
    | Ok run ->
        let elapsed = watch.Elapsed.TotalSeconds
        let hit = run.Evaluations |> List.tryFindIndex (fun j -> j <= problem.Target)
        // The time to the first evaluation under the target is not observable inside the minimiser; the whole
        // run's time is reported, scaled by the fraction of evaluations spent until then.
        {
            Reached =
                hit
                |> Option.map (fun i -> i + 1, elapsed * float (i + 1) / float run.Evaluations.Length)
            Final = run.Evaluations |> List.min
        }
    | Error e ->
        printfn "    seed %d: %s" seed e.Message
        { Reached = None; Final = nan }

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

let bestRate optimizer (problem: Problem) =
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

let newton = SecondOrder.dampedNewton SecondOrder.newtonDefaults

let newtonGaussNewton =
    SecondOrder.dampedNewton {
        SecondOrder.newtonDefaults with
            Curvature = GaussNewton
    }

let hessianFree = SecondOrder.hessianFree SecondOrder.hessianFreeDefaults

let hessianFreeExact =
    SecondOrder.hessianFree {
        SecondOrder.hessianFreeDefaults with
            Curvature = ExactHessian
    }

let lm = SecondOrder.levenbergMarquardt SecondOrder.levenbergMarquardtDefaults

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
    row "L-BFGS (MathNet, m = 10)" "evaluations" (seeds |> List.map (lbfgs problem))
    // Observers see each phase's own epoch numbers, so the Newton phase's are shifted past the 20 Adam epochs.
    let mixed observe =
        Phases.run [
            Phases.firstOrder {
                Training.defaults Optimizers.adam with
                    Epochs = 20
                    BatchSize = problem.Data.Samples
                    LearningRate = Schedules.constant adamRate
                    Loss = problem.Loss
                    OnEpoch = observe
            }
            secondOrder newton (secondOrderCap - 20) problem (fun e -> observe { e with Epoch = e.Epoch + 20 })
        ]

    row $"Adam ×20 (α = {adamRate}) → damped Newton" "epochs + iterations" (seeds |> List.map (timed problem mixed))
