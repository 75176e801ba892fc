namespace Nn.Training

open System
open System.Collections.Generic
open System.Numerics
open System.Runtime.CompilerServices
open System.Runtime.InteropServices
open MathNet.Numerics.LinearAlgebra
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Losses
open Nn.Models
open Nn.Pipeline

/// <summary>Early stopping on the validation loss: stop after <c>Patience</c> epochs without an improvement of more than <c>MinDelta</c>.</summary>
[<Sealed>]
type EarlyStoppingOptions
    (patience: int, [<Optional; DefaultParameterValue(0.0)>] minDelta: float, [<Optional; DefaultParameterValue(true)>] restoreBestWeights: bool) =
    /// Epochs without an improvement before stopping (≥ 1).
    member _.Patience = patience
    /// The least decrease of the validation loss that counts as an improvement (≥ 0).
    member _.MinDelta = minDelta
    /// Return the best epoch's parameters instead of the last.
    member _.RestoreBestWeights = restoreBestWeights

/// <summary>One update, as <c>TrainingOptions.OnStep</c> and <c>TrainingResult.Steps</c> report it.</summary>
[<Sealed>]
type StepReport internal (record: StepRecord) =
    /// 1-based epoch.
    member _.Epoch = record.Epoch
    /// 1-based step over the run.
    member _.Step = record.Step
    /// Samples in the batch.
    member _.BatchSize = record.BatchSize
    /// The batch loss J before the update.
    member _.Loss = record.Loss
    /// ‖∇J‖₂ of the batch.
    member _.GradientNorm = record.GradientNorm
    /// α(t) of this update, or null when the optimizer has no learning rate.
    member _.LearningRate: Nullable<float> = ValueOption.toNullable record.LearningRate

/// <summary>One epoch, as <c>TrainingOptions.OnEpoch</c> and <c>TrainingResult.Epochs</c> report it.</summary>
[<Sealed>]
type EpochReport internal (record: EpochRecord) =
    /// 1-based epoch.
    member _.Epoch = record.Epoch
    /// Steps taken so far.
    member _.Steps = record.Steps
    /// The mean loss over the epoch's samples, each batch measured before its update.
    member _.TrainLoss = record.TrainLoss
    /// The fraction of the epoch's samples classified correctly (classification), else null.
    member _.TrainAccuracy: Nullable<float> = Option.toNullable record.TrainAccuracy
    /// J on the validation data at the end of the epoch, or null without validation data.
    member _.ValidationLoss: Nullable<float> = Option.toNullable record.ValidationLoss

    /// Accuracy on the validation data (classification), else null.
    member _.ValidationAccuracy: Nullable<float> =
        Option.toNullable record.ValidationAccuracy

    /// The mean of the epoch's batch gradient norms.
    member _.GradientNorm = record.GradientNorm

/// <summary>
/// How <c>Trainer.Fit</c> trains. Every property has a default: 20 epochs of shuffled batches of 32, seed 0, Adam 1e-3,
/// the loss that fits the output layer, no early stopping, no observers.
/// </summary>
[<Sealed; AllowNullLiteral>]
type TrainingOptions() =
    /// Passes over the training data (≥ 0).
    member val Epochs = 20 with get, set
    /// Samples per minibatch (≥ 1); at least the number of samples means the full batch, in data order.
    member val BatchSize = 32 with get, set
    /// Draw a new order of the samples every epoch.
    member val Shuffle = true with get, set
    /// Seeds the shuffles.
    member val Seed = 0 with get, set
    /// The optimizer.
    member val Optimizer = GradientTransformations.Adam 1e-3 with get, set
    /// The loss; null picks the one that fits the output layer: binary cross-entropy for one sigmoid unit, softmax
    /// cross-entropy for a softmax, squared error otherwise.
    member val Loss: Loss | null = null with get, set
    /// Early stopping on the validation loss (needs validation data), or null.
    member val EarlyStopping: EarlyStoppingOptions | null = null with get, set
    /// Train even with identical hidden units (to demonstrate that they stay identical).
    member val AllowSymmetricUnits = false with get, set
    /// λ of an L2 penalty ½λ‖W‖² on the weights (not the biases), part of the objective for every optimizer, Newton and
    /// L-BFGS included (≥ 0; default 0). For logistic regression λ = 1 / (C·m) is scikit-learn's C.
    member val L2 = 0.0 with get, set

    /// Inverted dropout on the hidden layers' outputs during training (see <c>Nn.Layers.Dropout</c>): one rate in
    /// [0, 1) for every hidden layer, or one per hidden layer; null keeps the network's own rates. Evaluation and
    /// prediction never drop; the masks follow from <c>Seed</c> and the update count, so a run repeats bit for bit.
    member val Dropout: Collections.Generic.IReadOnlyList<float> | null = null with get, set

    /// One weight per class (≥ 0): sample i counts with weight w[yᵢ] in J = Σ wᵢLᵢ / Σ wᵢ (the convention of
    /// PyTorch's cross-entropy <c>weight=</c> and scikit-learn's <c>class_weight</c>), or null.
    member val ClassWeights: Collections.Generic.IReadOnlyList<float> | null = null with get, set

    /// Weight each class by w_c = m / (k·m_c) computed on the training data (scikit-learn's "balanced"); not together
    /// with <c>ClassWeights</c>.
    member val BalancedClassWeights = false with get, set

    /// One weight per training sample (finite, ≥ 0, not all 0), multiplied by any class weight, or null. Validation data
    /// keeps its own weights (none unless the data set has them).
    member val SampleWeights: Collections.Generic.IReadOnlyList<float> | null = null with get, set

    /// Called after every update, or null.
    member val OnStep: Action<StepReport> | null = null with get, set
    /// Called after every epoch, or null.
    member val OnEpoch: Action<EpochReport> | null = null with get, set

