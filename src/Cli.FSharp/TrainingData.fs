/// Checks of training data that no later step would catch with a useful message.
module Nn.Cli.TrainingData

open System
open System.Collections.Generic
open Nn.Cli.Common
open Nn.LinearAlgebra

/// <summary>
/// The largest feature magnitude `nn train` accepts without `--standardize`: 10¹⁵⁰. Beyond about 1.3 × 10¹⁵⁴ the
/// square of a value overflows, and the squares of features enter the gradients and their norms, so training on such
/// raw values fails whatever the learning rate. Standardising first brings every feature to unit scale.
/// </summary>
[<Literal>]
let LargestRawFeature = 1e150

/// Refuses raw features beyond <c>LargestRawFeature</c>, naming the first such value's line and column.
let checkScale (loaded: Loaded<'T>) =
    // Scanned in place: a float64 copy of a large data set would cost more memory than the data itself.
    let values = Dense.Data loaded.Data.Features
    let n = loaded.Data.FeatureCount

    match
        values
        |> Array.tryFindIndex (fun v -> abs (Double.CreateTruncating v) > LargestRawFeature)
    with
    | Some k ->
        let value = Double.CreateTruncating values[k]

        fail
            $"{loaded.Place (k / n) (k % n)}: {value:G4} is too large to train on unscaled (beyond ±1e150 squares overflow); pass --standardize or rescale the column"
    | None -> ()

/// Refuses classification data with fewer than two distinct labels, whatever the label value.
let checkClasses (path: string) (labels: int seq) =
    let distinct = HashSet<int>()

    let two =
        labels
        |> Seq.exists (fun l ->
            distinct.Add l |> ignore
            distinct.Count >= 2)

    if not two then
        let only = Seq.head distinct
        fail $"{path}: every label is {only}; classification needs at least two classes (or pass --loss mse for regression)"
