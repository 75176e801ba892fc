// Trains a digits classifier with Nn loaded as a package in F# interactive, and prints its test accuracy.
// The package comes from a folder made by `dotnet pack Nn.sln -c Release -o <folder>`, named either in a nuget.config
// beside the script or with `#i "nuget: <absolute folder>"` before this line.
#r "nuget: Nn.Pipeline, 0.1.0"

open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Pipeline

let train, test = Data.digits () |> Batching.trainTest 0.25 true (Rng.FromSeed 0)
let scale = Standardizer.apply (Standardizer.fit train)
let network = Network.Create<float>([ 64; 32; 10 ], Activation.Relu, Activation.Softmax, Initializer.He, 0)
let config = { Training.defaults (Optimizers.adam (Schedules.constant 1e-3)) with Epochs = 30 }

match Training.fit config network (scale train) with
| Ok trained ->
    let _, accuracy = Training.evaluate Loss.SoftmaxCrossEntropy trained.Network (scale test)
    printfn "test_accuracy=%.4f" accuracy.Value
    exit (if accuracy.Value >= 0.95 then 0 else 1)
| Error e ->
    eprintfn "%s" e.Message
    exit 1
