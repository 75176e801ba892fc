/// Whether a data file's feature columns are the ones a model was trained on, by name and order.
module Nn.Cli.FeatureColumns

open System
open Nn.Cli.Common
open Nn.Models

/// <summary>
/// Refuses data whose feature columns the model would silently misread: a different number of features; or, when
/// the model records its feature names and <paramref name="byPosition"/> is false, names that differ or come in
/// another order. <paramref name="column"/> gives the 1-based file column of feature i, for the message.
/// </summary>
let check (path: string) (model: Model) (names: string[]) (column: int -> int) (byPosition: bool) =
    let expected = model.FeatureNames

    if names.Length <> model.Inputs then
        fail $"{path} has {names.Length} feature columns but the model expects {model.Inputs}"

    if not byPosition && not expected.IsDefaultOrEmpty then
        match Seq.zip expected names |> Seq.tryFindIndex (fun (e, n) -> e <> n) with
        | None -> ()
        | Some i ->
            let reordered = Set.ofSeq expected = Set.ofArray names

            let why =
                if reordered then
                    "the columns are in another order than in training"
                else
                    $"the model was trained on {String.Join(',', expected)}"

            fail
                $"{path}, line 1, column {column i}: the column is \"{names[i]}\" but the model's feature {i + 1} is \"{expected[i]}\" ({why}); fix the header or column order, or pass --by-position to match columns by position"
