/// Shared helpers: fixed-seed FsCheck runs, small parameter trees and data sets.
module Nn.Tests.Support

open FsCheck
open FsCheck.FSharp
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Pipeline

/// Runs an FsCheck property with a fixed seed, so every run checks the same cases.
let check (maxTest: int) (property: Property) =
    let config =
        Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithMaxRejected(maxTest * 5)
            .WithReplay(
                Some {
                    Rnd = Rnd(20261122UL, 0x9E3779B97F4A7C15UL ||| 1UL)
                    Size = None
                }
            )

    Check.One(config, property)

/// The fixed seed every `[<Property(Replay = Replay)>]` starts from, so each run checks the same cases. A failing
/// property prints its seed and shrinks its case; keep such a case as an example test.
[<Literal>]
let Replay = "20261122,11400714819323198485"

/// Whole numbers in [lo, hi] that shrink towards lo.
let between (lo: int) (hi: int) =
    Arb.fromGenShrink (
        Gen.choose (lo, hi),
        fun n ->
            [ lo; (lo + n) / 2; n - 1 ]
            |> Seq.filter (fun k -> k >= lo && k < n)
            |> Seq.distinct
    )

/// Seeds in [lo, hi]: generated but never shrunk (another seed is another case, not a smaller one).
let seeds (lo: int) (hi: int) = Arb.fromGen (Gen.choose (lo, hi))

/// A one-layer tree holding the point (x, y) as a 1×2 weight matrix, and a zero bias.
let point (x: float) (y: float) =
    Parameters<float>(
        [
            LayerParameters<float>(Dense.Matrix(1, 2, [| x; y |]), Dense.Vector [| 0.0 |])
        ]
    )

/// A tree of shape 2×3 weights and 2 biases with the given 8 values in flat order.
let tree (values: float[]) =
    Parameters<float>(
        [
            LayerParameters<float>(Dense.Matrix(2, 3, values[0..5]), Dense.Vector values[6..7])
        ]
    )

/// Generates 8 finite values in [-10, 10] for a `tree`.
let treeValues: Gen<float[]> =
    Gen.choose (-10000, 10000)
    |> Gen.map (fun i -> float i / 1000.0)
    |> Gen.arrayOfLength 8

/// A classification data set with n samples, f features drawn from the seed, and labels cycling through k classes.
let randomData (seed: int) (n: int) (f: int) (k: int) =
    let random = System.Random seed

    let rows =
        Array.init n (fun _ -> Array.init f (fun _ -> random.NextDouble() * 10.0 - 5.0))

    Data.ofRows rows (Array.init n (fun i -> i % k))

/// One pure update of a first-order optimizer at θ (its context knows only θ and the step count).
let update (optimizer: Optimizer<float, 'S>) (g: Parameters<float>) (state: 'S) (theta: Parameters<float>) (step: int) =
    match optimizer.Update g state (Context.ofParameters step theta) with
    | Ok result -> result
    | Error e -> failwith e.Message

