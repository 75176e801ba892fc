/// The `nn` command.
module Nn.Cli.Program

open System

let private usage =
    "usage: nn demo | nn bench mlp [--optimizer sgd|adam] [--lr R] [--batch N] [--epochs N] [--precision float32|float64] [--seed N] [--data DIR] [--json] | nn bench xor [--iterations N] [--json]"

let rec private parseBench (options: Bench.BenchOptions) args =
    let number (flag: string) (text: string) =
        match Int32.TryParse text with
        | true, n when n > 0 -> n
        | _ -> failwith $"{flag} {text}: expected a positive whole number"
    match args with
    | [] -> options
    | "--optimizer" :: v :: rest -> parseBench { options with Optimizer = v } rest
    | "--lr" :: v :: rest ->
        match Double.TryParse(v, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
        | true, r when r > 0.0 && Double.IsFinite r -> parseBench { options with LearningRate = Some r } rest
        | _ -> failwith $"--lr {v}: expected a positive number"
    | "--batch" :: v :: rest -> parseBench { options with Batch = number "--batch" v } rest
    | "--epochs" :: v :: rest -> parseBench { options with Epochs = number "--epochs" v } rest
    | "--iterations" :: v :: rest -> parseBench { options with Iterations = number "--iterations" v } rest
    | "--seed" :: v :: rest -> parseBench { options with Seed = number "--seed" v } rest
    | "--precision" :: v :: rest -> parseBench { options with Precision = v } rest
    | "--data" :: v :: rest -> parseBench { options with DataDirectory = v } rest
    | "--json" :: rest -> parseBench { options with Json = true } rest
    | flag :: _ -> failwith $"unknown option {flag}"

/// Entry point: dispatches on the first argument and returns the process exit code.
[<EntryPoint>]
let main argv =
    try
        match List.ofArray argv with
        | [ "demo" ] -> Demo.run stdout
        | "bench" :: job :: rest -> Bench.run job (parseBench Bench.defaults rest)
        | [ "--version" ] ->
            printfn "nn %s" Nn.About.Version
            0
        | _ ->
            eprintfn "%s" usage
            2
    with
    | :? IO.IOException as e -> eprintfn "nn: %s" e.Message; 1
    | :? ArgumentException as e -> eprintfn "nn: %s" e.Message; 1
    | :? Nn.Training.DivergenceException as e -> eprintfn "nn: %s" e.Message; 1
    | e when e.GetType() = typeof<Exception> -> eprintfn "nn: %s" e.Message; 2
