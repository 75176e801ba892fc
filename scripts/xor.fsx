// XOR with the lecture's 2-2-1 shape: tanh hidden units, a sigmoid output, binary cross-entropy, Adam on the
// full batch of four points. XOR is not linearly separable, so the hidden layer is what makes it learnable.
// Run (after `dotnet build`, see Nn.fsx): dotnet fsi scripts/xor.fsx
#load "Nn.fsx"

open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Pipeline

let points = [| [| 0.0; 0.0 |]; [| 0.0; 1.0 |]; [| 1.0; 0.0 |]; [| 1.0; 1.0 |] |]
let data = Data.ofRows points [| 0; 1; 1; 0 |]

let network =
    Network.Create<float>([ 2; 2; 1 ], Activation.Tanh, Activation.Sigmoid, Initializer.XavierNormal, 3)

let config = {
    Training.defaults (Optimizers.adam (Schedules.constant 0.05)) with
        Epochs = 1500
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

    points
    |> Array.iteri (fun i p -> printfn "%g xor %g -> %.3f" p[0] p[1] yhat[0, i])

    let _, accuracy = Training.evaluate Loss.BinaryCrossEntropy trained.Network data
    printfn "train_accuracy=%.2f" (defaultArg accuracy nan)