/// <summary>Why <c>Trainer.Fit</c> produced no network.</summary>
type TrainingFailure =
    /// The loss became NaN or ±∞ or exploded, or a parameter overflowed.
    | Diverged = 0
    /// Two hidden units are identical, so training could never separate them.
    | SymmetricHiddenUnits = 1
    /// An optimizer stage found no update (a second-order stage at its damping limit).
    | NoStep = 2

/// <summary>Raised by <c>Trainer.Fit</c> when training cannot produce a network; the message is one line.</summary>
type TrainingFailedException(failure: TrainingFailure, epoch: int, step: int, message: string) =
    inherit Exception(message)
    /// What went wrong.
    member _.Failure = failure
    /// The 1-based epoch it happened in (0 before training).
    member _.Epoch = epoch
    /// The 1-based step it happened at (0 before training).
    member _.Step = step

/// <summary>What <c>Trainer.Fit</c> returns: the trained network and what the run measured.</summary>
[<Sealed>]
type TrainingResult<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    internal (trained: Trained<'T>, loss: Loss) =
    /// The trained network (the best epoch's when early stopping restored it); the input network is untouched.
    member _.Network = trained.Network
    /// The loss it was trained with.
    member _.Loss = loss
    /// Every update, first first.
    member _.Steps: IReadOnlyList<StepReport> = [| for s in trained.History.Steps -> StepReport s |]
    /// Every epoch, first first.
    member _.Epochs: IReadOnlyList<EpochReport> = [| for e in trained.History.Epochs -> EpochReport e |]
    /// True when early stopping ended the run before the last epoch.
    member _.StoppedEarly = trained.StoppedEarly
    /// The epoch with the lowest validation loss, or null without validation data.
    member _.BestEpoch: Nullable<int> = Option.toNullable trained.BestEpoch

    /// <summary>
    /// The trained network as a <c>Model</c> ready to save: its loss, the standardisation its inputs went through, and
    /// the class names (or null).
    /// </summary>
    member this.ToModel
        (
            [<Optional; DefaultParameterValue(null: Standardization | null)>] standardization: Standardization | null,
            [<Optional; DefaultParameterValue(null: IEnumerable<string> | null)>] classNames: IEnumerable<string> | null
        ) =
        Model.Create(this.Network, loss, standardization, classNames)

/// <summary>The training engine for C#: the same one loop as the F# <c>Training.fit</c>, behind plain .NET types.</summary>
[<AbstractClass; Sealed>]
type Trainer =

    /// The loss that fits an output layer.
    static member internal LossFor(network: Network<'T>) : Loss =
        match network.OutputActivation with
        | a when a = Activation.Sigmoid && network.Outputs = 1 -> Loss.BinaryCrossEntropy
        | a when a = Activation.Softmax -> Loss.SoftmaxCrossEntropy
        | _ -> Loss.SquaredError

    static member private Run<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (network: Network<'T>, train: Dataset<'T>, validation: Dataset<'T> option, options: TrainingOptions)
        : TrainingResult<'T> =
        ArgumentNullException.ThrowIfNull network
        ArgumentNullException.ThrowIfNull options
        ArgumentNullException.ThrowIfNull options.Optimizer

        let loss =
            match options.Loss with
            | null -> Trainer.LossFor network
            | loss -> loss

        let network =
            match options.Dropout with
            | null -> network
            | rates ->
                let hidden = network.Layers.Length - 1

                match rates.Count with
                | 1 -> network.WithDropout(Array.create hidden rates[0])
                | _ -> network.WithDropout rates

        let train =
            let sampleWeights =
                match options.SampleWeights with
                | null -> None
                | w -> Some(Array.ofSeq w)

            let classWeights =
                match options.ClassWeights with
                | null when options.BalancedClassWeights -> Some(Data.balancedClassWeights train)
                | null -> None
                | _ when options.BalancedClassWeights -> invalidArg "ClassWeights" "Set ClassWeights or BalancedClassWeights, not both."
                | w -> Some(Array.ofSeq w)

            match sampleWeights, classWeights with
            | None, None -> train
            | Some w, None -> Data.withWeights w train
            | _, Some c ->
                match train.Targets with
                | Targets.Values _ -> invalidArg "ClassWeights" "Class weights need class labels, but the data has regression targets."
                | Targets.Classes(_, count) when c.Length <> count -> invalidArg "ClassWeights" $"{c.Length} class weights were given for {count} classes."
                | Targets.Classes(labels, _) ->
                    let base' =
                        match sampleWeights with
                        | Some w when w.Length <> labels.Length ->
                            invalidArg "SampleWeights" $"{w.Length} sample weights were given for {labels.Length} samples."
                        | Some w -> w
                        | None -> Array.create labels.Length 1.0

                    Data.withWeights (labels |> Seq.mapi (fun i l -> base'[i] * c[l])) train

        let config = {
            Training.defaults (options.Optimizer.For<'T>()) with
                Epochs = options.Epochs
                BatchSize = options.BatchSize
                Shuffle = options.Shuffle
                Seed = options.Seed
                Loss = loss
                L2 = options.L2
                Validation = validation
                EarlyStopping =
                    options.EarlyStopping
                    |> Option.ofObj
                    |> Option.map (fun e -> {
                        Patience = e.Patience
                        MinDelta = e.MinDelta
                        RestoreBestWeights = e.RestoreBestWeights
                    })
                AllowSymmetricUnits = options.AllowSymmetricUnits
                OnStep =
                    match options.OnStep with
                    | null -> ignore
                    | f -> fun s -> f.Invoke(StepReport s)
                OnEpoch =
                    match options.OnEpoch with
                    | null -> ignore
                    | f -> fun e -> f.Invoke(EpochReport e)
        }

        match Training.fit config network train with
        | Ok trained -> TrainingResult(trained, loss)
        | Error(Diverged d as e) -> raise (TrainingFailedException(TrainingFailure.Diverged, d.Epoch, d.Step, e.Message))
        | Error(SymmetricHiddenUnits _ as e) -> raise (TrainingFailedException(TrainingFailure.SymmetricHiddenUnits, 0, 0, e.Message))
        | Error(StepFailed(epoch, step, _) as e) -> raise (TrainingFailedException(TrainingFailure.NoStep, epoch, step, e.Message))

    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="train"/>, in the precision of the network and data (float32
    /// or float64).
    /// </summary>
    /// <exception cref="System.ArgumentException">Bad options, or data that does not fit the network or the loss.</exception>
    /// <exception cref="TrainingFailedException">Training diverged, the network has identical hidden units, or a stage found no step.</exception>
    static member Fit<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (network: Network<'T>, train: Dataset<'T>, options: TrainingOptions)
        : TrainingResult<'T> =
        Trainer.Run(network, train, None, options)

    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="train"/>, measuring <paramref name="validation"/> after every
    /// epoch (for early stopping and the best epoch).
    /// </summary>
    /// <exception cref="System.ArgumentException">Bad options, or data that does not fit the network or the loss.</exception>
    /// <exception cref="TrainingFailedException">As the other overload.</exception>
    static member Fit<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (network: Network<'T>, train: Dataset<'T>, validation: Dataset<'T>, options: TrainingOptions)
        : TrainingResult<'T> =
        ArgumentNullException.ThrowIfNull validation
        Trainer.Run(network, train, Some validation, options)

    /// <summary>
    /// Trains a classifier on <paramref name="features"/> (features × samples, one observation per column) and class
    /// labels 0 … k−1.
    /// </summary>
    /// <exception cref="System.ArgumentException">Shapes or labels that do not fit the network.</exception>
    /// <exception cref="TrainingFailedException">As the main overload.</exception>
    static member Fit<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (network: Network<'T>, features: Matrix<'T>, labels: int[], options: TrainingOptions)
        : TrainingResult<'T> =
        ArgumentNullException.ThrowIfNull network
        ArgumentNullException.ThrowIfNull labels
        let classes = if network.Outputs = 1 then 2 else network.Outputs
        let names = Seq.init features.RowCount (fun i -> $"x{i + 1}")

        let data =
            Data.create features (Targets.Classes(Collections.Immutable.ImmutableArray.Create<int> labels, classes)) names

        Trainer.Run(network, data, None, options)

    /// <summary>J of <paramref name="network"/> on <paramref name="data"/> (the loss that fits the output layer, or the one given).</summary>
    /// <exception cref="System.ArgumentException">The data does not fit the network or the loss.</exception>
    static member Loss<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (network: Network<'T>, data: Dataset<'T>, [<Optional; DefaultParameterValue(null: Loss | null)>] loss: Loss | null)
        : float =
        ArgumentNullException.ThrowIfNull network

        fst (
            Training.evaluate
                (match loss with
                 | null -> Trainer.LossFor network
                 | l -> l)
                network
                data
        )

    /// <summary>The fraction of <paramref name="data"/>'s samples <paramref name="network"/> classifies correctly.</summary>
    /// <exception cref="System.ArgumentException">The data has regression targets or does not fit the network.</exception>
    static member Accuracy<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (network: Network<'T>, data: Dataset<'T>)
        : float =
        ArgumentNullException.ThrowIfNull network

        match data.Targets with
        | Targets.Classes(labels, _) -> Metrics.accuracy (Training.predictClasses network data.Features) labels
        | Targets.Values _ -> invalidArg (nameof data) "The data has regression targets: accuracy needs class labels."

/// <summary>Data sets for C#: reading, splitting, standardising and converting (the functions of <c>Nn.Pipeline.Data</c>).</summary>
[<AbstractClass; Sealed>]
type Datasets =
    /// <summary>
    /// A classification data set from a CSV file with a header row and a column of class labels 0 … k−1 (see
    /// <c>Data.readCsv</c>).
    /// </summary>
    /// <exception cref="Nn.Data.DataFormatException">The file cannot be read as such; the message is one line naming the file, line and column.</exception>
    static member ReadCsv(path: string, [<Optional; DefaultParameterValue("label")>] labelColumn: string) : Dataset<float> =
        match Data.readCsv path labelColumn with
        | Ok data -> data
        | Error e -> raise (Nn.Data.DataFormatException e.Message)

    /// <summary>A regression data set from a CSV file with a header row and a numeric target column.</summary>
    /// <exception cref="Nn.Data.DataFormatException">As <c>ReadCsv</c>.</exception>
    static member ReadRegressionCsv(path: string, targetColumn: string) : Dataset<float> =
        match Data.readRegressionCsv path targetColumn with
        | Ok data -> data
        | Error e -> raise (Nn.Data.DataFormatException e.Message)

    /// <summary>A classification data set from one array of features per sample (rows) and one label per sample.</summary>
    /// <exception cref="System.ArgumentException">No rows, rows of different lengths, a non-finite value, or a negative label.</exception>
    static member FromRows(rows: float[][], labels: int[]) : Dataset<float> = Data.ofRows rows labels

    /// <summary>Fisher's iris data (150 samples, 4 features, 3 classes), embedded.</summary>
    static member Iris() = Data.iris ()

    /// <summary>The 8×8 handwritten digits (1,797 samples, 64 features, 10 classes), embedded.</summary>
    static member Digits() = Data.digits ()

/// <summary>Extension methods on <c>Dataset&lt;T&gt;</c> for C#.</summary>
[<AbstractClass; Sealed; Extension>]
type DatasetExtensions =
    /// <summary>
    /// (training, test) with round(testFraction · m) test samples, from a permutation seeded by <paramref name="seed"/>;
    /// stratified by class unless asked not to (regression data is never stratified).
    /// </summary>
    /// <exception cref="System.ArgumentException">The fraction is outside [0, 1) or a part would be empty.</exception>
    [<Extension>]
    static member Split<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (data: Dataset<'T>, testFraction: float, [<Optional; DefaultParameterValue(0)>] seed: int, [<Optional; DefaultParameterValue(true)>] stratified: bool)
        : struct (Dataset<'T> * Dataset<'T>) =
        let stratify =
            stratified
            && (match data.Targets with
                | Targets.Classes _ -> true
                | Targets.Values _ -> false)

        let train, test = Batching.trainTest testFraction stratify (Rng.FromSeed seed) data
        struct (train, test)

    /// <summary>The data set with its features standardised by <paramref name="standardization"/> (fitted on training data).</summary>
    /// <exception cref="System.ArgumentException">The feature count differs.</exception>
    [<Extension>]
    static member Standardize<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (data: Dataset<'T>, standardization: Standardization)
        : Dataset<'T> =
        ArgumentNullException.ThrowIfNull standardization
        Standardizer.apply standardization data

    /// <summary>The data set held in float32 (each feature rounded once).</summary>
    /// <exception cref="System.ArgumentException">A feature overflows float32.</exception>
    [<Extension>]
    static member ToFloat32(data: Dataset<float>) : Dataset<float32> = Data.convert<float32, float> data

    /// <summary>The class labels (empty for regression targets).</summary>
    [<Extension>]
    static member Labels<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (data: Dataset<'T>)
        : int[] =
        match data.Targets with
        | Targets.Classes(labels, _) -> Seq.toArray labels
        | Targets.Values _ -> [||]
