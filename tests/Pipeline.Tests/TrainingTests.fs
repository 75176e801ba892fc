module Nn.Tests.TrainingTests

open FsCheck.FSharp
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Pipeline
open Nn.Tests.Support
open Xunit

[<Fact>]
let ``a run is bit-reproducible from its seed`` () =
    Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (0, 10000)) (Gen.choose (1, 12)))) (fun (seed, batchSize) ->
        let data = randomData seed 30 3 4

        let config = {
            Training.defaults (Optimizers.momentum 0.9) with
                Epochs = 3
                BatchSize = batchSize
                Seed = seed
                LearningRate = Schedules.constant 0.05
                Validation = Some(randomData (seed + 1) 10 3 4)
        }

        match Training.fit config (small seed) data, Training.fit config (small seed) data with
        | Ok a, Ok b ->
            a.Network.Parameters.ToArray() = b.Network.Parameters.ToArray()
            && a.History = b.History
        | _ -> false)
    |> check 20

[<Fact>]
let ``the history has one step per minibatch and one record per epoch`` () =
    let data = randomData 1 50 3 4
    let mutable observed = 0

    let config = {
        Training.defaults Optimizers.adam with
            Epochs = 4
            BatchSize = 16
            OnStep = fun _ -> observed <- observed + 1
    }

    match Training.fit config (small 1) data with
    | Error e -> failwith e.Message
    | Ok trained ->
        // 50 samples in batches of 16: 16, 16, 16 and a last batch of 2.
        Assert.Equal(16, trained.History.Steps.Length)
        Assert.Equal(16, observed)
        Assert.Equal<int list>([ 16; 16; 16; 2 ], trained.History.Steps |> List.take 4 |> List.map (fun s -> s.BatchSize))
        Assert.Equal<int list>([ 1..16 ], trained.History.Steps |> List.map (fun s -> s.Step))
        Assert.Equal<int list>([ 4; 8; 12; 16 ], trained.History.Epochs |> List.map (fun e -> e.Steps))

        Assert.True(
            trained.History.Steps
            |> List.forall (fun s -> s.LearningRate = 1e-3 && s.GradientNorm > 0.0)
        )

[<Fact>]
let ``training leaves the input network unchanged`` () =
    let network = small 3
    let before = network.Parameters.ToArray()

    match
        Training.fit
            {
                Training.defaults Optimizers.adam with
                    Epochs = 2
            }
            network
            (randomData 3 20 3 4)
    with
    | Error e -> failwith e.Message
    | Ok trained ->
        Assert.Equal<float>(before, network.Parameters.ToArray())
        Assert.NotEqual<float>(before, trained.Network.Parameters.ToArray())

[<Fact>]
let ``early stopping stops on a worsening validation loss and restores the best weights`` () =
    // The validation labels are the training labels shifted by one class, so fitting the training data makes the
    // validation loss worse after the first few epochs.
    let train, validation, config = earlyStoppingRun ()

    match Training.fit config (small 5) train with
    | Error e -> failwith e.Message
    | Ok trained ->
        let epochs = trained.History.Epochs
        let best = epochs |> List.minBy (fun e -> e.ValidationLoss.Value)
        Assert.True(trained.StoppedEarly)
        Assert.Equal(Some best.Epoch, trained.BestEpoch)
        Assert.Equal(best.Epoch + 3, (List.last epochs).Epoch)
        // The returned network is the best epoch's: its validation loss is exactly the recorded best.
        let loss, _ = Training.evaluate Loss.SoftmaxCrossEntropy trained.Network validation
        Assert.Equal(best.ValidationLoss.Value, loss)
        Assert.True(loss < (List.last epochs).ValidationLoss.Value)

