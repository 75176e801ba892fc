// The Fashion-MNIST job of docs/performance.md through Training.fit, as a user's script would run it: 60,000 images
// of 784 pixels / 255 in float32, a 784-128-10 ReLU network with softmax cross-entropy, shuffled minibatches.
// Prints each epoch's time and samples/s, the garbage collections during training and the test accuracy.
// Needs Debian's dataset-fashion-mnist. Build first: dotnet build -c Release src/Pipeline.FSharp
// Run: dotnet fsi scripts/fashion-mnist.fsx [sgd|adam] [batch] [epochs]
// For a few seconds after a script starts, F# interactive still compiles its own code on background threads (and
// collects the compiler's garbage); on a two-core machine that takes a share of the cores from the first epochs.
#r "../src/Pipeline.FSharp/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/Pipeline.FSharp/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/Pipeline.FSharp/bin/Release/net10.0/Nn.Core.dll"
#r "../src/Pipeline.FSharp/bin/Release/net10.0/Nn.Pipeline.dll"

open System
open System.Collections.Immutable
open System.Diagnostics
open Nn.Activations
open Nn.Data
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Pipeline

let argument index fallback =
    fsi.CommandLineArgs |> Array.tryItem index |> Option.defaultValue fallback

let optimizerName = argument 1 "sgd"
let batch = int (argument 2 "64")
let epochs = int (argument 3 "5")

let dataset (images: LabelledImages) =
    let struct (features: float32[], labels) = images.ToFeatures<float32>()

    Data.create (Dense.Matrix(images.FeatureCount, images.Count, features)) (Targets.Classes(ImmutableArray.CreateRange(Array.map int labels), 10)) [
        for i in 1 .. images.FeatureCount -> $"pixel{i}"
    ]

let train = dataset (FashionMnist.LoadTrain())
let test = dataset (FashionMnist.LoadTest())

let network =
    Network.Create<float32>([ 784; 128; 10 ], Activation.Relu, Activation.Softmax, Initializer.LeCunUniform, 0)

let optimizer =
    match optimizerName with
    | "sgd" -> Optimizer.erase (Optimizers.sgd (Schedules.constant 0.1))
    | "adam" -> Optimizer.erase (Optimizers.adam (Schedules.constant 1e-3))
    | other -> failwith $"unknown optimizer {other}: use sgd or adam"

let clock = Stopwatch()
let mutable lastEpochEnd = TimeSpan.Zero
let mutable gen2AtFirstEpochEnd = 0

let config = {
    Training.defaults optimizer with
        Epochs = epochs
        BatchSize = batch
        Loss = Loss.SoftmaxCrossEntropy
        OnEpoch =
            fun e ->
                let now = clock.Elapsed
                let seconds = (now - lastEpochEnd).TotalSeconds
                lastEpochEnd <- now

                if e.Epoch = 1 then
                    gen2AtFirstEpochEnd <- GC.CollectionCount 2

                printfn "epoch %d  %.3f s  %7.0f samples/s  loss %.4f" e.Epoch seconds (float train.Samples / seconds) e.TrainLoss
}

printfn "%s, batch %d, %d epochs, float32, backend %s" optimizerName batch epochs Blas.Current.Name
let gen2Before = GC.CollectionCount 2
clock.Start()

match Training.fit config network train with
| Error e ->
    eprintfn "%s" e.Message
    exit 1
| Ok trained ->
    clock.Stop()

    printfn "gen-2 collections: %d during training, %d after epoch 1" (GC.CollectionCount 2 - gen2Before) (GC.CollectionCount 2 - gen2AtFirstEpochEnd)

    let _, accuracy = Training.evaluate Loss.SoftmaxCrossEntropy trained.Network test
    printfn "test_accuracy=%.4f" accuracy.Value
