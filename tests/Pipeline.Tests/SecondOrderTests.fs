module Nn.Tests.SecondOrderTests

open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Pipeline
open Nn.Tests.Support
open Xunit

let private xor =
    Data.ofRows [| [| 0.0; 0.0 |]; [| 0.0; 1.0 |]; [| 1.0; 0.0 |]; [| 1.0; 1.0 |] |] [| 0; 1; 1; 0 |]

let private xorNetwork seed =
    Network.Create<float>([ 2; 2; 1 ], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, seed)

/// y = sin x at 32 evenly spaced points of [−3, 3].
let private curve =
    let xs = Array.init 32 (fun i -> -3.0 + 6.0 * float i / 31.0)
    Data.ofRowsRegression (xs |> Array.map (fun x -> [| x |])) (xs |> Array.map (fun x -> [| sin x |]))

let private curveNetwork seed =
    Network.Create<float>([ 1; 20; 1 ], Activation.Tanh, Activation.Identity, Initializer.XavierNormal, seed)

let private fitWith (optimizer: SecondOrderOptimizer<'S>) epochs loss network data =
    SecondOrder.fit
        {
            SecondOrder.defaults optimizer with
                Epochs = epochs
                Loss = loss
        }
        network
        data

/// Every second-order stage, as a full-batch training function.
let private stages = [
    "damped Newton on H", fitWith (SecondOrder.dampedNewton SecondOrder.newtonDefaults)
    "damped Newton on G",
    fitWith (
        SecondOrder.dampedNewton {
            SecondOrder.newtonDefaults with
                Curvature = GaussNewton
        }
    )
    "Hessian-free on G", fitWith (SecondOrder.hessianFree SecondOrder.hessianFreeDefaults)
    "Hessian-free on H",
    fitWith (
        SecondOrder.hessianFree {
            SecondOrder.hessianFreeDefaults with
                Curvature = ExactHessian
        }
    )
    "Levenberg–Marquardt", fitWith (SecondOrder.levenbergMarquardt SecondOrder.levenbergMarquardtDefaults)
    "Levenberg–Marquardt, Marquardt scaling",
    fitWith (
        SecondOrder.levenbergMarquardt {
            SecondOrder.levenbergMarquardtDefaults with
                MarquardtScaling = true
        }
    )
]

let private contextOf loss (network: Network<float>) (data: Dataset) =
    Context.create loss network data.Features (Data.targetMatrix network.Outputs data)

/// J before the first step, then J after every epoch.
let private losses (trained: Trained) =
    (List.head trained.History.Steps).Loss
    :: (trained.History.Epochs |> List.map (fun e -> e.TrainLoss))

[<Fact>]
let ``one damped Newton step with zero damping lands on the least-squares solution`` () =
    // J(W, b) = (1/m)·Σ ½‖W x + b − y‖² is a convex quadratic; its minimiser solves the normal equations
    // [W b]·(X̃ X̃ᵀ) = Y X̃ᵀ with X̃ = [X; 1ᵀ].
    let random = System.Random 11

    let rows =
        Array.init 20 (fun _ -> Array.init 3 (fun _ -> random.NextDouble() * 4.0 - 2.0))

    let targets =
        Array.init 20 (fun _ -> Array.init 2 (fun _ -> random.NextDouble() * 4.0 - 2.0))

    let data = Data.ofRowsRegression rows targets

    let network =
        Network.Create<float>([ 3; 2 ], Activation.Identity, Activation.Identity, Initializer.XavierNormal, 4)

    let context = contextOf Loss.SquaredError network data

    let stage =
        SecondOrder.dampedNewton {
            SecondOrder.newtonDefaults with
                Damping = 0.0
        }

    match stage.Update context context.Gradient (stage.Init context.Parameters) with
    | Error e -> failwith e.Message
    | Ok(updates, damping) ->
        let solved = context.Parameters.Add updates

        let augmented =
            Matrix<float>.Build.DenseOfRowArrays(Array.append (Array.transpose rows) [| Array.create 20 1.0 |])

        let y = Matrix<float>.Build.DenseOfRowArrays(Array.transpose targets)

        let exact =
            (y * augmented.Transpose()) * (augmented * augmented.Transpose()).Inverse()

        let layer = solved.Layers[0]

        for i in 0..1 do
            for j in 0..2 do
                Assert.Equal(exact[i, j], layer.Weights[i, j], 10)

            Assert.Equal(exact[i, 3], layer.Bias[i], 10)

        Assert.Equal(0.0, damping)
        Assert.True((contextOf Loss.SquaredError (network.WithParameters solved) data).Gradient.Norm() < 1e-12)

[<Fact>]
let ``Newton converges quadratically on logistic regression`` () =
    // Overlapping classes (a noisy linear rule), so the maximum-likelihood weights are finite.
    let random = System.Random 5

    let rows =
        Array.init 60 (fun _ -> Array.init 2 (fun _ -> random.NextDouble() * 4.0 - 2.0))

    let labels =
        rows
        |> Array.map (fun r ->
            if r[0] + 0.5 * r[1] + 2.0 * (random.NextDouble() - 0.5) > 0.0 then
                1
            else
                0)

    let data = Data.ofRows rows labels

    let network =
        Network.Create<float>([ 2; 1 ], Activation.Identity, Activation.Sigmoid, Initializer.XavierNormal, 1)

    match fitWith (SecondOrder.dampedNewton SecondOrder.newtonDefaults) 12 Loss.BinaryCrossEntropy network data with
    | Error e -> failwith e.Message
    | Ok trained ->
        let norms = trained.History.Steps |> List.map (fun s -> s.GradientNorm)
        // Inside the region of quadratic convergence and above the rounding floor of the gradient (about 1e-12 here),
        // ‖g_{k+1}‖ ≤ C·‖g_k‖² with a modest C; a linearly convergent method would need C ≈ rate / ‖g_k‖, which grows
        // without bound.
        let asymptotic =
            norms
            |> List.pairwise
            |> List.filter (fun (g, next) -> g < 1e-2 && next > 1e-10)

        Assert.True(asymptotic.Length >= 2, $"gradient norms {norms}")

        for g, next in asymptotic do
            Assert.True(next <= 100.0 * g * g, $"‖g‖ went from {g:E3} to {next:E3}")

        Assert.True(List.last norms < 1e-11, $"the last gradient norm is {List.last norms:E3}")

[<Fact>]
let ``every second-order stage lowers the loss on XOR and the curve fit and no step raises it`` () =
    Prop.forAll (Arb.fromGen (Gen.choose (0, 1000))) (fun seed ->
        stages
        |> List.forall (fun (name, fit) ->
            [
                fit 8 Loss.BinaryCrossEntropy (xorNetwork seed) xor
                fit 8 Loss.SquaredError (curveNetwork seed) curve
            ]
            |> List.forall (fun result ->
                match result with
                | Error e -> failwith $"{name}, seed {seed}: {e.Message}"
                | Ok trained ->
                    let j = losses trained

                    List.pairwise j |> List.forall (fun (a, b) -> b <= a)
                    && List.last j < List.head j)))
    |> check 4

[<Fact>]
let ``a second-order stage returns no step when no damping lowers the loss`` () =
    let context = contextOf Loss.SquaredError (curveNetwork 2) curve

    let uphill = {
        context with
            Cost = fun _ -> context.Value + 1.0
    }

    let limit = 1e4

    let outcomes: Result<unit, StepFailure> list = [
        (SecondOrder.dampedNewton {
            SecondOrder.newtonDefaults with
                MaxDamping = limit
        })
            .Update
            uphill
            context.Gradient
            0.0
        |> Result.map ignore
        (SecondOrder.hessianFree {
            SecondOrder.hessianFreeDefaults with
                MaxDamping = limit
        })
            .Update
            uphill
            context.Gradient
            1.0
        |> Result.map ignore
        (SecondOrder.levenbergMarquardt {
            SecondOrder.levenbergMarquardtDefaults with
                MaxDamping = limit
        })
            .Update
            uphill
            context.Gradient
            (1e-3, 2.0)
        |> Result.map ignore
    ]

    for outcome in outcomes do
        match outcome with
        | Error(DampingLimitReached(damping, max)) -> Assert.True(damping > max && max = limit)
        | other -> failwith $"expected DampingLimitReached but got {other}"

[<Fact>]
let ``Levenberg–Marquardt converges to the linear least-squares solution`` () =
    // For a linear model J is ½‖Aθ − y‖²/m, G = AᵀA/m exactly, and LM's iterates approach the normal-equation
    // solution as λ falls.
    let random = System.Random 12

    let rows =
        Array.init 25 (fun _ -> Array.init 2 (fun _ -> random.NextDouble() * 4.0 - 2.0))

    let targets = Array.init 25 (fun _ -> [| random.NextDouble() * 4.0 - 2.0 |])
    let data = Data.ofRowsRegression rows targets

    let network =
        Network.Create<float>([ 2; 1 ], Activation.Identity, Activation.Identity, Initializer.XavierNormal, 6)

    let augmented =
        Matrix<float>.Build.DenseOfRowArrays(Array.append (Array.transpose rows) [| Array.create 25 1.0 |])

    let y = Matrix<float>.Build.DenseOfRowArrays(Array.transpose targets)

    let exact =
        (y * augmented.Transpose()) * (augmented * augmented.Transpose()).Inverse()

    for settings in
        [
            SecondOrder.levenbergMarquardtDefaults
            {
                SecondOrder.levenbergMarquardtDefaults with
                    MarquardtScaling = true
            }
        ] do
        match fitWith (SecondOrder.levenbergMarquardt settings) 10 Loss.SquaredError network data with
        | Error e -> failwith e.Message
        | Ok trained ->
            let layer = trained.Network.Parameters.Layers[0]
            Assert.Equal(exact[0, 0], layer.Weights[0, 0], 9)
            Assert.Equal(exact[0, 1], layer.Weights[0, 1], 9)
            Assert.Equal(exact[0, 2], layer.Bias[0], 9)

[<Fact>]
let ``Levenberg–Marquardt fits the sine curve below 1e-4 within 40 iterations`` () =
    for seed in [ 0; 1; 2 ] do
        match fitWith (SecondOrder.levenbergMarquardt SecondOrder.levenbergMarquardtDefaults) 40 Loss.SquaredError (curveNetwork seed) curve with
        | Error e -> failwith e.Message
        | Ok trained ->
            let last = (List.last trained.History.Epochs).TrainLoss
            Assert.True(last < 1e-4, $"seed {seed}: J = {last:E3} after 40 iterations")

[<Fact>]
let ``a clipping stage chained after Newton bounds its steps`` () =
    let newton = SecondOrder.dampedNewton SecondOrder.newtonDefaults
    let clipped = newton >=> SecondOrder.lift (Transform.clipByGlobalNorm 0.05)

    let stepNorms (optimizer: SecondOrderOptimizer<'S>) =
        let network = curveNetwork 3

        let step (parameters: Parameters<float>, state) =
            let context = contextOf Loss.SquaredError (network.WithParameters parameters) curve

            match optimizer.Update context context.Gradient state with
            | Error e -> failwith e.Message
            | Ok(u, s) -> u.Norm(), (parameters.Add u, s)

        List.mapFold (fun acc _ -> step acc) (network.Parameters, optimizer.Init network.Parameters) [ 1..5 ]
        |> fst

    Assert.True(stepNorms newton |> List.exists (fun n -> n > 0.05))
    Assert.True(stepNorms clipped |> List.forall (fun n -> n <= 0.05 + 1e-12))

[<Fact>]
let ``Adam then Newton ends lower than Adam alone with the same epoch budget`` () =
    let adam epochs = {
        Training.defaults Optimizers.adam with
            Epochs = epochs
            BatchSize = curve.Samples
            LearningRate = Schedules.constant 0.01
            Loss = Loss.SquaredError
    }

    let newton = {
        SecondOrder.defaults (SecondOrder.dampedNewton SecondOrder.newtonDefaults) with
            Epochs = 15
            Loss = Loss.SquaredError
    }

    match Phases.run [ Phases.firstOrder (adam 5); Phases.secondOrder newton ] (curveNetwork 4) curve, Training.fit (adam 20) (curveNetwork 4) curve with
    | Ok mixed, Ok alone ->
        Assert.Equal<int list>([ 1..20 ], mixed.History.Epochs |> List.map (fun e -> e.Epoch))
        Assert.Equal<int list>([ 1..20 ], mixed.History.Steps |> List.map (fun s -> s.Step))
        let final (t: Trained) = (List.last t.History.Epochs).TrainLoss
        Assert.True(final mixed < final alone, $"Adam → Newton {final mixed:E3}, Adam {final alone:E3}")
    | Error e, _ -> failwith e.Message
    | _, Error e -> failwith e.Message

[<Fact>]
let ``a minibatch Hessian-free run is bit-reproducible from its seed`` () =
    Prop.forAll (Arb.fromGen (Gen.choose (0, 10000))) (fun seed ->
        let config = {
            SecondOrder.defaults (SecondOrder.hessianFree SecondOrder.hessianFreeDefaults) with
                Epochs = 3
                BatchSize = Some 8
                Seed = seed
                Loss = Loss.SquaredError
        }

        match SecondOrder.fit config (curveNetwork seed) curve, SecondOrder.fit config (curveNetwork seed) curve with
        | Ok a, Ok b ->
            a.History.Steps.Length = 12
            && a.Network.Parameters.ToArray() = b.Network.Parameters.ToArray()
            && a.History = b.History
        | _ -> false)
    |> check 3

[<Fact>]
let ``a non-finite loss gives the typed error and no model`` () =
    // Weights of 1e308 overflow the pre-activations to +∞, so J(θ) is not finite from the first step.
    let network = xorNetwork 0

    let broken =
        network.WithParameters(network.Parameters.Map(SpanMap<float>(fun _ r -> r.Fill 1e308)))

    for name, fit in stages do
        match fit 3 Loss.BinaryCrossEntropy broken xor with
        | Error(NonFiniteLoss d) -> Assert.True(d.Epoch = 1 && d.Step = 1 && not (System.Double.IsFinite d.Loss), name)
        | other -> failwith $"{name}: expected NonFiniteLoss but got {other}"

[<Fact>]
let ``L-BFGS lowers the curve-fit loss and never returns a point worse than the start`` () =
    match
        SecondOrder.lbfgs
            {
                SecondOrder.lbfgsDefaults with
                    MaxIterations = 50
            }
            Loss.SquaredError
            (curveNetwork 5)
            curve
    with
    | Error e -> failwith e.Message
    | Ok run ->
        let start = fst (Training.evaluate Loss.SquaredError (curveNetwork 5) curve)
        let final = fst (Training.evaluate Loss.SquaredError run.Network curve)
        Assert.Equal(start, List.head run.Evaluations, 12)
        Assert.True(final < 1e-2 * start, $"J went from {start:E3} to {final:E3}")
        Assert.True(final <= List.min run.Evaluations)
