// Fisher's iris (4 measurements in cm, 3 species) as a pipeline: stratified 25% test split → standardise on the
// training part only → 4-16-3 network (ReLU, softmax cross-entropy) → each epoch shuffle → minibatches of 32 →
// Adam, α = 1e-2 (iris has only 111 training samples, 4 batches an epoch). The test part is touched once, at the end.
// Run (after `dotnet build`, see Nn.fsx): dotnet fsi scripts/iris.fsx
#load "Nn.fsx"

open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Pipeline

let seed = 0
let train, test = Data.iris () |> Batching.trainTest 0.25 true (Rng.FromSeed seed)
let standardizer = Standardizer.fit train

let network =
    Network.Create<float>([ 4; 16; 3 ], Activation.Relu, Activation.Softmax, Initializer.He, seed)

let config = {
    Training.defaults (Optimizers.adam (Schedules.constant 1e-2)) with
        Epochs = 300
        BatchSize = 32
        Seed = seed
        Loss = Loss.SoftmaxCrossEntropy
        OnEpoch =
            fun e ->
                if e.Epoch % 25 = 0 then
                    printfn "epoch %3d  train loss %.4f  train accuracy %.4f  |grad| %.4f" e.Epoch e.TrainLoss (defaultArg e.TrainAccuracy nan) e.GradientNorm
}

match Training.fit config network (Standardizer.apply standardizer train) with
| Error e ->
    eprintfn "%s" e.Message
    exit 1
| Ok trained ->
    let testSet = Standardizer.apply standardizer test
    let predicted = Training.predictClasses trained.Network testSet.Features

    let labels =
        match testSet.Targets with
        | Targets.Classes(labels, _) -> labels
        | Targets.Values _ -> failwith "iris has class labels"

    for s in Metrics.perClass (Metrics.confusion 3 predicted labels) do
        printfn "class %d  precision %.3f  recall %.3f  F1 %.3f  (%d samples)" s.Class s.Precision s.Recall s.F1 s.Support

    printfn "test_accuracy=%.4f" (Metrics.accuracy predicted labels)
