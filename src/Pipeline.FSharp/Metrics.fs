namespace Nn.Pipeline

open System
open System.Collections.Generic
open System.Collections.Immutable
open MathNet.Numerics.LinearAlgebra
open Nn.LinearAlgebra

/// <summary>
/// A confusion matrix: <c>Counts[a][p]</c> is the number of samples of actual class a predicted as class p.
/// </summary>
type ConfusionMatrix = {
    /// The number of classes k.
    Classes: int
    /// k rows (actual class) of k counts (predicted class).
    Counts: ImmutableArray<ImmutableArray<int>>
} with

    /// The count of samples of actual class <paramref name="actual"/> predicted as <paramref name="predicted"/>.
    member c.Item(actual: int, predicted: int) = c.Counts[actual][predicted]

/// <summary>Precision, recall and F1 of one class, one-vs-rest.</summary>
type ClassScores = {
    /// The class label.
    Class: int
    /// TP / (TP + FP); 0 when the class is never predicted.
    Precision: float
    /// TP / (TP + FN); 0 when the class never occurs.
    Recall: float
    /// 2PR / (P + R); 0 when P + R = 0.
    F1: float
    /// The number of samples of the class (TP + FN).
    Support: int
}

/// <summary>
/// Classification and regression metrics on predictions. Labels are class indices in [0, k); probabilities and
/// predictions are outputs × samples, one observation per column.
/// </summary>
[<RequireQualifiedAccess>]
module Metrics =

    let private sameLength (predicted: IReadOnlyList<int>) (actual: IReadOnlyList<int>) =
        if predicted.Count <> actual.Count then
            invalidArg (nameof predicted) $"There are {predicted.Count} predictions but {actual.Count} labels."

        if actual.Count = 0 then
            invalidArg (nameof actual) "There are no labels: metrics need at least one sample."

    /// <summary>Accuracy = (1/m)·#{i : predictedᵢ = actualᵢ}.</summary>
    /// <exception cref="System.ArgumentException">The lengths differ or are zero.</exception>
    let accuracy (predicted: IReadOnlyList<int>) (actual: IReadOnlyList<int>) : float =
        sameLength predicted actual

        let hits =
            Seq.zip predicted actual |> Seq.filter (fun (p, a) -> p = a) |> Seq.length

        float hits / float actual.Count

    /// <summary>
    /// Log loss (mean cross-entropy) = −(1/m)·Σᵢ log pᵢ,yᵢ, from class probabilities (classes × m, each column a
    /// distribution, such as softmax outputs). Probabilities are clipped to [1e-15, 1] so a confident mistake
    /// costs about 34.5 instead of ∞. A NaN probability gives NaN.
    /// </summary>
    /// <exception cref="System.ArgumentException">The sample counts differ, or a label is outside the rows.</exception>
    let logLoss (probabilities: Matrix<float>) (actual: IReadOnlyList<int>) : float =
        if probabilities.ColumnCount <> actual.Count || actual.Count = 0 then
            invalidArg (nameof actual) $"There are {actual.Count} labels for {probabilities.ColumnCount} columns of probabilities."

        let k = probabilities.RowCount
        let p = Dense.Data(Dense.Ensure probabilities)

        let total =
            Seq.indexed actual
            |> Seq.sumBy (fun (i, y) ->
                if y < 0 || y >= k then
                    invalidArg (nameof actual) $"labels[{i}] is {y} but there are {k} classes."

                -log(min 1.0 (max 1e-15 p[i * k + y])))

        total / float actual.Count

    /// <summary>
    /// Mean squared error = (1/(m·k))·Σ (ŷ − y)² over every entry of two k × m matrices. NaN in either gives NaN.
    /// (The training loss <c>Loss.SquaredError</c> is ½‖ŷ − y‖² per sample instead.)
    /// </summary>
    /// <exception cref="System.ArgumentException">The shapes differ.</exception>
    let meanSquaredError (predictions: Matrix<float>) (targets: Matrix<float>) : float =
        if
            predictions.RowCount <> targets.RowCount
            || predictions.ColumnCount <> targets.ColumnCount
        then
            invalidArg
                (nameof targets)
                $"predictions are {predictions.RowCount}×{predictions.ColumnCount} but targets are {targets.RowCount}×{targets.ColumnCount}."

        let a, b = Dense.Data(Dense.Ensure predictions), Dense.Data(Dense.Ensure targets)
        (Array.fold2 (fun s x y -> s + (x - y) * (x - y)) 0.0 a b) / float a.Length

    /// <summary>The k × k confusion matrix of predicted against actual labels.</summary>
    /// <exception cref="System.ArgumentException">The lengths differ or are zero, or a label is outside [0, k).</exception>
    let confusion (classes: int) (predicted: IReadOnlyList<int>) (actual: IReadOnlyList<int>) : ConfusionMatrix =
        sameLength predicted actual

        if classes <= 0 then
            invalidArg (nameof classes) $"classes must be positive but is {classes}."

        let counts = Array2D.zeroCreate classes classes

        for i in 0 .. actual.Count - 1 do
            let a, p = actual[i], predicted[i]

            if a < 0 || a >= classes || p < 0 || p >= classes then
                invalidArg (nameof actual) $"Sample {i} has label {a} and prediction {p} but there are {classes} classes."

            counts[a, p] <- counts[a, p] + 1

        {
            Classes = classes
            Counts = ImmutableArray.CreateRange(Seq.init classes (fun a -> ImmutableArray.CreateRange(Seq.init classes (fun p -> counts[a, p]))))
        }

    /// <summary>
    /// Per-class precision, recall and F1 from a confusion matrix, one-vs-rest; a ratio whose denominator is zero is
    /// reported as 0 (scikit-learn's <c>zero_division=0</c>).
    /// </summary>
    let perClass (confusion: ConfusionMatrix) : ClassScores list =
        let k = confusion.Classes

        let ratio num den =
            if den = 0 then 0.0 else float num / float den

        [
            for c in 0 .. k - 1 ->
                let tp = confusion[c, c]
                let predicted = Seq.sum (seq { for a in 0 .. k - 1 -> confusion[a, c] })
                let support = Seq.sum confusion.Counts[c]
                let precision, recall = ratio tp predicted, ratio tp support

                {
                    Class = c
                    Precision = precision
                    Recall = recall
                    F1 =
                        if precision + recall = 0.0 then
                            0.0
                        else
                            2.0 * precision * recall / (precision + recall)
                    Support = support
                }
        ]

    /// <summary>
    /// Balanced accuracy (Brodersen et al. 2010; scikit-learn's <c>balanced_accuracy_score</c>): the mean of the
    /// per-class recalls over the classes that occur in <paramref name="actual"/>, so each class counts equally however
    /// rare it is.
    /// </summary>
    /// <exception cref="System.ArgumentException">The lengths differ or are zero, or a label is outside [0, k).</exception>
    let balancedAccuracy (classes: int) (predicted: IReadOnlyList<int>) (actual: IReadOnlyList<int>) : float =
        perClass (confusion classes predicted actual)
        |> List.filter (fun s -> s.Support > 0)
        |> List.averageBy _.Recall