/// Applies an optimizer for the given gradient sequence (independent of θ) from θ₀, returning every θ.
let iterate (optimizer: Optimizer<float, 'S>) (theta0: Parameters<float>) (gradients: Parameters<float> list) =
    gradients
    |> List.indexed
    |> List.scan
        (fun (theta: Parameters<float>, state) (t, g) ->
            let u, state = update optimizer g state theta t
            theta.Add u, state)
        (theta0, optimizer.Init theta0)
    |> List.map fst

/// The repository root: the folder above the test binaries that holds Nn.sln. (Source paths are mapped in
/// deterministic CI builds, so tests find repository files from the binaries, not from the source location.)
let repositoryRoot = Nn.TestSupport.Repository.Root

/// The data set with every class label moved to the next class (k − 1 wraps to 0): a validation set on which
/// fitting the original labels makes the loss worse, for early-stopping tests.
let shiftedLabels (data: Dataset) =
    match data.Targets with
    | Targets.Classes(labels, k) -> {
        data with
            Targets =
                Targets.Classes(
                    labels
                    |> Seq.map (fun l -> (l + 1) % k)
                    |> System.Collections.Immutable.ImmutableArray.CreateRange,
                    k
                )
      }
    | Targets.Values _ -> failwith "classes expected"

/// The 3-5-4 tanh/softmax network the training and checkpoint tests train.
let small seed =
    Network.Create<float>([ 3; 5; 4 ], Activation.Tanh, Activation.Softmax, Initializer.XavierNormal, seed)

/// The early-stopping set-up: 40 random samples; as validation data the same samples with every label shifted by one
/// class, so fitting the training labels makes the validation loss worse after a few epochs; Adam 0.01 for up to 200
/// epochs, patience 3, best weights restored.
let earlyStoppingRun () =
    let train = randomData 5 40 3 4
    let validation = shiftedLabels train

    let settings = {
        Training.defaults (Optimizers.adam (Schedules.constant 0.01)) with
            Epochs = 200
            Validation = Some validation
            EarlyStopping =
                Some {
                    Patience = 3
                    MinDelta = 0.0
                    RestoreBestWeights = true
                }
    }

    train, validation, settings

/// <summary>
/// The reference semantics of <c>Training.fit</c> without validation, written out with the pure functions only:
/// each epoch draws an order (<c>Batching.permutation</c>) when shuffling minibatches, cuts it with
/// <c>Batching.chunks</c>, and for each batch computes J and ∇J with <c>Propagation.CostAndGradients</c> (the training
/// pass of <c>Propagation.TrainingCostAndGradients</c> with dropout), runs the
/// optimizer's pure <c>Update</c> and adds the update with <c>Parameters.Add</c>. Returns θ and, per step, J and ‖∇J‖.
/// </summary>
let referenceFit<'T, 'S
    when 'T: unmanaged and 'T :> System.Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> System.ValueType>
    (config: Config<'T, 'S>)
    (network: Network<'T>)
    (data: Dataset<'T>)
    =
    let y = Data.targetMatrix<'T, 'T> network.Outputs data
    let samples = data.Samples
    let full = config.BatchSize >= samples
    let mutable rng = Rng.FromSeed config.Seed
    let mutable theta = network.Parameters
    let mutable state = config.Optimizer.Init theta
    let losses = ResizeArray<float>()
    let norms = ResizeArray<float>()

    for _ in 1 .. config.Epochs do
        let order =
            if not full && config.Shuffle then
                let order, next = Batching.permutation samples rng
                rng <- next
                order
            else
                Array.init samples id

        for chunk in Batching.chunks (min config.BatchSize samples) order do
            let xb = Dense.GatherColumns(data.Features, System.ReadOnlySpan chunk)
            let yb = Dense.GatherColumns(y, System.ReadOnlySpan chunk)

            let wb =
                if data.Weights.IsEmpty then
                    None
                else
                    Some(Dense.Vector(chunk |> Array.map (fun k -> 'T.CreateTruncating data.Weights[k])))

            let net = network.WithParameters theta

            // Dropout: the masks of update t (1-based) come from the seed's key folded with t.
            let key =
                Nn.Initialization.RandomKey.FromSeed(config.Seed).Fold(uint64 (losses.Count + 1))

            let struct (dataCost, dataGradient) =
                if net.HasDropout then
                    Propagation.TrainingCostAndGradients(net, xb, yb, config.Loss, key, Option.toObj wb)
                else
                    Propagation.CostAndGradients(net, xb, yb, config.Loss, Option.toObj wb)
            // The L2 penalty ½λ‖W‖² joins J and its gradient λW.
            let cost =
                System.Double.CreateTruncating dataCost
                + (if config.L2 > 0.0 then
                       Nn.Optimization.WeightPenalty.Value(theta, config.L2)
                   else
                       0.0)

            let g =
                if config.L2 > 0.0 then
                    Nn.Optimization.WeightPenalty.AddScaledWeights(dataGradient, config.L2, theta)
                else
                    dataGradient

            let context =
                Context.ofGradient config.Loss net xb yb wb (if net.HasDropout then ValueSome key else ValueNone) config.L2 losses.Count cost g

            match config.Optimizer.Update g state context with
            | Ok(u, s) ->
                theta <- theta.Add u
                state <- s
            | Error e -> failwith e.Message

            losses.Add cost
            norms.Add(System.Double.CreateTruncating(g.Norm()))

    theta, List.ofSeq losses, List.ofSeq norms
