module Nn.Tests.ExtensionTests

open System
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Pipeline
open Nn.Training
open Xunit

// A user's own activation and loss, defined in F#: softplus g(z) = log(1 + eᶻ), g′ = σ(z), g″ = σ(z)(1 − σ(z)),
// and the absolute-error-like pseudo-Huber loss L = Σ (√(1 + d²) − 1) with d = ŷ − y (Charbonnier et al. 1994).
let private sigma z = 1.0 / (1.0 + exp -z)

let private softplus =
    Activation.Custom("softplus", (fun z -> log (1.0 + exp z)), (fun z -> sigma z), (fun z -> sigma z * (1.0 - sigma z)))

let private pseudoHuber =
    Loss.Custom(
        "pseudo-huber",
        LossValue(fun output target ->
            let mutable sum = 0.0

            for i in 0 .. output.Length - 1 do
                let d = output[i] - target[i]
                sum <- sum + sqrt (1.0 + d * d) - 1.0

            sum),
        LossGradient(fun output target gradient ->
            for i in 0 .. output.Length - 1 do
                let d = output[i] - target[i]
                gradient[i] <- d / sqrt (1.0 + d * d)),
        LossCurvature(fun output target direction result ->
            for i in 0 .. output.Length - 1 do
                let d = output[i] - target[i]
                result[i] <- direction[i] / ((1.0 + d * d) * sqrt (1.0 + d * d)))
    )

let private curve =
    let xs = Array.init 24 (fun i -> -3.0 + 6.0 * float i / 23.0)
    Data.ofRowsRegression (xs |> Array.map (fun x -> [| x |])) (xs |> Array.map (fun x -> [| sin x |]))

[<Fact>]
let ``a custom activation and a custom loss from F# pass the gradient check and train, second-order included`` () =
    let network =
        Network.Create<float>([ 1; 6; 1 ], softplus, Activation.Identity, Initializer.XavierNormal, 2)

    let y = Data.targetMatrix network.Outputs curve
    Assert.True((GradientCheck.Run(network, curve.Features, y, pseudoHuber)).WorstRelativeError < 1e-7)

    for optimizer in
        [
            Optimizer.erase (Optimizers.adam (Schedules.constant 0.02))
            Optimizer.erase (DampedNewton.optimizer DampedNewton.defaults)
        ] do
        let config = {
            Training.defaults optimizer with
                Epochs = 40
                BatchSize = curve.Samples
                Loss = pseudoHuber
        }

        match Training.fit config network curve with
        | Ok trained ->
            let steps = trained.History.Steps
            Assert.True(steps[steps.Length - 1].Loss < 0.5 * steps[0].Loss, $"{steps[0].Loss} → {steps[steps.Length - 1].Loss}")
        | Error e -> failwith e.Message

[<Fact>]
let ``a custom activation cannot take a built-in name and a custom loss cannot either`` () =
    Assert.Throws<ArgumentException>(fun () -> Activation.Custom("relu", id, (fun _ -> 1.0)) |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () ->
        Loss.Custom("mse", LossValue(fun _ _ -> 0.0), LossGradient(fun _ _ _ -> ()))
        |> ignore)
    |> ignore
