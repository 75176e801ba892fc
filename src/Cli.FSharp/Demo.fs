/// The `nn demo` jobs: digits with a progress bar (the default), and the lecture's 2-2-1 sigmoid network trained
/// by gradient descent on the Aack/Beep mood table and on XOR (`--lecture`).
module Nn.Cli.Demo

open System
open System.Globalization
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Pipeline

let private invariant (value: float) =
    value.ToString("0.0000", CultureInfo.InvariantCulture)

/// Trains a 2-2-1 sigmoid network on `x` (2 × m) and `y` (1 × m), printing progress to `out`; returns the
/// number of correctly classified observations.
let private train (out: IO.TextWriter) (title: string) (rows: string[]) (x: float[]) (y: float[]) seed iterations =
    let m = y.Length
    let xs = Dense.Matrix(2, m, x)

    let data =
        Data.create xs (Targets.Classes(Collections.Immutable.ImmutableArray.CreateRange(y |> Seq.map int), 2)) [ "x1"; "x2" ]

    let network =
        Network.Create<float>([| 2; 2; 1 |], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, seed)

    out.WriteLine $"== {title}: 2-2-1 sigmoid network, binary cross-entropy, gradient descent α = 0.5"
    let chunk = iterations / 5
    let mutable current = network

    // Full-batch gradient descent θ ← θ − α∇J: one update per pass over the four rows.
    let config = {
        Training.defaults (Optimizers.sgd (Schedules.constant 0.5)) with
            Epochs = chunk
            BatchSize = m
            Loss = Loss.BinaryCrossEntropy
    }

    for round in 1..5 do
        match Training.fit config current data with
        | Ok trained -> current <- trained.Network
        | Error e -> Common.fail e.Message

        let loss, _ = Training.evaluate Loss.BinaryCrossEntropy current data
        out.WriteLine $"iteration {round * chunk, 6}  loss {invariant loss}"

    let predictions = Propagation.Predict(current, xs)
    let mutable correct = 0

    for j in 0 .. m - 1 do
        let p = predictions[0, j]
        let label = if p >= 0.5 then 1.0 else 0.0

        if label = y[j] then
            correct <- correct + 1

        out.WriteLine $"  {rows[j], -28} ŷ = {invariant p}  → {label}  (target {y[j]})"

    out.WriteLine $"training accuracy {correct}/{m}"
    out.WriteLine()
    correct = m

/// Runs the lecture demo, writing to `out`; returns 0 when both tables are learned exactly.
let lecture (out: IO.TextWriter) =
    // Lecture 003: (Aack count, Beep count) → Happy (1) / Sad (0); observations are columns.
    let aackBeep =
        train
            out
            "Aack/Beep moods"
            [|
                "Aack aack aack! (3, 0)"
                "Beep beep! (0, 2)"
                "Aack beep beep beep! (1, 3)"
                "Aack beep aack! (2, 1)"
            |]
            [| 3.; 0.; 0.; 2.; 1.; 3.; 2.; 1. |]
            [| 1.; 0.; 0.; 1. |]
            3
            2000

    let xor =
        train out "XOR" [| "(0, 0)"; "(0, 1)"; "(1, 0)"; "(1, 1)" |] [| 0.; 0.; 0.; 1.; 1.; 0.; 1.; 1. |] [| 0.; 1.; 1.; 0. |] 5 20000

    if aackBeep && xor then 0 else 1

/// Trains a 64-32-10 ReLU network with Adam on the 8×8 digits shipped inside Nn (stratified 75/25 split,
/// standardised on the training part), with live progress, and prints the test accuracy; returns the exit code.
let digits (mode: Common.Mode) =
    let data = Data.digits ()
    let train, test = data |> Batching.trainTest 0.25 true (Rng.FromSeed 0)
    let scaling = Nn.Models.Standardization.Fit train.Features

    let scale (d: Dataset) = {
        d with
            Features = scaling.Apply d.Features
    }

    let network =
        Network.Create<float>([| 64; 32; 10 |], Activation.Relu, Activation.Softmax, Initializer.He, 0)

    let epochs = 30

    let fit report =
        let config = {
            Training.defaults (Optimizers.adam (Schedules.constant 1e-3)) with
                Epochs = epochs
                BatchSize = 32
                OnEpoch =
                    fun e ->
                        let accuracy =
                            e.TrainAccuracy
                            |> Option.map (fun a -> $", training accuracy {invariant a}")
                            |> Option.defaultValue ""

                        report e.Epoch $"loss {invariant e.TrainLoss}{accuracy}"
        }

        Training.fit config network (scale train)

    if mode <> Common.JsonOutput then
        printfn "digits: %d samples of 8×8 pixels, 10 classes; 64-32-10 ReLU network, Adam 1e-3, batch 32, %d epochs" data.Samples epochs

    match Common.withProgress mode "digits" epochs fit with
    | Error e -> Common.fail e.Message
    | Ok trained ->
        let _, accuracy =
            Training.evaluate Loss.SoftmaxCrossEntropy trained.Network (scale test)

        let accuracy = accuracy.Value

        match mode with
        | Common.JsonOutput ->
            Common.printJson [
                "samples", Common.o data.Samples
                "epochs", Common.o epochs
                "test_accuracy", Common.o accuracy
            ]
        | _ -> printfn "test_accuracy=%s (%d test samples)" (invariant accuracy) test.Samples

        0
