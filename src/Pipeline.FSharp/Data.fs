namespace Nn.Pipeline

open System
open System.Collections.Immutable
open System.IO
open System.Numerics
open MathNet.Numerics.LinearAlgebra
open Nn.Layers
open Nn.LinearAlgebra

/// What a data set is asked to predict.
[<RequireQualifiedAccess>]
type Targets =
    /// Class labels in [0, count), one per sample, and the number of classes.
    | Classes of labels: ImmutableArray<int> * count: int
    /// Regression targets: outputs × samples, one observation per column (frozen).
    | Values of values: Matrix<float>

/// <summary>
/// A data set in the batch layout of <c>Nn.Layers.Propagation</c>: <c>Features</c> is features × samples,
/// column-major, one observation per column (so a sample's features are contiguous), with its targets. 'T is the
/// precision the features are held in (float or float32): a data set is held once, in the precision it is trained in
/// (<c>Data.convert</c> changes it).
/// </summary>
/// <remarks>
/// Build it with <c>Data.create</c>, <c>Data.ofRows</c> or <c>Data.readCsv</c>, which check that every value is
/// finite, the sample counts agree and labels lie in [0, classes). The matrices are frozen: never mutate them.
/// Regression targets stay in float64 whatever 'T is (they are small); training rounds them to 'T once.
/// </remarks>
type Dataset<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// Features × samples, finite.
    Features: Matrix<'T>
    /// One target per sample.
    Targets: Targets
    /// One name per feature row (the CSV header, or x1, x2, … for data built from arrays).
    FeatureNames: ImmutableArray<string>
    /// One weight per sample for the weighted-mean cost J = Σ wᵢLᵢ / Σ wᵢ (see <c>Nn.Losses.SampleWeights</c>), or
    /// empty for the plain mean. Set with <c>Data.withWeights</c> or <c>Data.weightClasses</c>.
    Weights: ImmutableArray<float>
} with

    /// The number of samples m (columns of <c>Features</c>).
    member d.Samples = d.Features.ColumnCount

    /// The number of features n (rows of <c>Features</c>).
    member d.FeatureCount = d.Features.RowCount

/// A data set held in float64, the precision the readers produce.
type Dataset = Dataset<float>

/// <summary>
/// Standardisation x′ = (x − μ) / σ per feature, fitted on training data only and carried with the model: the
/// core's <c>Nn.Models.Standardization</c> (population standard deviation; σ = 0 becomes 1), under the name the
/// pipeline uses.
/// </summary>
type Standardizer = Nn.Models.Standardization

