module Nn.Tests.ReadmeExampleTests

open System
open System.IO
open Xunit

let private root = Support.repositoryRoot

/// Trimmed non-empty lines of the first fenced block of `language` in README.md, without `open` lines.
let readmeBlock language =
    let lines = File.ReadAllLines(Path.Combine(root, "README.md"))
    let start = lines |> Array.findIndex (fun l -> l.Trim() = "```" + language)
    lines[start + 1 ..]
    |> Array.takeWhile (fun l -> l.Trim() <> "```")
    |> Array.map _.Trim()
    |> Array.filter (fun l -> l <> "" && not (l.StartsWith "open "))

/// Trimmed non-empty lines between `// README:begin` and `// README:end` of a repository file.
let markedLines (relativePath: string) =
    File.ReadAllLines(Path.Combine(root, relativePath))
    |> Array.skipWhile (fun l -> l.Trim() <> "// README:begin")
    |> Array.skip 1
    |> Array.takeWhile (fun l -> l.Trim() <> "// README:end")
    |> Array.map _.Trim()
    |> Array.filter (fun l -> l <> "")

open System.Collections.Immutable
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Pipeline

[<Fact>]
let ``the README F# example runs and learns the Aack/Beep table`` () =
    // README:begin
    // Aack/Beep counts (lecture 003), one column per sentence; Happy = 1, Sad = 0.
    let x = Dense.Matrix(2, 4, [| 3.; 0.; 0.; 2.; 1.; 3.; 2.; 1. |])
    let y = Dense.Matrix(1, 4, [| 1.; 0.; 0.; 1. |])
    let net = Network.Create<float>([| 2; 2; 1 |], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 3)
    let trace = Propagation.Forward(net, x)  // every z[l] and a[l], saved for the backward pass
    let grads = Propagation.Backward(net, trace, y, Loss.BinaryCrossEntropy).Gradients
    printfn "dJ/dW[1] =\n%O" grads.Layers[0].Weights
    // Gradient descent θ ← θ − α∇J on the full batch, 2000 times (lecture 001).
    let moods = Data.create x (Targets.Classes(ImmutableArray.Create(1, 0, 0, 1), 2)) [ "aack"; "beep" ]
    let gd = { Training.defaults (Optimizers.sgd (Schedules.constant 0.5)) with Epochs = 2000; BatchSize = 4; Loss = Loss.BinaryCrossEntropy }
    let result = match Training.fit gd net moods with Ok trained -> trained | Error e -> failwith e.Message
    printfn "loss %.4f -> %.4f" result.History.Steps[0].Loss (Seq.last result.History.Steps).Loss
    printfn "%O" (Propagation.Predict(result.Network, x))
    // README:end
    let classes = Propagation.Predict(result.Network, x).Row(0).Map(fun p -> if p >= 0.5 then 1. else 0.)
    Assert.Equal<float seq>([ 1.; 0.; 0.; 1. ], classes)

[<Fact>]
let ``the README shows exactly the F# example that is tested`` () =
    Assert.Equal<string[]>(markedLines (Path.Combine("tests", "Pipeline.Tests", "ReadmeExampleTests.fs")), readmeBlock "fsharp")

/// Trimmed non-empty lines of the second fenced F# block of README.md (the pipeline example), without `open` lines.
let private pipelineBlock () =
    let lines = File.ReadAllLines(Path.Combine(root, "README.md"))
    let starts = lines |> Array.indexed |> Array.filter (fun (_, l) -> l.Trim() = "```fsharp") |> Array.map fst
    lines[starts[1] + 1 ..]
    |> Array.takeWhile (fun l -> l.Trim() <> "```")
    |> Array.map _.Trim()
    |> Array.filter (fun l -> l <> "" && not (l.StartsWith "open "))

[<Fact>]
let ``the README pipeline example trains digits to the accuracy it promises`` () =
    let mutable accuracy = nan
    let printfn (_: Printf.TextWriterFormat<float -> unit>) (value: float) = accuracy <- value
    // PIPELINE:begin
    let train, test = Data.digits () |> Batching.trainTest 0.25 true (Rng.FromSeed 0)
    let scale = Standardizer.apply (Standardizer.fit train)
    let network = Network.Create<float>([ 64; 32; 10 ], Activation.Relu, Activation.Softmax, Initializer.He, 0)
    let config = { Training.defaults (Optimizers.adam (Schedules.constant 1e-3)) with Epochs = 30; BatchSize = 32 }
    match Training.fit config network (scale train) with
    | Ok trained ->
        let _, accuracy = Training.evaluate Loss.SoftmaxCrossEntropy trained.Network (scale test)
        printfn "test_accuracy=%.4f" accuracy.Value
    | Error e -> failwith e.Message
    // PIPELINE:end
    Assert.True(accuracy >= 0.96, $"test accuracy {accuracy}")

