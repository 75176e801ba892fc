/// Scoring a saved model on data, one block of rows at a time: what `nn evaluate` and `nn predict` compute.
///
/// Memory is bounded by the model and one block, never by the file: a block of B = `BlockRows` samples holds its
/// features (8·B·n bytes), the forward pass (about 8·B·Σ units per layer, twice) and its predictions; the tallies are
/// O(k²) for k classes (the confusion matrix, kept only for k ≤ `MaxConfusionClasses`).
module Nn.Cli.Scoring

open System
open System.Globalization
open MathNet.Numerics.LinearAlgebra
open Nn.Models
open Nn.Pipeline

/// Samples per block: 4,096 (for 784 features, 25 MB of features per block).
[<Literal>]
let BlockRows = 4096

/// The largest class count for which a confusion matrix is kept and printed (k² counts).
[<Literal>]
let MaxConfusionClasses = 1000

/// The targets of one block: class indices or regression values (outputs × samples).
type BlockTargets =
    | ClassLabels of int[]
    | TargetValues of Matrix<float>

/// One block of samples to score: features × samples, targets, and where sample j came from (for messages).
type Block = {
    Features: Matrix<float>
    Targets: BlockTargets
    Place: int -> string
}

/// Class probabilities (classes × samples) of a classifier's output: a single sigmoid unit becomes the two rows
/// (1 − p, p).
let probabilities (model: Model) (output: Matrix<float>) =
    if model.Network.Outputs = 1 then
        Matrix<float>.Build.Dense(2, output.ColumnCount, fun r c -> if r = 1 then output[0, c] else 1.0 - output[0, c])
    else
        output

/// What `nn evaluate` reports.
type Evaluation =
    | Classification of samples: int64 * accuracy: float * balancedAccuracy: float * logLoss: float * confusion: int64[,] option
    | Regression of samples: int64 * mse: float * mae: float

/// <summary>
/// Scores a classifier or regression model on every block <paramref name="next"/> returns (until None), holding
/// one block at a time. Class labels must be below the model's class count; the message names the sample's place.
/// </summary>
let evaluate (model: Model) (next: unit -> Block option) : Evaluation =
    let classes = max 2 model.Network.Outputs

    let confusion =
        if classes <= MaxConfusionClasses then
            Some(Array2D.zeroCreate<int64> classes classes)
        else
            None

    let mutable samples, hits, lossSum, squares, absolutes = 0L, 0L, 0.0, 0.0, 0.0
    // Per class: samples and correct decisions, for the balanced accuracy.
    let support = Array.zeroCreate<int64> classes
    let recalled = Array.zeroCreate<int64> classes

    let rec loop () =
        match next () with
        | None -> ()
        | Some block ->
            let output = model.Predict block.Features
            let m = block.Features.ColumnCount

            match block.Targets with
            | ClassLabels labels ->
                match labels |> Array.tryFindIndex (fun l -> l >= classes) with
                | Some j -> Common.fail $"{block.Place j}: label {labels[j]} is not one of the model's {classes} classes (0 to {classes - 1})"
                | None -> ()

                let predicted = model.PredictClasses block.Features

                for j in 0 .. m - 1 do
                    support[labels[j]] <- support[labels[j]] + 1L

                    if predicted[j] = labels[j] then
                        hits <- hits + 1L
                        recalled[labels[j]] <- recalled[labels[j]] + 1L

                    confusion
                    |> Option.iter (fun c -> c[labels[j], predicted[j]] <- c[labels[j], predicted[j]] + 1L)

                lossSum <- lossSum + Metrics.logLoss (probabilities model output) labels * float m
            | TargetValues targets ->
                squares <- squares + Metrics.meanSquaredError output targets * float (output.RowCount * m)
                absolutes <- absolutes + ((output - targets).Enumerate() |> Seq.sumBy abs)

            samples <- samples + int64 m
            loop ()

    loop ()

    if model.IsClassifier then
        // Balanced accuracy (scikit-learn's balanced_accuracy_score): the mean recall over the classes present.
        let balanced =
            Seq.zip support recalled
            |> Seq.filter (fun (n, _) -> n > 0L)
            |> Seq.averageBy (fun (n, r) -> float r / float n)

        Classification(samples, float hits / float samples, balanced, lossSum / float samples, confusion)
    else
        let entries = float samples * float model.Network.Outputs
        Regression(samples, squares / entries, absolutes / entries)

/// A number as it is written to prediction files: the shortest text that reads back to the same double.
let private invariant (v: float) =
    v.ToString("R", CultureInfo.InvariantCulture)

/// The class names of a classifier: the model's, or "0", "1", … when it has none.
let classNames (model: Model) =
    if model.ClassNames.IsDefaultOrEmpty then
        [| for c in 0 .. max 2 model.Network.Outputs - 1 -> string c |]
    else
        Seq.toArray model.ClassNames

/// The header of a prediction file: `p_<class>` per class and `class` for a classifier; `prediction` (or
/// `prediction_1` … `prediction_k` for k outputs) for a regression model.
let predictionHeader (model: Model) =
    if model.IsClassifier then
        Array.append [| for name in classNames model -> $"p_{name}" |] [| "class" |]
    elif model.Network.Outputs = 1 then
        [| "prediction" |]
    else
        [| for k in 1 .. model.Network.Outputs -> $"prediction_{k}" |]

/// The rows of a prediction file for one block of features (features × samples): probabilities then the class name
/// for a classifier, the prediction for a regression model.
let predictionRows (model: Model) (features: Matrix<float>) : string[] seq =
    let output = model.Predict features

    if model.IsClassifier then
        let p = probabilities model output
        let classes = model.PredictClasses features
        let names = classNames model

        seq { for j in 0 .. features.ColumnCount - 1 -> Array.append [| for r in 0 .. p.RowCount - 1 -> invariant p[r, j] |] [| names[classes[j]] |] }
    else
        seq { for j in 0 .. features.ColumnCount - 1 -> [| for r in 0 .. output.RowCount - 1 -> invariant output[r, j] |] }
