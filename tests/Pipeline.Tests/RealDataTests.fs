module Nn.Tests.RealDataTests

open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Pipeline
open Xunit

/// The pipeline example: split → standardise → network → shuffle, minibatch 32, Adam → test accuracy.
let testAccuracy (data: Dataset) (hidden: int) (epochs: int) (learningRate: float) (seed: int) =
    let train, test = data |> Batching.trainTest 0.25 true (Rng.FromSeed seed)
    let scale = Standardizer.apply (Standardizer.fit train)
    let sizes = [ data.FeatureCount; hidden; (Data.classCount data).Value ]

    let network =
        Network.Create<float>(sizes, Activation.Relu, Activation.Softmax, Initializer.He, seed)

    let config = {
        Training.defaults (Optimizers.adam (Schedules.constant learningRate)) with
            Epochs = epochs
            BatchSize = 32
            Seed = seed
    }

    match Training.fit config network (scale train) with
    | Ok trained ->
        Training.evaluate Loss.SoftmaxCrossEntropy trained.Network (scale test)
        |> snd
        |> Option.get
    | Error e -> failwith e.Message

[<Fact>]
let ``digits with 32 ReLU hidden units and Adam reach at least 0.96 test accuracy on a stratified 25% split`` () =
    let accuracy = testAccuracy (Data.digits ()) 32 30 1e-3 0
    Assert.True(accuracy >= 0.96, $"test accuracy {accuracy}")

[<Fact>]
let ``iris with 16 ReLU hidden units and Adam reaches at least 0.93 test accuracy on a stratified 25% split`` () =
    let accuracy = testAccuracy (Data.iris ()) 16 300 1e-2 0
    Assert.True(accuracy >= 0.93, $"test accuracy {accuracy}")