[<Fact>]
let ``without restoring, early stopping returns the last weights`` () =
    let train = randomData 5 40 3 4
    let validation = randomData 6 20 3 4

    let config = {
        Training.defaults Optimizers.adam with
            Epochs = 300
            LearningRate = Schedules.constant 0.05
            Validation = Some validation
            EarlyStopping =
                Some {
                    Patience = 2
                    MinDelta = 0.0
                    RestoreBestWeights = false
                }
    }

    match Training.fit config (small 5) train with
    | Error e -> failwith e.Message
    | Ok trained ->
        let last = List.last trained.History.Epochs
        let loss, _ = Training.evaluate Loss.SoftmaxCrossEntropy trained.Network validation
        Assert.True(trained.StoppedEarly)
        Assert.Equal(last.ValidationLoss.Value, loss)

[<Fact>]
let ``a huge learning rate returns the divergence error with its epoch and step, never a NaN model`` () =
    // Linear regression y = 2x with a one-layer identity network and full batches: each step multiplies the error
    // by about |1 − α·E[x²]| ≈ 1000, so the cost overflows to ∞ after some tens of steps.
    let xs = [| for i in 1..8 -> [| float i / 4.0 |] |]
    let data = Data.ofRowsRegression xs (xs |> Array.map (fun x -> [| 2.0 * x[0] |]))

    let network =
        Network<float>(
            [
                DenseLayer<float>(Dense.Matrix(1, 1, [| 0.5 |]), Dense.Vector [| 0.0 |], Activation.Identity)
            ]
        )

    let mutable steps = []

    let config = {
        Training.defaults Optimizers.sgd with
            Epochs = 1000
            BatchSize = 8
            LearningRate = Schedules.constant 500.0
            Loss = Loss.SquaredError
            OnStep = fun s -> steps <- s :: steps
    }

    match Training.fit config network data with
    | Ok _ -> failwith "training should have diverged"
    | Error(SymmetricHiddenUnits _) -> failwith "wrong error"
    | Error(Diverged d as e) ->
        // One batch per epoch, so the failing step is the failing epoch; every earlier step was finite. A failing
        // batch is not recorded; when the batch was finite but the end-of-epoch loss overflowed, it is.
        Assert.True(d.Step > 1)
        Assert.Equal(d.Step, d.Epoch)

        let recorded =
            if d.Reason.Contains "end of the epoch" then
                d.Step
            else
                d.Step - 1

        Assert.Equal<int list>([ 1..recorded ], steps |> List.rev |> List.map (fun s -> s.Step))
        Assert.True(steps |> List.forall (fun s -> System.Double.IsFinite s.Loss))
        Assert.StartsWith($"Training diverged at epoch {d.Epoch}, step {d.Step}:", e.Message)

[<Fact>]
let ``a network with identical hidden units is refused unless allowed`` () =
    let network =
        Network.Create<float>([ 2; 2; 1 ], Activation.Sigmoid, Activation.Sigmoid, Initializer.Zeros, 0)

    let data = Data.ofRows [| [| 0.0; 1.0 |]; [| 1.0; 0.0 |] |] [| 0; 1 |]

    let config = {
        Training.defaults (Optimizers.sgd) with
            Loss = Loss.BinaryCrossEntropy
            Epochs = 2
    }

    match Training.fit config network data with
    | Error(SymmetricHiddenUnits description) -> Assert.Equal("layer 1, units 1 and 2", description)
    | other -> failwith $"expected the symmetry error, got {other}"

    match
        Training.fit
            {
                config with
                    AllowSymmetricUnits = true
            }
            network
            data
    with
    | Ok trained ->
        // Trained anyway, the two hidden units stay identical.
        Assert.Equal("layer 1, units 1 and 2", trained.Network.FindSymmetricHiddenUnits())
    | Error e -> failwith e.Message

[<Fact>]
let ``early stopping without validation data is refused`` () =
    let config = {
        Training.defaults Optimizers.adam with
            EarlyStopping =
                Some {
                    Patience = 1
                    MinDelta = 0.0
                    RestoreBestWeights = true
                }
    }

    Assert.Throws<System.ArgumentException>(fun () -> Training.fit config (small 0) (randomData 0 10 3 4) |> ignore)
    |> ignore
