// The Aack/Beep mood table of lecture 003 as a pipeline: a 2-2-1 sigmoid network, binary cross-entropy,
// full-batch gradient descent (plain SGD on all four sentences at once).
// Run (after `dotnet build`, see Nn.fsx): dotnet fsi scripts/aack-beep.fsx
#load "Nn.fsx"

open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Pipeline

// Each sentence is (number of "aack", number of "beep"); the mood is 1 for Happy, 0 for Sad.
let sentences = [| "Aack aack aack!"; "Beep beep!"; "Aack beep beep beep!"; "Aack beep aack!" |]
let counts = [| [| 3.0; 0.0 |]; [| 0.0; 2.0 |]; [| 1.0; 3.0 |]; [| 2.0; 1.0 |] |]
let moods = [| 1; 0; 0; 1 |]
let data = Data.ofRows counts moods

let network =
    Network.Create<float>([ 2; 2; 1 ], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 1)

let config = {
    Training.defaults (Optimizers.sgd (Schedules.constant 0.5)) with
        Epochs = 2000
        BatchSize = 4
        Loss = Loss.BinaryCrossEntropy
        OnEpoch =
            fun e ->
                if e.Epoch % 250 = 0 then
                    printfn "epoch %4d  loss %.5f  accuracy %.2f" e.Epoch e.TrainLoss (defaultArg e.TrainAccuracy nan)
}

match Training.fit config network data with
| Error e ->
    eprintfn "%s" e.Message
    exit 1
| Ok trained ->
    let yhat = Propagation.Predict(trained.Network, data.Features)

    sentences
    |> Array.iteri (fun i s -> printfn "%-22s P(Happy) = %.3f  (%s)" s yhat[0, i] (if moods[i] = 1 then "Happy" else "Sad"))

    let _, accuracy = Training.evaluate Loss.BinaryCrossEntropy trained.Network data
    printfn "train_accuracy=%.2f" (defaultArg accuracy nan)
