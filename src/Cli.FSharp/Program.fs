/// The `nn` command: parses the command line, runs a command, and turns every failure into one line and a
/// non-zero exit code.
module Nn.Cli.Program

open System
open Argu
open Nn.Cli.Arguments
open Nn.Cli.Common

let private benchUsage =
    "usage: nn bench mlp [--optimizer sgd|adam] [--lr R] [--batch N] [--epochs N] [--precision float32|float64] [--seed N] [--data DIR] [--json] | nn bench xor [--iterations N] [--json]"

let rec private parseBench (options: Bench.BenchOptions) args =
    let number (flag: string) (text: string) =
        match Int32.TryParse text with
        | true, n when n > 0 -> n
        | _ -> fail $"{flag} {text}: expected a positive whole number"

    match args with
    | [] -> options
    | "--optimizer" :: v :: rest -> parseBench { options with Optimizer = v } rest
    | "--lr" :: v :: rest ->
        match Double.TryParse(v, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
        | true, r when r > 0.0 && Double.IsFinite r -> parseBench { options with LearningRate = Some r } rest
        | _ -> fail $"--lr {v}: expected a positive number"
    | "--batch" :: v :: rest ->
        parseBench
            {
                options with
                    Batch = number "--batch" v
            }
            rest
    | "--epochs" :: v :: rest ->
        parseBench
            {
                options with
                    Epochs = number "--epochs" v
            }
            rest
    | "--iterations" :: v :: rest ->
        parseBench
            {
                options with
                    Iterations = number "--iterations" v
            }
            rest
    | "--seed" :: v :: rest ->
        match Int32.TryParse v with
        | true, seed -> parseBench { options with Seed = seed } rest
        | _ -> fail $"--seed {v}: expected a whole number"

    | "--precision" :: v :: rest -> parseBench { options with Precision = v } rest
    | "--data" :: v :: rest -> parseBench { options with DataDirectory = v } rest
    | "--json" :: rest -> parseBench { options with Json = true } rest
    | flag :: _ -> fail $"unknown option {flag}; {benchUsage}"

let private parser = ArgumentParser.Create<Command>(programName = "nn")

let private run (argv: string[]) =
    match List.ofArray argv with
    | "bench" :: job :: rest -> Bench.run job (parseBench Bench.defaults rest)
    | [ "bench" ] -> fail benchUsage
    | _ ->
        let results = parser.ParseCommandLine(argv, raiseOnUsage = true)

        if results.Contains Version then
            printfn "nn %s" Nn.About.Version
            // The matrix-product backend chosen at start-up (NN_BLAS) and why.
            printfn "matrix products: %s" Nn.LinearAlgebra.Blas.Selection
            0
        else
            match results.TryGetSubCommand() with
            | Some(Demo args) when args.Contains DemoArgs.Lecture -> Demo.lecture stdout
            | Some(Demo args) -> Demo.digits (modeOf (args.Contains DemoArgs.Json))
            | Some(Train args) -> Commands.train args
            | Some(Evaluate args) -> Commands.evaluate args
            | Some(Predict args) -> Commands.predict args
            | Some(Summary args) -> Commands.summary args
            | Some(Export args) -> Commands.export args
            | Some Version
            | None ->
                eprintfn "%s" (parser.PrintUsage())
                2

/// Runs `nn` with `argv`, writing one line `nn: …` to standard error on failure; returns the exit code.
let execute (argv: string[]) =
    try
        run argv
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        Console.Out.WriteLine e.Message
        0
    | :? ArguParseException as e ->
        let first = (e.Message.Split('\n') |> Array.head).Trim()

        let first =
            if first.StartsWith "ERROR: " then
                first.Substring 7
            else
                first

        eprintfn "nn: %s (see nn --help)" first
        2
    | CliError message ->
        eprintfn "nn: %s" message
        1
    | :? Nn.Serialization.ModelFormatException as e ->
        eprintfn "nn: %s" e.Message
        1
    | :? IO.IOException as e ->
        eprintfn "nn: %s" (e.Message.ReplaceLineEndings " ")
        1
    | :? UnauthorizedAccessException as e ->
        eprintfn "nn: %s" (e.Message.ReplaceLineEndings " ")
        1
    | :? ArgumentException as e ->
        eprintfn "nn: %s" ((e.Message.Split('\n') |> Array.head).Split(" (Parameter '", 2)[0])
        1
    // Caught before it unwinds to the runtime, which would abort with a stack trace and exit code 134.
    | :? OutOfMemoryException ->
        GC.Collect()

        eprintfn
            "nn: out of memory (this process may use %s); use smaller layers, a smaller --batch or less data, or run where more memory is available"
            (Budget.gigabytes (float (Budget.available ())))

        1
    // A backend named by NN_BLAS that does not exist or cannot be loaded.
    | :? InvalidOperationException as e when e.Message.StartsWith(Nn.LinearAlgebra.Blas.EnvironmentVariable + "=", StringComparison.Ordinal) ->
        eprintfn "nn: %s" e.Message
        1
    // Anything else is a fault of nn itself: still one line and an exit code (70, EX_SOFTWARE), never the runtime's
    // abort with a stack trace (134).
    | e ->
        eprintfn "nn: internal error (%s): %s; please report it with the command line" (e.GetType().Name) (e.Message.ReplaceLineEndings " ")
        70

/// Entry point.
[<EntryPoint>]
let main argv = execute argv
