module Nn.Tests.CheckpointTests

open System
open System.IO
open FsCheck.FSharp
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Models
open Nn.Pipeline
open Nn.Tests.Support
open Xunit

let private bits (values: float seq) =
    values |> Seq.map BitConverter.DoubleToInt64Bits |> Array.ofSeq

/// The encoded form with every array flattened to its bit patterns, for exact comparison.
let private flat (encoded: EncodedState) =
    encoded.Arrays |> List.map (fun (name, p) -> name, bits (p.ToArray())),
    encoded.Scalars
    |> List.map (fun (name, v) -> name, BitConverter.DoubleToInt64Bits v)

/// The state after the given gradients, as a training loop would hold it.
let private advance (optimizer: Optimizer<float, 'S>) (theta: Parameters<float>) (gradients: Parameters<float> list) =
    gradients
    |> List.fold (fun (theta: Parameters<float>, state) g -> (let u, s = update optimizer g state theta 0 in theta.Add u, s)) (theta, optimizer.Init theta)

/// Encodes the state reached after the gradients, decodes it into the optimizer's initial state, and checks that the
/// decoded state encodes identically and gives bit-identical next updates.
let private roundTrips (optimizer: Optimizer<float, 'S>) (values: float[] list) =
    let theta = tree (Array.init 8 (fun i -> float i / 8.0 - 0.5))
    let gradients = values |> List.map tree
    let theta, state = advance optimizer theta (List.tail gradients)
    let encoded = OptimizerState.encode state

    match OptimizerState.decode (optimizer.Init theta) encoded with
    | Error e -> failwith e
    | Ok decoded ->
        let g = List.head gradients
        let u1, s1 = update optimizer g state theta 0
        let u2, s2 = update optimizer g decoded theta 0

        flat (OptimizerState.encode decoded) = flat encoded
        && bits (u1.ToArray()) = bits (u2.ToArray())
        && flat (OptimizerState.encode s1) = flat (OptimizerState.encode s2)

let private schedule = Schedules.warmup 3 (Schedules.cosine 0.1 20 0.1)

let private clippedAdam =
    Transform.clipByGlobalNorm 1.0
    >-> Transform.scaleByAdam 0.9 0.999 1e-8
    >-> Transform.scaleByLearningRate schedule

[<Fact>]
let ``the codec round-trips every named optimizer's state exactly`` () =
    let gradients = Gen.listOfLength 4 treeValues

    let law (optimizer: Optimizer<float, 'S>) =
        Prop.forAll (Arb.fromGen gradients) (roundTrips optimizer) |> check 25

    law (Optimizers.sgd schedule)
    law (Optimizers.momentum 0.9 schedule)
    law (Optimizers.nesterov 0.9 schedule)
    law (Optimizers.adagrad schedule)
    law (Optimizers.rmsprop 0.9 schedule)
    law (Optimizers.adam schedule)
    law (Optimizers.adamw 1e-2 schedule)
    law clippedAdam

    law (
        Transform.addL2Penalty 1e-3
        >-> Transform.scaleByRss 0.1 1e-10
        >-> Transform.scale 2.0
        >-> Transform.scaleBySchedule schedule
    )

    law (
        Optimizer.chainAll [
            Optimizer.erase (Transform.clipByGlobalNorm 1.0)
            Optimizer.erase (Transform.trace 0.5 true)
            Optimizer.erase (Transform.scaleByLearningRate schedule)
        ]
    )

[<Fact>]
let ``adam's state is named by its position in the chain`` () =
    let theta = tree (Array.create 8 1.0)

    let _, state =
        advance (Optimizers.adam schedule) theta [ tree (Array.create 8 0.5); tree (Array.create 8 0.25) ]

    let encoded = OptimizerState.encode state
    Assert.Equal<string list>([ "state.0.1"; "state.0.2" ], encoded.Arrays |> List.map fst)
    Assert.Equal<(string * float) list>([ "state.0.0", 2.0; "state.1", 2.0 ], encoded.Scalars)

[<Fact>]
let ``an unsupported state type is refused with its name`` () =
    let e =
        Assert.Throws<ArgumentException>(fun () -> OptimizerState.encode (1, "text") |> ignore)

    Assert.Contains("System.String", e.Message)

    let e =
        Assert.Throws<ArgumentException>(fun () -> OptimizerState.decode [| 1.0 |] { Arrays = []; Scalars = [] } |> ignore)

    Assert.Contains("System.Double[]", e.Message)

[<Fact>]
let ``decoding refuses missing, extra, misshapen and fractional values`` () =
    let theta = tree (Array.create 8 1.0)
    let template = (Optimizers.adam schedule).Init theta
    let good = OptimizerState.encode template

    let refused (encoded: EncodedState) (fragment: string) =
        match OptimizerState.decode template encoded with
        | Ok _ -> failwith $"accepted a state that should be refused ({fragment})"
        | Error e -> Assert.Contains(fragment, e)

    refused
        {
            good with
                Arrays = List.tail good.Arrays
        }
        "'state.0.1' is missing"

    refused
        {
            good with
                Arrays = good.Arrays @ [ "state.9", theta ]
        }
        "'state.9' does not belong"

    refused
        {
            good with
                Scalars = good.Scalars @ [ "state.1", 0.0 ]
        }
        "'state.1' is given twice"

    refused
        {
            good with
                Scalars = [ "state.0.0", 1.5; "state.1", 0.0 ]
        }
        "'state.0.0' is 1.5"

    refused
        {
            good with
                Arrays = [ "state.0.1", point 1.0 2.0; "state.0.2", theta ]
        }
        "'state.0.1' does not have the parameters' shape"

    Assert.True(OptimizerState.decode template good |> Result.isOk)

let private config (optimizer: Schedule -> Optimizer<float, 'S>) epochs = {
    Training.defaults (optimizer (Schedules.step 0.05 0.5 9)) with
        Epochs = epochs
        BatchSize = 7
        Seed = 11
}

let private model (network: Network<float>) =
    Model(network, Loss.SoftmaxCrossEntropy, ModelMetadata.Create(Nullable 11L))

let private sameRun (a: Trained<float>) (b: Trained<float>) =
    bits (a.Network.Parameters.ToArray()) = bits (b.Network.Parameters.ToArray())
    && a.History = b.History
    && a.BestEpoch = b.BestEpoch
    && a.StoppedEarly = b.StoppedEarly

let private scratchFile () =
    Path.Combine(Path.GetTempPath(), $"nn-checkpoint-{Guid.NewGuid():N}.json")

/// Fits for k epochs, keeps the last checkpoint (through a file when asked), resumes to `total` epochs, and compares
/// with an uninterrupted run of `total` epochs.
let private resumesExactlyWith (dropout: float) (config: Config<float, 'S>) (name: string) (throughFile: bool) (total: int) (k: int) =
    let data = randomData 4 30 3 4
    let network = (small 4).WithDropout [ dropout ]
    let full = Training.fit { config with Epochs = total } network data
    let mutable last = None

    let first =
        Training.fit
            {
                config with
                    Epochs = k
                    OnCheckpoint = Some <| fun c -> last <- Some c
            }
            network
            data

    let checkpoint =
        match first, last with
        | Ok _, Some c when throughFile ->
            let path = scratchFile ()

            try
                Checkpoints.save path false name (model network) c

                match Checkpoints.load path name config.Optimizer network with
                | Ok(_, loaded) -> loaded
                | Error e -> failwith e
            finally
                File.Delete path
        | Ok _, Some c -> c
        | _ -> failwith "the first part of the run produced no checkpoint"

    match full, Training.resume { config with Epochs = total } network data checkpoint with
    | Ok a, Ok b -> sameRun a b
    | _ -> false

let private resumesExactly config name throughFile total k =
    resumesExactlyWith 0.0 config name throughFile total k

[<Fact>]
let ``resuming a run with dropout gives bit for bit the uninterrupted run, through the file too`` () =
    let law (config: Config<float, 'S>) name throughFile =
        Prop.forAll (Arb.fromGen (Gen.choose (1, 5))) (resumesExactlyWith 0.5 config name throughFile 5)
        |> check 5

    law (config Optimizers.adam 0) "adam" false
    law (config Optimizers.adam 0) "adam" true
    law (config (Optimizers.momentum 0.9) 0) "momentum" true

[<Fact>]
let ``resuming after k epochs gives bit for bit the uninterrupted run`` () =
    let law (config: Config<float, 'S>) =
        Prop.forAll (Arb.fromGen (Gen.choose (1, 6))) (resumesExactly config "x" false 6)
        |> check 6

    law (config (Optimizers.momentum 0.9) 0)
    law (config Optimizers.adam 0)
    law (config (Optimizers.adamw 1e-2) 0)
    law (config (Optimizers.rmsprop 0.9) 0)

    law (
        config
            (fun lr ->
                Transform.clipByGlobalNorm 1.0
                >-> Transform.scaleByAdam 0.9 0.999 1e-8
                >-> Transform.scaleByLearningRate lr)
            0
    )

[<Fact>]
let ``resuming through a checkpoint file gives bit for bit the uninterrupted run`` () =
    let law (config: Config<float, 'S>) name =
        Prop.forAll (Arb.fromGen (Gen.choose (1, 5))) (resumesExactly config name true 5)
        |> check 5

    law (config Optimizers.sgd 0) "sgd"
    law (config (Optimizers.nesterov 0.9) 0) "nesterov"
    law (config Optimizers.adam 0) "adam"
    law (config Optimizers.adagrad 0) "adagrad"
    // With validation data the best epoch is carried too.
    law
        {
            config Optimizers.adam 0 with
                Validation = Some(randomData 8 12 3 4)
        }
        "adam"

[<Fact>]
let ``a checkpoint survives the core checkpoint and its file unchanged`` () =
    let data = randomData 2 25 3 4
    let network = small 2
    let mutable saved = []

    let run =
        Training.fit
            {
                config Optimizers.adam 3 with
                    Validation = Some(randomData 3 9 3 4)
                    OnCheckpoint = Some <| fun c -> saved <- c :: saved
            }
            network
            data

    Assert.True(Result.isOk run)
    let original = List.head saved
    let path = scratchFile ()

    try
        Checkpoints.save path false "adam" (model network) original
        let template = Optimizers.adam schedule

        match Checkpoints.load path "adam" template network with
        | Error e -> failwith e
        | Ok(loadedModel, loaded) ->
            Assert.Equal(3, loaded.Epoch)
            Assert.Equal(original.Step, loaded.Step)
            Assert.Equal(original.Rng, loaded.Rng)
            Assert.Equal(original.History, loaded.History)
            Assert.Equal<int64>(bits (original.Parameters.ToArray()), bits (loaded.Parameters.ToArray()))
            Assert.Equal<int64>(bits (original.Parameters.ToArray()), bits (loadedModel.Network.Parameters.ToArray()))
            Assert.True((flat (OptimizerState.encode original.OptimizerState) = flat (OptimizerState.encode loaded.OptimizerState)))

            match original.Best, loaded.Best with
            | Some a, Some b ->
                Assert.Equal((a.Epoch, a.Loss, a.Waited), (b.Epoch, b.Loss, b.Waited))
                Assert.Equal<int64>(bits (a.Parameters.ToArray()), bits (b.Parameters.ToArray()))
            | _ -> failwith "the best validation epoch was lost"
        // The run's own checkpoint file is replaced only when asked.
        Assert.Throws<Nn.IO.TargetExistsException>(fun () -> Checkpoints.save path false "adam" (model network) original)
        |> ignore

        Checkpoints.save path true "adam" (model network) saved[1]

        match Checkpoints.load path "adam" template network with
        | Ok(_, replaced) -> Assert.Equal(2, replaced.Epoch)
        | Error e -> failwith e
    finally
        File.Delete path

[<Fact>]
let ``resuming with early stopping continues the patience count and stops at the same epoch`` () =
    // As in the early-stopping test: validation labels shifted by one class make the validation loss worsen.
    let train, _, settings = earlyStoppingRun ()

    let mutable saved = []

    match
        Training.fit
            {
                settings with
                    OnCheckpoint = Some <| fun c -> saved <- c :: saved
            }
            (small 5)
            train
    with
    | Error e -> failwith e.Message
    | Ok full ->
        Assert.True(full.StoppedEarly)
        let stopped = full.History.Epochs.Length
        Assert.Equal(stopped, saved.Length)
        // Every checkpoint, including the one of the epoch that triggered the stop, resumes to the same result.
        for checkpoint in saved do
            match Training.resume settings (small 5) train checkpoint with
            | Ok resumed -> Assert.True(sameRun full resumed, $"resumed from epoch {checkpoint.Epoch}")
            | Error e -> failwith e.Message

        Assert.Equal(Some 3, (List.head saved).Best |> Option.map _.Waited)

[<Fact>]
let ``a checkpoint that does not fit the run is refused`` () =
    let data = randomData 4 20 3 4
    let network = small 4
    let mutable last = None
    let adam = config Optimizers.adam 3

    Assert.True(
        Training.fit
            {
                adam with
                    OnCheckpoint = Some <| fun c -> last <- Some c
            }
            network
            data
        |> Result.isOk
    )

    let checkpoint = Option.get last
    let core = Checkpoints.toCore "adam" (model network) checkpoint
    // Another optimizer's name, or another optimizer's state.
    match Checkpoints.ofCore "momentum" (Optimizers.momentum 0.9 schedule) network core with
    | Error e -> Assert.Contains("made with the optimizer 'adam', not 'momentum'", e)
    | Ok _ -> failwith "accepted another optimizer's checkpoint"

    match Checkpoints.ofCore "adam" (Optimizers.momentum 0.9 schedule) network core with
    | Error e -> Assert.Contains("the optimizer array 'state.0' is missing", e)
    | Ok _ -> failwith "accepted another optimizer's state"
    // Another architecture: the template's shapes differ.
    let wider =
        Network.Create<float>([ 3; 6; 4 ], Activation.Tanh, Activation.Softmax, Initializer.XavierNormal, 4)

    match Checkpoints.ofCore "adam" (Optimizers.adam schedule) wider core with
    | Error e -> Assert.Contains("shape", e)
    | Ok _ -> failwith "accepted another architecture's state"

    let e =
        Assert.Throws<ArgumentException>(fun () -> Training.resume adam wider data checkpoint |> ignore)

    Assert.Contains("do not fit the network", e.Message)
    // More epochs done than the run has, or validation data that the interrupted run did not have.
    let e =
        Assert.Throws<ArgumentException>(fun () -> Training.resume { adam with Epochs = 2 } network data checkpoint |> ignore)

    Assert.Contains("completed 3 epochs but the run has only 2", e.Message)

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Training.resume { adam with Validation = Some data } network data checkpoint
            |> ignore)

    Assert.Contains("tracks no best validation epoch", e.Message)
