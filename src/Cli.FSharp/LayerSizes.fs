/// The `--layers` option: hidden layer sizes.
module Nn.Cli.LayerSizes

open System
open Nn.Cli.Common

/// <summary>
/// Parses `--layers`: positive whole numbers separated by commas (`32,16`), or `none` for no hidden layer (a
/// generalised linear model). An empty value or an empty entry (`""`, `,`, `4,,4`) is an error rather than a silent
/// "no hidden layer".
/// </summary>
let parse (text: string) : int[] =
    let trimmed = text.Trim()

    if trimmed = "none" then
        [||]
    elif trimmed.Length = 0 then
        fail "--layers '': give hidden layer sizes, e.g. 32,16, or none for no hidden layer"
    else
        trimmed.Split(',')
        |> Array.mapi (fun i entry ->
            match Int32.TryParse(entry.Trim()) with
            | true, n when n > 0 -> n
            | _ when entry.Trim().Length = 0 ->
                fail $"--layers {text}: entry {i + 1} is empty; give sizes separated by single commas, e.g. 32,16, or none for no hidden layer"
            | _ -> fail $"--layers {text}: \"{entry.Trim()}\" is not a positive whole number; give sizes such as 32,16, or none for no hidden layer")