[<Fact>]
let ``the README shows exactly the pipeline example that is tested`` () =
    let tested =
        File.ReadAllLines(Path.Combine(root, "tests", "Pipeline.Tests", "ReadmeExampleTests.fs"))
        |> Array.skipWhile (fun l -> l.Trim() <> "// PIPELINE:begin")
        |> Array.skip 1
        |> Array.takeWhile (fun l -> l.Trim() <> "// PIPELINE:end")
        |> Array.map _.Trim()
        |> Array.filter (fun l -> l <> "")
    Assert.Equal<string[]>(tested, pipelineBlock ())

open Nn.Models
open Nn.Serialization

/// Trimmed non-empty lines of the third fenced F# block of README.md (the own-data recipe), without `open` lines.
let private recipeBlock () =
    let lines = File.ReadAllLines(Path.Combine(root, "README.md"))
    let starts = lines |> Array.indexed |> Array.filter (fun (_, l) -> l.Trim() = "```fsharp") |> Array.map fst
    lines[starts[2] + 1 ..]
    |> Array.takeWhile (fun l -> l.Trim() <> "```")
    |> Array.map _.Trim()
    |> Array.filter (fun l -> l <> "" && not (l.StartsWith "open "))

[<Fact>]
let ``the README own-data recipe runs from a CSV file to class probabilities of new rows`` () =
    let path = Path.Combine(root, "data", "iris.csv")
    let printed = Collections.Generic.List<string>()
    let printfn format = Printf.kprintf printed.Add format
    // RECIPE:begin
    let data = match Data.readCsv path "label" with Ok d -> d | Error e -> failwith e.Message
    let train, test = Batching.trainTest 0.2 true (Rng.FromSeed 1) data
    let fit, validation = Batching.trainTest 0.2 true (Rng.FromSeed 2) train
    let scaling = Standardizer.fit fit
    let scale = Standardizer.apply scaling
    let network = Network.Create<float>([ 4; 16; 3 ], Activation.Relu, Activation.Softmax, Initializer.He, 0)
    let optimizer = Optimizers.adam (Schedules.warmup 20 (Schedules.cosine 0.02 2000 0.0))
    let stop = { Patience = 30; MinDelta = 0.0; RestoreBestWeights = true }
    let config = { Training.defaults optimizer with Epochs = 300; Validation = Some(scale validation); EarlyStopping = Some stop }
    let trained = match Training.fit config network (scale fit) with Ok t -> t | Error e -> failwith e.Message
    let _, accuracy = Training.evaluate config.Loss trained.Network (scale test)
    printfn "epochs %d, best %A, test accuracy %.3f" trained.History.Epochs.Length trained.BestEpoch accuracy.Value
    ModelFile.Save(Model.Create(trained.Network, config.Loss, scaling, [ "setosa"; "versicolor"; "virginica" ]), "iris-model.json", true)
    let model = ModelFile.Load "iris-model.json"
    let flowers = [| [| 5.1; 3.5; 1.4; 0.2 |]; [| 6.7; 3.0; 5.2; 2.3 |] |]
    for p in model.PredictRows flowers do printfn "%s" (String.Join(", ", p |> Array.map (sprintf "%.3f")))
    // RECIPE:end
    Assert.True(accuracy.Value >= 0.9, String.Join("\n", printed))
    Assert.Equal<int[]>([| 0; 2 |], model.PredictClasses flowers)

[<Fact>]
let ``the README shows exactly the own-data recipe that is tested`` () =
    let tested =
        File.ReadAllLines(Path.Combine(root, "tests", "Pipeline.Tests", "ReadmeExampleTests.fs"))
        |> Array.skipWhile (fun l -> l.Trim() <> "// RECIPE:begin")
        |> Array.skip 1
        |> Array.takeWhile (fun l -> l.Trim() <> "// RECIPE:end")
        |> Array.map _.Trim()
        |> Array.filter (fun l -> l <> "")

    Assert.Equal<string[]>(tested, recipeBlock ())
