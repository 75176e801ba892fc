module Nn.Tests.SecondOrderTests

open System
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

let private fitWith (optimizer: Optimizer<float, 'S>) epochs loss network (data: Dataset) =
    Training.fit
        {
            Training.defaults optimizer with
                Epochs = epochs
                BatchSize = Int32.MaxValue
                Loss = loss
        }
        network
        data

/// Every second-order stage, as a full-batch training function.
let private stages = [
    "damped Newton on H", fitWith (DampedNewton.optimizer DampedNewton.defaults)
    "damped Newton on G",
    fitWith (
        DampedNewton.optimizer {
            DampedNewton.defaults with
                Curvature = GaussNewton
        }
    )
    "Hessian-free on G", fitWith (HessianFree.optimizer HessianFree.defaults)
    "Hessian-free on H",
    fitWith (
        HessianFree.optimizer {
            HessianFree.defaults with
                Curvature = ExactHessian
        }
    )
    "Levenberg–Marquardt", fitWith (LevenbergMarquardt.optimizer LevenbergMarquardt.defaults)
    "Levenberg–Marquardt, Marquardt scaling",
    fitWith (
        LevenbergMarquardt.optimizer {
            LevenbergMarquardt.defaults with
                MarquardtScaling = true
        }
    )
    "L-BFGS", fitWith (Lbfgs.optimizer Lbfgs.defaults)
]

let private contextOf loss (network: Network<float>) (data: Dataset) =
    Context.create loss network data.Features (Data.targetMatrix network.Outputs data) 0

/// J before every step, then J after the last.
let private losses loss (trained: Trained<float>) (data: Dataset) =
    (trained.History.Steps |> Seq.map _.Loss |> List.ofSeq)
    @ [ fst (Training.evaluate loss trained.Network data) ]

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
        DampedNewton.optimizer {
            DampedNewton.defaults with
                Damping = 0.0
        }

    match stage.Update context.Gradient (stage.Init context.Parameters) context with
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

    match fitWith (DampedNewton.optimizer DampedNewton.defaults) 12 Loss.BinaryCrossEntropy network data with
    | Error e -> failwith e.Message
    | Ok trained ->
        let norms = trained.History.Steps |> Seq.map (fun s -> s.GradientNorm) |> List.ofSeq
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
                Loss.BinaryCrossEntropy, xor, fit 8 Loss.BinaryCrossEntropy (xorNetwork seed) xor
                Loss.SquaredError, curve, fit 8 Loss.SquaredError (curveNetwork seed) curve
            ]
            |> List.forall (fun (loss, data, result) ->
                match result with
                | Error e -> failwith $"{name}, seed {seed}: {e.Message}"
                | Ok trained ->
                    let j = losses loss trained data

                    List.pairwise j |> List.forall (fun (a, b) -> b <= a)
                    && List.last j < List.head j)))
    |> check 4

[<Fact>]
let ``a second-order stage returns no step when no damping lowers the loss`` () =
    let context = contextOf Loss.SquaredError (curveNetwork 2) curve

    let uphill = {
        context with
            Cost = fun _ -> context.Loss + 1.0
    }

    let limit = 1e4

    let outcomes: Result<unit, StepFailure> list = [
        (DampedNewton.optimizer {
            DampedNewton.defaults with
                MaxDamping = limit
        })
            .Update
            context.Gradient
            0.0
            uphill
        |> Result.map ignore
        (HessianFree.optimizer {
            HessianFree.defaults with
                MaxDamping = limit
        })
            .Update
            context.Gradient
            1.0
            uphill
        |> Result.map ignore
        (LevenbergMarquardt.optimizer {
            LevenbergMarquardt.defaults with
                MaxDamping = limit
        })
            .Update
            context.Gradient
            (1e-3, 2.0)
            uphill
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
            LevenbergMarquardt.defaults
            {
                LevenbergMarquardt.defaults with
                    MarquardtScaling = true
            }
        ] do
        match fitWith (LevenbergMarquardt.optimizer settings) 10 Loss.SquaredError network data with
        | Error e -> failwith e.Message
        | Ok trained ->
            let layer = trained.Network.Parameters.Layers[0]
            Assert.Equal(exact[0, 0], layer.Weights[0, 0], 9)
            Assert.Equal(exact[0, 1], layer.Weights[0, 1], 9)
            Assert.Equal(exact[0, 2], layer.Bias[0], 9)

