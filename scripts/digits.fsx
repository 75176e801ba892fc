// Handwritten digits (8×8, 10 classes) as a pipeline: stratified 25% test split → standardise on the training
// part → 64-32-10 network (ReLU, softmax cross-entropy) → shuffle → minibatches of 32 → Adam, α = 1e-3.
// Run after `dotnet build`:  dotnet fsi scripts/digits.fsx
#r "../src/Pipeline.FSharp/bin/Debug/net10.0/MathNet.Numerics.dll"
#r "../src/Pipeline.FSharp/bin/Debug/net10.0/Nn.Core.dll"
#r "../src/Pipeline.FSharp/bin/Debug/net10.0/Nn.Pipeline.dll"

open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Pipeline

let seed = 0
let train, test = Data.digits () |> Batching.trainTest 0.25 true (Rng.FromSeed seed)
let standardizer = Standardizer.fit train
let network = Network.Create<float>([ 64; 32; 10 ], Activation.Relu, Activation.Softmax, Initializer.He, seed)

let config =
    { Training.defaults Optimizers.adam with
        Epochs = 30
        BatchSize = 32
        Seed = seed
        LearningRate = Schedules.constant 1e-3
        Loss = Loss.SoftmaxCrossEntropy
        Validation = Some(Standardizer.apply standardizer test)
        OnEpoch = fun e -> printfn "epoch %3d  train loss %.4f  train accuracy %.4f  test loss %.4f" e.Epoch e.TrainLoss (defaultArg e.TrainAccuracy nan) (defaultArg e.ValidationLoss nan) }

match Training.fit config network (Standardizer.apply standardizer train) with
| Error e -> eprintfn "%s" e.Message; exit 1
| Ok trained ->
    let testSet = Standardizer.apply standardizer test
    let _, accuracy = Training.evaluate Loss.SoftmaxCrossEntropy trained.Network testSet
    printfn "test_accuracy=%.4f" (defaultArg accuracy nan)