/// Building, reading, subsetting and encoding data sets.
[<RequireQualifiedAccess>]
module Data =

    let private defaultNames count =
        ImmutableArray.CreateRange(Seq.init count (fun i -> $"x{i + 1}"))

    let private checkFinite (name: string) (m: Matrix<'T>) =
        let data = Dense.Data m

        match Guard.FirstNonFinite<'T>(ReadOnlySpan data) with
        | -1 -> ()
        | i -> invalidArg name $"{name}[{i % m.RowCount}, {i / m.RowCount}] is {data[i]}: values must be finite."

    /// <summary>
    /// A data set from a features × samples matrix and targets, after checking it: every feature finite, at least
    /// one sample, as many targets as samples, labels in [0, count), regression targets finite, and one feature
    /// name per row.
    /// </summary>
    /// <exception cref="System.ArgumentException">A check fails; the message names the argument and the sizes.</exception>
    let create (features: Matrix<'T>) (targets: Targets) (featureNames: string seq) : Dataset<'T> =
        let features = Dense.Ensure features
        let names = ImmutableArray.CreateRange featureNames
        let m = features.ColumnCount

        if m = 0 || features.RowCount = 0 then
            invalidArg (nameof features) $"features is {features.RowCount}×{m}: a data set needs at least one feature and one sample."

        if names.Length <> features.RowCount then
            invalidArg (nameof featureNames) $"{names.Length} feature names were given for {features.RowCount} features."

        checkFinite "features" features

        match targets with
        | Targets.Classes(labels, count) ->
            if labels.IsDefault || labels.Length <> m then
                invalidArg (nameof targets) $"There are {m} samples but {(if labels.IsDefault then 0 else labels.Length)} labels."

            if count <= 0 then
                invalidArg (nameof targets) $"The class count is {count}: it must be positive."

            labels
            |> Seq.iteri (fun i l ->
                if l < 0 || l >= count then
                    invalidArg (nameof targets) $"labels[{i}] is {l} but there are {count} classes (labels 0 to {count - 1}).")
        | Targets.Values values ->
            if values.ColumnCount <> m then
                invalidArg (nameof targets) $"There are {m} samples but the targets are {values.RowCount}×{values.ColumnCount} (outputs × samples)."

            checkFinite "targets" (Dense.Ensure values)

        {
            Features = features
            Targets =
                match targets with
                | Targets.Values v -> Targets.Values(Dense.Ensure v)
                | t -> t
            FeatureNames = names
            Weights = ImmutableArray.Empty
        }

    /// <summary>
    /// A classification data set from one array of features per sample (rows, the way a table reads) and one
    /// label per sample; the class count is the largest label + 1. The rows are copied.
    /// </summary>
    /// <exception cref="System.ArgumentException">No rows, rows of different lengths, a non-finite value, or a negative label.</exception>
    let ofRows (rows: float[][]) (labels: int[]) : Dataset =
        if rows.Length = 0 then
            invalidArg (nameof rows) "rows is empty: a data set needs at least one sample."

        let n = rows[0].Length

        rows
        |> Array.iteri (fun i r ->
            if r.Length <> n then
                invalidArg (nameof rows) $"rows[{i}] has {r.Length} values but rows[0] has {n}.")

        let count = if labels.Length = 0 then 1 else Array.max labels + 1
        create (Dense.Matrix(n, rows.Length, Array.concat rows)) (Targets.Classes(ImmutableArray.Create<int> labels, count)) (defaultNames n)

    /// <summary>A regression data set from one feature array and one target array per sample (copied).</summary>
    /// <exception cref="System.ArgumentException">No rows, ragged rows or targets, a count mismatch, or a non-finite value.</exception>
    let ofRowsRegression (rows: float[][]) (targets: float[][]) : Dataset =
        if rows.Length = 0 then
            invalidArg (nameof rows) "rows is empty: a data set needs at least one sample."

        if targets.Length <> rows.Length then
            invalidArg (nameof targets) $"There are {rows.Length} rows but {targets.Length} targets."

        let n, k = rows[0].Length, targets[0].Length

        if
            rows |> Array.exists (fun r -> r.Length <> n)
            || targets |> Array.exists (fun t -> t.Length <> k)
        then
            invalidArg (nameof rows) "Every row must have the same number of features and every target the same number of outputs."

        let y = Dense.Matrix(k, targets.Length, Array.concat targets)
        create (Dense.Matrix(n, rows.Length, Array.concat rows)) (Targets.Values y) (defaultNames n)

    /// The class count, or None for regression data.
    let classCount (data: Dataset<'T>) =
        match data.Targets with
        | Targets.Classes(_, count) -> Some count
        | Targets.Values _ -> None

    /// <summary>
    /// The target matrix for a network with <paramref name="outputs"/> output units, samples in columns, in the
    /// precision 'T: one-hot (classes × m) for class labels; for a single output unit and at most two classes, the
    /// labels themselves as a 1 × m row of 0s and 1s (sigmoid + binary cross-entropy); regression targets rounded to 'T.
    /// </summary>
    /// <exception cref="System.ArgumentException">The shapes cannot match (for example 3 classes and 2 outputs).</exception>
    let targetMatrix<'T, 'U
        when 'T: unmanaged
        and 'T :> IFloatingPointIeee754<'T>
        and 'T: (new: unit -> 'T)
        and 'T: struct
        and 'T :> ValueType
        and 'U: unmanaged
        and 'U :> IFloatingPointIeee754<'U>
        and 'U: (new: unit -> 'U)
        and 'U: struct
        and 'U :> ValueType>
        (outputs: int)
        (data: Dataset<'U>)
        : Matrix<'T> =
        match data.Targets with
        | Targets.Classes(labels, count) when outputs = 1 && count <= 2 ->
            Dense.Matrix(1, labels.Length, labels |> Seq.map (fun l -> if l = 1 then 'T.One else 'T.Zero) |> Array.ofSeq)
        | Targets.Classes(labels, count) ->
            if outputs <> count then
                invalidArg (nameof outputs) $"The data has {count} classes but the network has {outputs} outputs."

            Targets.OneHot<'T>(labels, count)
        | Targets.Values values ->
            if values.RowCount <> outputs then
                invalidArg (nameof outputs) $"The targets have {values.RowCount} outputs but the network has {outputs}."

            Dense.Convert<float, 'T> values

    /// <summary>One-hot encoding: a classes × m matrix with a 1 in row labels[i] of column i.</summary>
    /// <exception cref="System.ArgumentException">A label is outside [0, classes).</exception>
    let oneHot (classes: int) (labels: int seq) : Matrix<float> =
        Targets.OneHot<float>(Array.ofSeq labels, classes)

    /// <summary>
    /// The samples at <paramref name="indices"/>, in that order (repeats allowed), as a new data set. A sample's
    /// features are one contiguous column, so this is one block copy per sample.
    /// </summary>
    /// <exception cref="System.ArgumentException">No indices, or an index outside [0, m).</exception>
    let subset (indices: int[]) (data: Dataset<'T>) : Dataset<'T> =
        if indices.Length = 0 then
            invalidArg (nameof indices) "indices is empty: a subset needs at least one sample."

        indices
        |> Array.iteri (fun i k ->
            if k < 0 || k >= data.Samples then
                invalidArg (nameof indices) $"indices[{i}] is {k} but the data has {data.Samples} samples.")

        {
            data with
                Features = Dense.GatherColumns(data.Features, ReadOnlySpan indices)
                Targets =
                    match data.Targets with
                    | Targets.Classes(labels, count) -> Targets.Classes(ImmutableArray.CreateRange(indices |> Seq.map (fun k -> labels[k])), count)
                    | Targets.Values values -> Targets.Values(Dense.GatherColumns(values, ReadOnlySpan indices))
                Weights =
                    if data.Weights.IsEmpty then
                        data.Weights
                    else
                        ImmutableArray.CreateRange(indices |> Seq.map (fun k -> data.Weights[k]))
        }

    /// <summary>
    /// The data set with one weight per sample (finite, non-negative, with a positive sum), so that training and
    /// evaluation take the weighted mean J = Σ wᵢLᵢ / Σ wᵢ; an empty sequence removes the weights.
    /// </summary>
    /// <exception cref="System.ArgumentException">The count differs from the samples, or a weight is negative, not finite, or all are 0.</exception>
    let withWeights (weights: float seq) (data: Dataset<'T>) : Dataset<'T> =
        let w = ImmutableArray.CreateRange weights

        if not w.IsEmpty then
            if w.Length <> data.Samples then
                invalidArg (nameof weights) $"{w.Length} sample weights were given for {data.Samples} samples."

            match w |> Seq.tryFindIndex (fun v -> not (Double.IsFinite v && v >= 0.0)) with
            | Some i -> invalidArg (nameof weights) $"weights[{i}] is {w[i]}: sample weights must be finite and non-negative."
            | None -> ()

            if not (Seq.sum w > 0.0) then
                invalidArg (nameof weights) "The sample weights sum to 0: at least one must be positive."

        { data with Weights = w }

    /// <summary>
    /// Class weights as sample weights: wᵢ = classWeights[yᵢ] (the convention of PyTorch's cross-entropy
    /// <c>weight=</c> argument and scikit-learn's <c>class_weight</c>).
    /// </summary>
    /// <exception cref="System.ArgumentException">Regression data, a count that differs from the classes, or a bad weight.</exception>
    let weightClasses (classWeights: float seq) (data: Dataset<'T>) : Dataset<'T> =
        let weights = Array.ofSeq classWeights

        match data.Targets with
        | Targets.Values _ -> invalidArg (nameof data) "Class weights need class labels, but the data has regression targets."
        | Targets.Classes(_, count) when weights.Length <> count ->
            invalidArg (nameof classWeights) $"{weights.Length} class weights were given for {count} classes."
        | Targets.Classes(labels, _) -> withWeights (labels |> Seq.map (fun l -> weights[l])) data

    /// <summary>
    /// "Balanced" class weights (King and Zeng 2001; scikit-learn's <c>class_weight="balanced"</c>):
    /// w_c = m / (k · m_c), so every class carries the same total weight; a class with no samples gets 0.
    /// </summary>
    /// <exception cref="System.ArgumentException">The data has regression targets.</exception>
    let balancedClassWeights (data: Dataset<'T>) : float[] =
        match data.Targets with
        | Targets.Values _ -> invalidArg (nameof data) "Balanced class weights need class labels, but the data has regression targets."
        | Targets.Classes(labels, count) ->
            let counts = Array.zeroCreate count

            for l in labels do
                counts[l] <- counts[l] + 1

            let present = counts |> Array.filter (fun c -> c > 0) |> Array.length

            counts
            |> Array.map (fun c ->
                if c = 0 then
                    0.0
                else
                    float labels.Length / (float present * float c))

    /// <summary>
    /// The data set with its features in another precision (each value rounded to the nearest 'T, once), for example
    /// <c>Data.convert&lt;float32&gt; (Data.digits ())</c>. Targets and names are shared.
    /// </summary>
    /// <exception cref="System.ArgumentException">A feature overflows 'T (becomes ±∞); the message names its row and column.</exception>
    let convert<'T, 'U
        when 'T: unmanaged
        and 'T :> IFloatingPointIeee754<'T>
        and 'T: (new: unit -> 'T)
        and 'T: struct
        and 'T :> ValueType
        and 'U: unmanaged
        and 'U :> IFloatingPointIeee754<'U>
        and 'U: (new: unit -> 'U)
        and 'U: struct
        and 'U :> ValueType>
        (data: Dataset<'U>)
        : Dataset<'T> =
        let features = Dense.Convert<'U, 'T> data.Features
        checkFinite "features" features

        {
            Features = features
            Targets = data.Targets
            FeatureNames = data.FeatureNames
            Weights = data.Weights
        }

    /// A classification data set from a CSV header and block: labels checked as class indices (see <c>Csv.classLabels</c>).
    let private ofCsvClasses (header: CsvHeader, block: CsvBlock) : Result<Dataset, CsvError> =
        Csv.classLabels header block
        |> Result.map (fun labels -> {
            Features = block.Features
            Targets = Targets.Classes(ImmutableArray.Create<int> labels, Array.max labels + 1)
            FeatureNames = ImmutableArray.Create<string> header.FeatureNames
            Weights = ImmutableArray.Empty
        })

    /// A regression data set from a CSV header and block: the label column is a 1 × m target row.
    let private ofCsvValues (header: CsvHeader, block: CsvBlock) : Dataset = {
        Features = block.Features
        Targets = Targets.Values(Dense.Matrix(1, block.Labels.Length, block.Labels))
        FeatureNames = ImmutableArray.Create<string> header.FeatureNames
        Weights = ImmutableArray.Empty
    }

    /// <summary>
    /// Parses CSV text (see <c>CsvTable</c> for the format) with the class label in the column named
    /// <paramref name="labelColumn"/> (whole numbers ≥ 0; the class count is the largest label + 1).
    /// <paramref name="file"/> is the name used in error messages.
    /// </summary>
    /// <returns>The data set, or the first problem found, scanning top to bottom and left to right.</returns>
    let parseCsv (file: string) (labelColumn: string) (text: string) : Result<Dataset, CsvError> =
        Csv.readText file text (LabelColumn.Required labelColumn)
        |> Result.bind ofCsvClasses

    /// <summary>
    /// Parses CSV text (see <c>CsvTable</c>) with a numeric regression target in the column named
    /// <paramref name="labelColumn"/>.
    /// </summary>
    let parseRegressionCsv (file: string) (labelColumn: string) (text: string) : Result<Dataset, CsvError> =
        Csv.readText file text (LabelColumn.Required labelColumn)
        |> Result.map ofCsvValues

    /// <summary>
    /// Parses CSV text (see <c>CsvTable</c>) as features only, leaving out the column named
    /// <paramref name="ignoreColumn"/> when it is present (for example a label column in a test file).
    /// </summary>
    /// <returns>Features × samples, the feature names, and each sample's 1-based line number.</returns>
    let parseFeaturesCsv (file: string) (ignoreColumn: string option) (text: string) : Result<Matrix<float> * string[] * int[], CsvError> =
        Csv.readText file text (LabelColumn.IgnoredIfPresent(defaultArg ignoreColumn ""))
        |> Result.map (fun (header, block) -> block.Features, header.FeatureNames, block.Lines)

    /// <summary>
    /// Reads a classification data set from a CSV file (see <c>parseCsv</c> for the format). Error messages name
    /// the file by the path as given.
    /// </summary>
    /// <returns>The data set, or a <c>CsvError</c> whose <c>Message</c> is one line naming file, line and column.</returns>
    let readCsv (path: string) (labelColumn: string) : Result<Dataset, CsvError> =
        Csv.readFile path (LabelColumn.Required labelColumn) |> Result.bind ofCsvClasses

    /// Reads a regression data set from a CSV file (see <c>parseRegressionCsv</c>).
    let readRegressionCsv (path: string) (labelColumn: string) : Result<Dataset, CsvError> =
        Csv.readFile path (LabelColumn.Required labelColumn) |> Result.map ofCsvValues

    /// Reads features only from a CSV file (see <c>parseFeaturesCsv</c>).
    let readFeaturesCsv (path: string) (ignoreColumn: string option) : Result<Matrix<float> * string[] * int[], CsvError> =
        Csv.readFile path (LabelColumn.IgnoredIfPresent(defaultArg ignoreColumn ""))
        |> Result.map (fun (header, block) -> block.Features, header.FeatureNames, block.Lines)

    let private embedded (name: string) =
        let assembly = typeof<CsvError>.Assembly

        use stream =
            match assembly.GetManifestResourceStream($"Nn.Pipeline.data.{name}") with
            | null -> invalidOp $"The embedded data set {name} is missing from {assembly.GetName().Name}."
            | stream -> stream

        use reader = new StreamReader(stream)

        match parseCsv name "label" (reader.ReadToEnd()) with
        | Ok data -> data
        | Error e -> invalidOp $"The embedded data set is corrupt: {e.Message}"

    /// <summary>
    /// Fisher's iris data (1936; UCI Machine Learning Repository, CC BY 4.0): 150 samples, 4 features in cm,
    /// 3 classes. Read from a copy embedded in this assembly, so it needs no path.
    /// </summary>
    let iris () : Dataset = embedded "iris.csv"

    /// <summary>
    /// The 8×8 handwritten digits (Alpaydin and Kaynak 1998; UCI "Optical Recognition of Handwritten Digits",
    /// CC BY 4.0): 1,797 samples, 64 pixel counts in 0–16, 10 classes. Embedded in this assembly.
    /// </summary>
    let digits () : Dataset = embedded "digits.csv"

/// Standardisation fitted on training data (see the <c>Standardizer</c> type).
[<RequireQualifiedAccess>]
module Standardizer =

    /// <summary>
    /// Fits μⱼ = (1/m)·Σᵢ xⱼᵢ and σⱼ = √((1/m)·Σᵢ (xⱼᵢ − μⱼ)²) on <paramref name="training"/>, replacing σⱼ = 0 by 1.
    /// Pass only the training part of a split, never validation or test data.
    /// </summary>
    let fit (training: Dataset<'T>) : Standardizer = Standardizer.Fit training.Features

    /// <summary>Applies x′ = (x − μ) / σ to a features × samples matrix, returning a new matrix of the same precision.</summary>
    /// <exception cref="System.ArgumentException">The matrix has a different number of features from the standardizer.</exception>
    let transform (standardizer: Standardizer) (features: Matrix<'T>) : Matrix<'T> = standardizer.Apply features

    /// <summary>The data set with standardised features; targets and names unchanged.</summary>
    /// <exception cref="System.ArgumentException">The feature count differs from the standardizer's.</exception>
    let apply (standardizer: Standardizer) (data: Dataset<'T>) : Dataset<'T> = {
        data with
            Features = transform standardizer data.Features
    }