[<Fact>]
let ``Levenberg–Marquardt fits the sine curve below 1e-4 within 40 iterations`` () =
    for seed in [ 0; 1; 2 ] do
        match fitWith (LevenbergMarquardt.optimizer LevenbergMarquardt.defaults) 40 Loss.SquaredError (curveNetwork seed) curve with
        | Error e -> failwith e.Message
        | Ok trained ->
            let last = fst (Training.evaluate Loss.SquaredError trained.Network curve)
            Assert.True(last < 1e-4, $"seed {seed}: J = {last:E3} after 40 iterations")

[<Fact>]
let ``a clipping stage chained after Newton bounds its steps`` () =
    let newton = DampedNewton.optimizer DampedNewton.defaults
    let clipped = newton >-> Transform.clipByGlobalNorm 0.05

    let stepNorms (optimizer: Optimizer<float, 'S>) =
        let network = curveNetwork 3

        let step (parameters: Parameters<float>, state) =
            let context = contextOf Loss.SquaredError (network.WithParameters parameters) curve

            match optimizer.Update context.Gradient state context with
            | Error e -> failwith e.Message
            | Ok(u, s) -> u.Norm(), (parameters.Add u, s)

        List.mapFold (fun acc _ -> step acc) (network.Parameters, optimizer.Init network.Parameters) [ 1..5 ]
        |> fst

    Assert.True(stepNorms newton |> List.exists (fun n -> n > 0.05))
    Assert.True(stepNorms clipped |> List.forall (fun n -> n <= 0.05 + 1e-12))

[<Fact>]
let ``Adam then Newton ends lower than Adam alone with the same epoch budget`` () =
    let adam epochs = {
        Training.defaults (Optimizers.adam (Schedules.constant 0.01)) with
            Epochs = epochs
            BatchSize = curve.Samples
            Loss = Loss.SquaredError
    }

    let newton = {
        Training.defaults (DampedNewton.optimizer DampedNewton.defaults) with
            Epochs = 15
            BatchSize = Int32.MaxValue
            Loss = Loss.SquaredError
    }

    match Phases.run [ Phases.fit (adam 5); Phases.fit newton ] (curveNetwork 4) curve, Training.fit (adam 20) (curveNetwork 4) curve with
    | Ok mixed, Ok alone ->
        Assert.Equal<int list>([ 1..20 ], mixed.History.Epochs |> Seq.map (fun e -> e.Epoch) |> List.ofSeq)
        Assert.Equal<int list>([ 1..20 ], mixed.History.Steps |> Seq.map (fun s -> s.Step) |> List.ofSeq)

        let final (t: Trained<float>) =
            fst (Training.evaluate Loss.SquaredError t.Network curve)

        Assert.True(final mixed < final alone, $"Adam → Newton {final mixed:E3}, Adam {final alone:E3}")
    | Error e, _ -> failwith e.Message
    | _, Error e -> failwith e.Message

[<Fact>]
let ``a minibatch Hessian-free run is bit-reproducible from its seed`` () =
    Prop.forAll (Arb.fromGen (Gen.choose (0, 10000))) (fun seed ->
        let config = {
            Training.defaults (HessianFree.optimizer HessianFree.defaults) with
                Epochs = 3
                BatchSize = 8
                Seed = seed
                Loss = Loss.SquaredError
        }

        match Training.fit config (curveNetwork seed) curve, Training.fit config (curveNetwork seed) curve with
        | Ok a, Ok b ->
            a.History.Steps.Length = 12
            && a.Network.Parameters.ToArray() = b.Network.Parameters.ToArray()
            && a.History = b.History
        | _ -> false)
    |> check 3

[<Fact>]
let ``a non-finite loss is divergence at the first step and gives no model`` () =
    // Weights near 1e308 (distinct, so no two hidden units are identical) overflow the output's pre-activation to +∞,
    // so J(θ) is not finite from the first step.
    let network = xorNetwork 0

    let broken =
        network.WithParameters(
            network.Parameters.Map(
                SpanMap<float>(fun _ r ->
                    (for i in 0 .. r.Length - 1 do
                        r[i] <- 1e308 - 1e300 * float i))
            )
        )

    for name, fit in stages do
        match fit 3 Loss.BinaryCrossEntropy broken xor with
        | Error(Diverged d) -> Assert.True(d.Epoch = 1 && d.Step = 1 && not (Double.IsFinite d.Loss), name)
        | other -> failwith $"{name}: expected divergence but got {other}"

[<Fact>]
let ``L-BFGS lowers the curve-fit loss a hundredfold and no step raises it`` () =
    match fitWith (Lbfgs.optimizer Lbfgs.defaults) 50 Loss.SquaredError (curveNetwork 5) curve with
    | Error e -> failwith e.Message
    | Ok trained ->
        let j = losses Loss.SquaredError trained curve
        Assert.True(List.pairwise j |> List.forall (fun (a, b) -> b <= a))
        Assert.True(List.last j < 1e-2 * List.head j, $"J went from {List.head j:E3} to {List.last j:E3}")

[<Fact>]
let ``L-BFGS reaches a stationary point of a convex quadratic`` () =
    // Linear least squares: L-BFGS on a quadratic converges to the normal-equation solution.
    let random = Random 13

    let rows =
        Array.init 30 (fun _ -> Array.init 3 (fun _ -> random.NextDouble() * 4.0 - 2.0))

    let targets =
        rows
        |> Array.map (fun r -> [| 1.5 * r[0] - r[1] + 0.25 * r[2] + 0.5 + 0.01 * random.NextDouble() |])

    let data = Data.ofRowsRegression rows targets

    let network =
        Network.Create<float>([ 3; 1 ], Activation.Identity, Activation.Identity, Initializer.XavierNormal, 1)

    match fitWith (Lbfgs.optimizer Lbfgs.defaults) 60 Loss.SquaredError network data with
    | Error e -> failwith e.Message
    | Ok trained ->
        let context = contextOf Loss.SquaredError trained.Network data
        Assert.True(context.Gradient.Norm() < 1e-8, $"‖∇J‖ = {context.Gradient.Norm():E3}")

/// Fits with validation data, early stopping and a checkpoint after every epoch (through a file), then resumes from
/// every checkpoint: each resumed run must equal the uninterrupted one bit for bit.
let private resumesExactly name (optimizer: Optimizer<float, 'S>) =
    let train = curve

    let validation =
        Data.ofRowsRegression [| for x in -2.9 .. 0.7..2.9 -> [| x |] |] [| for x in -2.9 .. 0.7..2.9 -> [| sin x + 0.05 |] |]

    let mutable saved = []

    let config = {
        Training.defaults optimizer with
            Epochs = 12
            BatchSize = Int32.MaxValue
            Loss = Loss.SquaredError
            Validation = Some validation
            EarlyStopping =
                Some {
                    Patience = 2
                    MinDelta = 1e-4
                    RestoreBestWeights = true
                }
    }

    let network = curveNetwork 6

    let model =
        Nn.Models.Model(network, Loss.SquaredError, Nn.Models.ModelMetadata.Create(Nullable 6L))

    let full =
        Training.fit
            {
                config with
                    OnCheckpoint = Some(fun c -> saved <- c :: saved)
            }
            network
            train
        |> Result.defaultWith (fun e -> failwith $"{name}: {e.Message}")

    Assert.True(full.BestEpoch.IsSome, name)
    Assert.Equal(full.History.Epochs.Length, saved.Length)

    for checkpoint in saved do
        let path =
            IO.Path.Combine(IO.Path.GetTempPath(), $"nn-second-order-{Guid.NewGuid():N}.json")

        try
            Checkpoints.save path false name model checkpoint

            match Checkpoints.load path name optimizer network with
            | Error e -> failwith e
            | Ok(_, loaded) ->
                match Training.resume config network train loaded with
                | Error e -> failwith e.Message
                | Ok resumed ->
                    Assert.True(
                        resumed.Network.Parameters.ToArray() = full.Network.Parameters.ToArray()
                        && resumed.History = full.History
                        && resumed.BestEpoch = full.BestEpoch
                        && resumed.StoppedEarly = full.StoppedEarly,
                        $"{name}: resumed from epoch {checkpoint.Epoch}"
                    )
        finally
            IO.File.Delete path

[<Fact>]
let ``second-order optimizers train with validation, early stopping and bit-identical checkpoint resumes`` () =
    resumesExactly "newton" (DampedNewton.optimizer DampedNewton.defaults)
    resumesExactly "hessian-free" (HessianFree.optimizer HessianFree.defaults)
    resumesExactly "levenberg-marquardt" (LevenbergMarquardt.optimizer LevenbergMarquardt.defaults)
    resumesExactly "lbfgs" (Lbfgs.optimizer Lbfgs.defaults)
