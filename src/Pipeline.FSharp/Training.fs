namespace Nn.Pipeline

open System
open System.Collections.Immutable
open System.Numerics
open System.Runtime.CompilerServices
open System.Runtime.InteropServices
open MathNet.Numerics.LinearAlgebra
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Optimization
open Nn.Training

/// <summary>Early stopping on the validation loss.</summary>
type EarlyStopping = {
    /// Stop after this many consecutive epochs without an improvement (≥ 1).
    Patience: int
    /// An epoch improves when its validation loss is below the best so far minus this (≥ 0).
    MinDelta: float
    /// Return the parameters of the best epoch instead of the last.
    RestoreBestWeights: bool
}

/// <summary>One minibatch update (a struct: the run keeps one per step without allocating).</summary>
[<Struct>]
type StepRecord = {
    /// 1-based epoch.
    Epoch: int
    /// 1-based step, counted over the whole run.
    Step: int
    /// The number of samples in the batch.
    BatchSize: int
    /// The batch cost J before the update.
    Loss: float
    /// ‖∇J‖₂ of the batch.
    GradientNorm: float
    /// α(t) of the optimizer's learning-rate schedule for this update (t = Step − 1); none when it has no learning rate.
    LearningRate: float voption
}

/// <summary>One epoch's summary (a struct: the run keeps one per epoch in its history without a heap object each).</summary>
[<Struct>]
type EpochRecord = {
    /// 1-based epoch.
    Epoch: int
    /// Steps taken so far in the run.
    Steps: int
    /// The mean loss over the epoch's samples, each batch measured before its update (the running loss Keras and
    /// PyTorch's examples report): Σ_b m_b·J_b / m.
    TrainLoss: float
    /// The fraction of the epoch's samples classified correctly by their batch's forward pass, before its update
    /// (classification), else None.
    TrainAccuracy: float option
    /// J on the validation set with the parameters at the end of the epoch, when there is one.
    ValidationLoss: float option
    /// Accuracy on the validation set (classification with validation data), else None.
    ValidationAccuracy: float option
    /// The mean of the epoch's batch gradient norms.
    GradientNorm: float
    /// α(t) of the epoch's last update; none when the optimizer has no learning rate.
    LearningRate: float voption
}

/// <summary>Everything a run measured, in order. Immutable; two histories are equal when their records are.</summary>
[<CustomEquality; NoComparison>]
type History = {
    /// Every update, first first.
    Steps: ImmutableArray<StepRecord>
    /// Every completed epoch, first first.
    Epochs: ImmutableArray<EpochRecord>
} with

    override h.Equals(other: objnull) =
        match other with
        | :? History as o ->
            Seq.forall2 (=) h.Steps o.Steps
            && h.Steps.Length = o.Steps.Length
            && Seq.toList h.Epochs = Seq.toList o.Epochs
        | _ -> false

    override h.GetHashCode() = hash (h.Steps.Length, h.Epochs.Length)

/// <summary>Where and how a run diverged.</summary>
type Divergence = {
    /// 1-based epoch.
    Epoch: int
    /// 1-based step over the run (the epoch's last step when the end-of-epoch validation loss is the problem).
    Step: int
    /// The offending loss (may be finite when a parameter overflowed or the loss exploded).
    Loss: float
    /// What happened, in words.
    Reason: string
}

/// <summary>A run that correct code can meet but that produced no model.</summary>
type TrainingError =
    /// The loss became NaN or ±∞ or exploded, or a parameter became non-finite or passed the bound (see
    /// <c>Training.fit</c>); no model is returned.
    | Diverged of Divergence
    /// Two hidden units are identical, so gradient training could never separate them (for example after zero
    /// initialisation); allow it with <c>AllowSymmetricUnits</c>.
    | SymmetricHiddenUnits of description: string
    /// An optimizer stage found no update at this epoch and step (a second-order stage whose damping reached its limit,
    /// or whose curvature was not finite).
    | StepFailed of epoch: int * step: int * failure: StepFailure

    /// The error as one line.
    member e.Message =
        match e with
        | Diverged d -> $"Training diverged at epoch {d.Epoch}, step {d.Step}: {d.Reason}. Lower the learning rate or clip gradients."
        | SymmetricHiddenUnits s ->
            $"Hidden units are identical ({s}): gradient training cannot break that symmetry. Initialise randomly, or set AllowSymmetricUnits to demonstrate it."
        | StepFailed(epoch, step, failure) -> $"Training stopped at epoch {epoch}, step {step}: {failure.Message}"

/// <summary>The result of a successful run.</summary>
type Trained<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// The trained network (the best epoch's parameters when early stopping restored them).
    Network: Network<'T>
    /// What the run measured.
    History: History
    /// The epoch with the lowest validation loss, when there was validation data.
    BestEpoch: int option
    /// True when early stopping ended the run before the last epoch.
    StoppedEarly: bool
}

/// <summary>
/// The epoch with the lowest validation loss so far, tracked whenever there is validation data (early stopping
/// reads it; <c>Trained.BestEpoch</c> reports it).
/// </summary>
type BestEpoch<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// 1-based epoch.
    Epoch: int
    /// Its validation loss (finite).
    Loss: float
    /// The parameters at the end of that epoch.
    Parameters: Parameters<'T>
    /// Completed epochs since then that did not improve on it by more than <c>MinDelta</c>.
    Waited: int
}

/// <summary>
/// Everything a run needs to continue exactly where it stands after a completed epoch: resuming from it with
/// <c>Training.resume</c> gives bit-identically the parameters and history of a run that was never interrupted.
/// Immutable: the parameter trees are frozen.
/// </summary>
type TrainingCheckpoint<'T, 'State when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// Completed epochs (≥ 0).
    Epoch: int
    /// Completed updates over the whole run (≥ 0).
    Step: int
    /// θ at the end of epoch <c>Epoch</c>.
    Parameters: Parameters<'T>
    /// The optimizer's state after update <c>Step</c> (moments, counters, …).
    OptimizerState: 'State
    /// The generator that draws the next epoch's shuffle.
    Rng: Rng
    /// Everything measured so far: <c>Step</c> step records and <c>Epoch</c> epoch records.
    History: History
    /// The best validation epoch so far (early stopping state); None without validation data or before epoch 1.
    Best: BestEpoch<'T> option
}

/// <summary>
/// A training run's settings. <c>Optimizer</c> is a finished chain (for example
/// <c>Optimizers.adam (Schedules.constant 1e-3)</c>, or <c>Lbfgs.optimizer Lbfgs.defaults</c>).
/// </summary>
type Config<'T, 'State when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// Passes over the training data (≥ 0).
    Epochs: int
    /// Samples per minibatch (≥ 1); the last batch of an epoch may be smaller. A batch size of at least the number of
    /// samples (e.g. <c>Int32.MaxValue</c>) trains on the full batch, in data order.
    BatchSize: int
    /// Draw a new order of the samples for every epoch (from the generator seeded by <c>Seed</c>); otherwise batches
    /// take the samples in data order.
    Shuffle: bool
    /// Seeds the shuffling and the dropout masks (network initialisation has its own seed): update t's masks come from
    /// the key <c>RandomKey.FromSeed(Seed).Fold(t)</c> (see <c>Nn.Layers.Dropout</c>), so they depend on the seed and the
    /// step alone and a resumed run draws the same ones.
    Seed: int
    /// The optimizer chain.
    Optimizer: Optimizer<'T, 'State>
    /// The loss J is the mean of; it must fit the output activation.
    Loss: Loss
    /// λ of an L2 penalty ½λ‖W‖² on the weights (not the biases) added to J (≥ 0; 0 for none). Unlike the
    /// <c>Transform.addL2Penalty</c> stage it is part of the objective, so every optimizer — second-order stages'
    /// curvature and line searches included — and every recorded loss sees it. For logistic regression it is
    /// scikit-learn's <c>C</c> as λ = 1 / (C·m) (m training samples).
    L2: float
    /// Data measured after every epoch, never trained on.
    Validation: Dataset<'T> option
    /// Stop on the validation loss (needs <c>Validation</c>).
    EarlyStopping: EarlyStopping option
    /// Train even with identical hidden units (to demonstrate that they stay identical).
    AllowSymmetricUnits: bool
    /// Called after every update (progress display); must not throw.
    OnStep: StepRecord -> unit
    /// Called after every epoch.
    OnEpoch: EpochRecord -> unit
    /// Called after every completed epoch (after <c>OnEpoch</c>) with the state to resume from, for example to save
    /// it with <c>Checkpoints.save</c>. Building it copies θ, the optimizer state and the history, so leave it None
    /// when no checkpoints are wanted. An exception it throws ends the run and propagates.
    OnCheckpoint: (TrainingCheckpoint<'T, 'State> -> unit) option
}

/// <summary>
/// The training engine: one fold over epochs × minibatches for every optimizer — first-order chains, second-order
/// stages and mixtures — with a seeded shuffle per epoch, an immutable history, validation, early stopping,
/// checkpoints and divergence detection. The API is pure: the caller's network and data are never touched, and the
/// same configuration, network and data give bit-identical parameters and history. Inside a call the engine owns its
/// buffers — a flat copy of θ, the gradients, every layer's values for one batch, the gathered batch and the
/// optimizer's working state — and updates them in place, so a fused chain trains without allocating per step.
/// </summary>
[<RequireQualifiedAccess>]
module Training =

    /// <summary>
    /// Defaults around an optimizer: 20 epochs, batches of 32 shuffled each epoch, seed 0, softmax cross-entropy, no
    /// validation, no early stopping, symmetric units refused, no observers and no checkpoints.
    /// </summary>
    let defaults (optimizer: Optimizer<'T, 'State>) : Config<'T, 'State> = {
        Epochs = 20
        BatchSize = 32
        Shuffle = true
        Seed = 0
        Optimizer = optimizer
        Loss = Loss.SoftmaxCrossEntropy
        L2 = 0.0
        Validation = None
        EarlyStopping = None
        AllowSymmetricUnits = false
        OnStep = ignore
        OnEpoch = ignore
        OnCheckpoint = None
    }

    /// <summary>
    /// A loss far above where a run started means it has diverged even while it is finite: a batch loss above
    /// <c>ExplosionFactor</c> · max(J₁, 1), where J₁ is the run's first batch loss, stops training.
    /// </summary>
    [<Literal>]
    let ExplosionFactor = 1e8

    /// <summary>
    /// The largest magnitude a parameter may reach, √(largest finite 'T) (≈ 1.3e154 in float64, 1.8e19 in float32):
    /// beyond it, squaring a parameter (as every loss and norm does) overflows, so training stops.
    /// </summary>
    let parameterBound<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> () =
        sqrt (
            if typeof<'T> = typeof<float32> then
                float Single.MaxValue
            else
                Double.MaxValue
        )

    /// <summary>Predicted classes of a features × samples matrix by <c>Targets.Classes</c> (arg-max, or ≥ 0.5 for one output).</summary>
    /// <exception cref="System.ArgumentException">The feature count differs from the network's inputs.</exception>
    let predictClasses (network: Network<'T>) (features: Matrix<'T>) : int[] =
        Targets.Classes(Propagation.Predict(network, features))

    // The cost (Σ L / m, or Σ wᵢLᵢ / Σ wᵢ with sample weights; summed in float64 over chunks of the workspace's
    // capacity) and the number of correct class decisions of the workspace's current parameters on a whole data set.
    [<MethodImpl(MethodImplOptions.AggressiveOptimization)>]
    let private measure (workspace: Workspace<'T>) (x: 'T[]) (y: 'T[]) (weights: 'T[]) (samples: int) (classify: bool) =
        let inputs, outputs = workspace.Inputs, workspace.Outputs
        let mutable total = 0.0
        let mutable correct = 0
        let mutable start = 0

        while start < samples do
            let m = min workspace.Capacity (samples - start)
            let ys = ReadOnlySpan(y, start * outputs, m * outputs)

            let ws =
                if weights.Length = 0 then
                    ReadOnlySpan<'T>.Empty
                else
                    ReadOnlySpan(weights, start, m)

            total <-
                total
                + Double.CreateTruncating(workspace.TotalLoss(ReadOnlySpan(x, start * inputs, m * inputs), ys, m, ws))

            if classify then
                correct <- correct + workspace.CountCorrect(ys, m)

            start <- start + m

        let sum =
            if weights.Length = 0 then
                float samples
            else
                weights |> Array.sumBy (fun w -> Double.CreateTruncating w)

        total / sum, correct

    // A data set's sample weights in precision 'T (empty for none).
    let private weightsOf (data: Dataset<'T>) : 'T[] =
        data.Weights |> Seq.map (fun w -> 'T.CreateTruncating w) |> Array.ofSeq

    let private isClassification (data: Dataset<'T>) =
        match data.Targets with
        | Targets.Classes _ -> true
        | Targets.Values _ -> false

    /// <summary>
    /// The cost J = (1/m)·Σ L of the network on a data set (the weighted mean when the data set has sample weights),
    /// and its accuracy for class labels (None for regression; unweighted).
    /// It runs in chunks of at most 1,024 samples, so memory is bounded by the network and one chunk. A non-finite
    /// result means the network has diverged.
    /// </summary>
    /// <exception cref="System.ArgumentException">The data does not fit the network or the loss.</exception>
    let evaluate (loss: Loss) (network: Network<'T>) (data: Dataset<'T>) : float * float option =
        loss.CheckOutputActivation network.OutputActivation

        if data.FeatureCount <> network.Inputs then
            invalidArg (nameof data) $"The data has {data.FeatureCount} features but the network has {network.Inputs} inputs."

        let y = Data.targetMatrix<'T, 'T> network.Outputs data
        loss.CheckTargets<'T>(ReadOnlySpan(Dense.Data y), network.Outputs, "targets")
        let workspace = Workspace<'T>(network, loss, min 1024 data.Samples)
        let classify = isClassification data

        let cost, correct =
            measure workspace (Dense.Data data.Features) (Dense.Data y) (weightsOf data) data.Samples classify

        cost,
        (if classify then
             Some(float correct / float data.Samples)
         else
             None)

    let private check (config: Config<'T, 'State>) (network: Network<'T>) (train: Dataset<'T>) =
        if config.Epochs < 0 then
            raise (ArgumentOutOfRangeException("Epochs", config.Epochs, $"Epochs must be non-negative but is {config.Epochs}."))

        if config.BatchSize <= 0 then
            raise (ArgumentOutOfRangeException("BatchSize", config.BatchSize, $"BatchSize must be positive but is {config.BatchSize}."))

        if not (Double.IsFinite config.L2 && config.L2 >= 0.0) then
            raise (ArgumentOutOfRangeException("L2", config.L2, $"L2 must be non-negative and finite but is {config.L2}."))

        if train.FeatureCount <> network.Inputs then
            invalidArg (nameof train) $"The training data has {train.FeatureCount} features but the network has {network.Inputs} inputs."

        config.Validation
        |> Option.iter (fun v ->
            if v.FeatureCount <> network.Inputs then
                invalidArg "Validation" $"The validation data has {v.FeatureCount} features but the network has {network.Inputs} inputs.")

        match config.EarlyStopping with
        | Some stop when config.Validation.IsNone ->
            invalidArg "EarlyStopping" $"Early stopping (patience {stop.Patience}) watches the validation loss: set Validation too."
        | Some stop when stop.Patience < 1 || not (stop.MinDelta >= 0.0) ->
            invalidArg "EarlyStopping" $"Patience must be at least 1 and MinDelta non-negative, but they are {stop.Patience} and {stop.MinDelta}."
        | _ -> ()

        config.Loss.CheckOutputActivation network.OutputActivation

    // The targets of a data set as the network's output rows, checked against the loss once.
    let private targetsOf (loss: Loss) (network: Network<'T>) (data: Dataset<'T>) (name: string) =
        let y = Data.targetMatrix<'T, 'T> network.Outputs data
        loss.CheckTargets<'T>(ReadOnlySpan(Dense.Data y), network.Outputs, name)
        y

    /// Where a run starts: a fresh start or a checkpoint.
    type private Start<'T, 'State when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
        Epoch: int
        Step: int
        Parameters: Parameters<'T>
        State: 'State
        Rng: Rng
        History: History
        Best: BestEpoch<'T> option
    }

    /// The loop's counters and early-stopping record, mutated in place by the one loop that owns them.
    [<Sealed; AllowNullLiteral>]
    type private Progress(epoch: int, step: int, rng: Rng, firstLoss: float) =
        member val Epoch = epoch with get, set
        member val Step = step with get, set
        member val Rng = rng with get, set
        member val FirstLoss = firstLoss with get, set
        member val Failure: TrainingError option = None with get, set
        /// The best validation epoch (0: none yet), its loss and the epochs waited since.
        member val BestEpoch = 0 with get, set
        member val BestLoss = nan with get, set
        member val Waited = 0 with get, set
        /// The epoch so far: Σ m_b·J_b, Σ ‖∇J_b‖ and correct class decisions.
        member val LossSum = 0.0 with get, set
        member val NormSum = 0.0 with get, set
        member val Correct = 0 with get, set

    /// The optimizer as the engine runs it: fused over the workspace's buffers, or through the pure Update.
    [<NoComparison; NoEquality>]
    type private Stepper<'T, 'State when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> =
        | FusedStepper of fused: Fused<'T, 'State> * working: objnull * buffers: FusedStep<'T>
        | PureStepper of state: 'State ref

    /// <summary>
    /// The one loop: epochs start.Epoch + 1 … Epochs from a start, unless early stopping or a failure ends it.
    /// </summary>
    // Compiled fully optimised on first use: its loops would otherwise start unoptimised and be replaced mid-run
    // (on-stack replacement), and a training run should be at full speed from its first epoch.
    [<MethodImpl(MethodImplOptions.AggressiveOptimization)>]
    let private run (config: Config<'T, 'State>) (network: Network<'T>) (train: Dataset<'T>) (start: Start<'T, 'State>) : Result<Trained<'T>, TrainingError> =
        let samples = train.Samples
        let capacity = min config.BatchSize samples
        let full = config.BatchSize >= samples
        let loss = config.Loss
        let yTrain = targetsOf loss network train "the training targets"
        let x, y = Dense.Data train.Features, Dense.Data yTrain
        let inputs, outputs = network.Inputs, network.Outputs

        let workspace =
            Workspace<'T>(network.WithParameters start.Parameters, loss, capacity)

        let theta, gradients = workspace.Parameters, workspace.Gradients
        let parameterStep = ParameterStep<'T>(theta, gradients, workspace.Offsets.ToArray())
        // Dropout: every update's masks from the run's key folded with the update's number (1-based).
        let dropoutKey = RandomKey.FromSeed config.Seed
        let hasDropout = network.HasDropout
        let offsets = workspace.Offsets.ToArray()
        let classify = isClassification train
        let schedule = config.Optimizer.LearningRate
        let bound = parameterBound<'T>()

        let validation =
            config.Validation
            |> Option.map (fun v ->
                Dense.Data v.Features, Dense.Data(targetsOf loss network v "the validation targets"), weightsOf v, v.Samples, isClassification v)

        // Sample weights: the training set's, and a buffer for a shuffled batch's.
        let wTrain = weightsOf train
        let batchWeights = Array.zeroCreate<'T>(if wTrain.Length = 0 then 0 else capacity)

        let weightsVector (data: 'T[]) (offset: int) (m: int) =
            if data.Length = 0 then
                None
            else
                Some(Dense.Vector(data.AsSpan(offset, m).ToArray()))

        let stepper =
            match config.Optimizer.Fused with
            | Some fused -> FusedStepper(fused, fused.Thaw start.State, FusedStep(gradients, theta, offsets))
            | None -> PureStepper(ref start.State)

        let stepsPerEpoch = (samples + capacity - 1) / capacity
        let totalSteps = start.Step + max 0 (config.Epochs - start.Epoch) * stepsPerEpoch
        // Every element below progress.Step is written before it is read or handed out, so the buffer need not be zeroed.
        let steps = RecordBuffers.Allocate<StepRecord> totalSteps
        start.History.Steps.CopyTo(steps)

        let epochs =
            ImmutableArray.CreateBuilder<EpochRecord>(start.History.Epochs.Length + max 0 (config.Epochs - start.Epoch))

        epochs.AddRange start.History.Epochs
        let order = Array.init samples id

        // Some(correct / samples), shared between the epochs that count the same number of correct decisions when the
        // data set is small (an option is immutable, so sharing it is safe): a run of many short epochs then allocates
        // nothing per epoch.
        let accuracies =
            Array.zeroCreate<float option>(if classify && samples <= 4096 then samples + 1 else 0)

        let accuracyOf (correct: int) =
            if correct < accuracies.Length then
                match accuracies[correct] with
                | Some _ as known -> known
                | None ->
                    let made = Some(float correct / float samples)
                    accuracies[correct] <- made
                    made
            else
                Some(float correct / float samples)

        let progress =
            Progress(start.Epoch, start.Step, start.Rng, (if start.Step > 0 then steps[0].Loss else nan))

        // The best validation epoch's parameters, held flat (copied in place when it improves).
        let bestTheta = Array.zeroCreate<'T>(if validation.IsSome then theta.Length else 0)

        start.Best
        |> Option.iter (fun b ->
            Workspace<'T>.Flatten(b.Parameters, Span bestTheta)
            progress.BestEpoch <- b.Epoch
            progress.BestLoss <- b.Loss
            progress.Waited <- b.Waited)

        let minDelta =
            config.EarlyStopping
            |> Option.map (fun s -> s.MinDelta)
            |> Option.defaultValue 0.0

        let diverged step loss reason =
            progress.Failure <-
                Some(
                    Diverged {
                        Epoch = progress.Epoch
                        Step = step
                        Loss = loss
                        Reason = reason
                    }
                )

        // A copy of the records so far (the run goes on writing its buffers).
        let frozenHistory () = {
            Steps = ImmutableArray.Create(steps, 0, progress.Step)
            Epochs = epochs.ToImmutable()
        }

        // The records at the end of the run: a buffer that is exactly full is handed over without a copy (nothing writes
        // to it any more).
        let finalHistory () = {
            Steps =
                if progress.Step = steps.Length then
                    ImmutableCollectionsMarshal.AsImmutableArray steps
                else
                    ImmutableArray.Create(steps, 0, progress.Step)
            Epochs =
                if epochs.Count = epochs.Capacity then
                    epochs.MoveToImmutable()
                else
                    epochs.ToImmutable()
        }

        let bestRecord () =
            if progress.BestEpoch = 0 then
                None
            else
                Some {
                    BestEpoch.Epoch = progress.BestEpoch
                    Loss = progress.BestLoss
                    Parameters = workspace.Tree(ReadOnlySpan bestTheta)
                    Waited = progress.Waited
                }

        // Early stopping is decided from the state alone, so a run resumed from the epoch that triggered it stops too.
        let stopNow () =
            match config.EarlyStopping with
            | Some stop -> progress.BestEpoch > 0 && progress.Waited >= stop.Patience
            | None -> false

        let learningRate step =
            match schedule with
            | Some s -> ValueSome(s (max 0 (step - 1)))
            | None -> ValueNone

        // One update on the batch already in place: J and ∇J, the optimizer, θ ← θ + u, the checks and the record.
        // (A closure of at most five arguments: F# calls longer ones through an allocated partial application.)
        let update (gathered: bool) (first: int) (m: int) =
            // (Separate bindings, not tuples: a tuple here would be allocated every step.)
            let xs = if gathered then workspace.BatchInputs else x
            let xOffset = if gathered then 0 else first * inputs
            let ys = if gathered then workspace.BatchTargets else y
            let yOffset = if gathered then 0 else first * outputs
            let ws = if gathered then batchWeights else wTrain
            let wOffset = if gathered then 0 else first

            let batchWeightsSpan =
                if ws.Length = 0 then
                    ReadOnlySpan<'T>.Empty
                else
                    ReadOnlySpan(ws, wOffset, m)

            // Only a network with dropout reads the step's key.
            let stepKey =
                if hasDropout then
                    dropoutKey.Fold(uint64 (progress.Step + 1))
                else
                    RandomKey()

            let dataCost =
                Double.CreateTruncating(
                    workspace.CostAndGradients(ReadOnlySpan(xs, xOffset, m * inputs), ReadOnlySpan(ys, yOffset, m * outputs), m, batchWeightsSpan, stepKey)
                )

            let cost =
                if config.L2 > 0.0 then
                    dataCost + workspace.AddL2 config.L2
                else
                    dataCost

            let step = progress.Step + 1
            progress.Step <- step

            if step = 1 then
                progress.FirstLoss <- cost

            if not (Double.IsFinite cost) then
                diverged step cost $"the batch loss is {cost}"
            elif cost > ExplosionFactor * max progress.FirstLoss 1.0 then
                diverged step cost $"the batch loss {cost:G4} exploded to more than {ExplosionFactor:G1} times the first batch's {progress.FirstLoss:G4}"
            else
                if classify then
                    progress.Correct <-
                        progress.Correct
                        + workspace.CountCorrect(ReadOnlySpan(ys, yOffset, m * outputs), m)

                // ‖∇J‖₂: a fused chain that leaves the gradient as it is (only scaling it, deferred) has it taken
                // alongside the update, on another core; otherwise it is taken before the first stage changes it.
                let mutable norm = 0.0
                let mutable normWithUpdate = false

                // The factor a fused chain still owes its updates (its last scaling), folded into θ ← θ + c·u.
                let mutable owed = 1.0

                match stepper with
                | FusedStepper(fused, working, buffers) ->
                    buffers.OweNorm()
                    fused.Apply working buffers
                    let struct (_, factor) = buffers.TakeScaled()
                    owed <- factor

                    match buffers.TakeNorm() with
                    | ValueSome n -> norm <- Double.CreateTruncating n
                    | ValueNone -> normWithUpdate <- true
                | PureStepper state ->
                    norm <- Double.CreateTruncating(workspace.Norm(ReadOnlySpan gradients))

                    // The whole data set when the batch is the full batch; otherwise a copy of the batch.
                    let batchMatrix (data: 'T[]) (offset: int) (rows: int) (whole: Matrix<'T>) =
                        if full then
                            whole
                        else
                            Dense.Matrix(rows, m, data.AsSpan(offset, rows * m).ToArray())

                    let context =
                        Context.ofGradient
                            loss
                            (network.WithParameters(workspace.Tree(ReadOnlySpan theta)))
                            (batchMatrix xs xOffset inputs train.Features)
                            (batchMatrix ys yOffset outputs yTrain)
                            (weightsVector ws wOffset m)
                            (if hasDropout then ValueSome stepKey else ValueNone)
                            config.L2
                            (step - 1)
                            cost
                            (workspace.Tree(ReadOnlySpan gradients))

                    match config.Optimizer.Update context.Gradient state.Value context with
                    | Ok(updates, next) ->
                        Workspace<'T>.Flatten(updates, Span gradients)
                        state.Value <- next
                    | Error e -> progress.Failure <- Some(StepFailed(progress.Epoch, step, e))

                if progress.Failure.IsNone then
                    let mutable taken = 'T.Zero

                    let magnitude =
                        Double.CreateTruncating(parameterStep.Apply(owed, normWithUpdate, &taken))

                    if normWithUpdate then
                        norm <- Double.CreateTruncating taken

                    if Double.IsNaN magnitude || Double.IsInfinity magnitude then
                        diverged step cost "a parameter became non-finite"
                    elif magnitude > bound then
                        diverged step cost $"a parameter reached {magnitude:G4}, past the bound {bound:G4} (the square root of the largest {typeof<'T>.Name})"
                    else
                        let record = {
                            Epoch = progress.Epoch
                            Step = step
                            BatchSize = m
                            Loss = cost
                            GradientNorm = norm
                            LearningRate = learningRate step
                        }

                        steps[step - 1] <- record
                        progress.LossSum <- progress.LossSum + cost * float m
                        progress.NormSum <- progress.NormSum + norm
                        config.OnStep record

        // The end of an epoch: validation, the record, observers, the best epoch and the checkpoint.
        let finishEpoch () =
            let measured =
                validation
                |> Option.map (fun (vx, vy, vw, count, vClassify) ->
                    let cost, right = measure workspace vx vy vw count vClassify
                    cost, (if vClassify then Some(float right / float count) else None))

            match measured with
            | Some(v, _) when not (Double.IsFinite v) -> diverged progress.Step v $"the validation loss is {v}"
            | _ ->
                let record = {
                    Epoch = progress.Epoch
                    Steps = progress.Step
                    TrainLoss = progress.LossSum / float samples
                    TrainAccuracy = if classify then accuracyOf progress.Correct else None
                    ValidationLoss = measured |> Option.map fst
                    ValidationAccuracy = measured |> Option.bind snd
                    GradientNorm = progress.NormSum / float stepsPerEpoch
                    // The epoch's last update's rate, as its step record holds it.
                    LearningRate = steps[progress.Step - 1].LearningRate
                }

                epochs.Add record
                config.OnEpoch record

                match measured with
                | Some(v, _) when progress.BestEpoch > 0 && not (v < progress.BestLoss - minDelta) -> progress.Waited <- progress.Waited + 1
                | Some(v, _) ->
                    Array.blit theta 0 bestTheta 0 theta.Length
                    progress.BestEpoch <- progress.Epoch
                    progress.BestLoss <- v
                    progress.Waited <- 0
                | None -> ()

                config.OnCheckpoint
                |> Option.iter (fun save ->
                    let parameters = workspace.Tree(ReadOnlySpan theta)

                    save {
                        Epoch = progress.Epoch
                        Step = progress.Step
                        Parameters = parameters
                        OptimizerState =
                            match stepper with
                            | FusedStepper(fused, working, _) -> fused.Freeze working parameters
                            | PureStepper state -> state.Value
                        Rng = progress.Rng
                        History = frozenHistory ()
                        Best = bestRecord ()
                    })

        let mutable stoppedEarly = stopNow ()

        while progress.Failure.IsNone && not stoppedEarly && progress.Epoch < config.Epochs do
            progress.Epoch <- progress.Epoch + 1
            // Unshuffled batches are contiguous columns of the data and are read in place; shuffled ones are gathered.
            let gathered = not full && config.Shuffle

            if gathered then
                for i in 0 .. samples - 1 do
                    order[i] <- i

                progress.Rng <- Permutation.Shuffle(Span order, progress.Rng)

            progress.LossSum <- 0.0
            progress.NormSum <- 0.0
            progress.Correct <- 0
            let mutable batch = 0

            while progress.Failure.IsNone && batch < stepsPerEpoch do
                let first = batch * capacity
                let m = min capacity (samples - first)

                if gathered then
                    let columns = ReadOnlySpan(order, first, m)

                    // The inputs may have been gathered during the previous step's pass (GatherAlongside).
                    if not (workspace.TakeGathered()) then
                        ColumnGather.Gather<'T>(ReadOnlySpan x, inputs, columns, Span workspace.BatchInputs)

                    ColumnGather.Gather<'T>(ReadOnlySpan y, outputs, columns, Span workspace.BatchTargets)

                    if wTrain.Length > 0 then
                        ColumnGather.Gather<'T>(ReadOnlySpan wTrain, 1, columns, Span batchWeights)

                    if batch + 1 < stepsPerEpoch then
                        let next = first + capacity
                        workspace.GatherAlongside(x, order, next, min capacity (samples - next))

                    update true first m
                else
                    update false first m

                batch <- batch + 1

            if progress.Failure.IsNone then
                finishEpoch ()
                stoppedEarly <- stopNow ()

        match progress.Failure with
        | Some e -> Error e
        | None ->
            let restore =
                match config.EarlyStopping with
                | Some stop -> stop.RestoreBestWeights && progress.BestEpoch > 0
                | None -> false

            Ok {
                Network =
                    if restore then
                        workspace.ToNetwork(ReadOnlySpan bestTheta)
                    else
                        workspace.ToNetwork()
                History = finalHistory ()
                BestEpoch =
                    if progress.BestEpoch > 0 then
                        Some progress.BestEpoch
                    else
                        None
                StoppedEarly = stoppedEarly
            }

    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="train"/>. Each epoch cuts the samples into minibatches of
    /// <c>BatchSize</c> — in a fresh random order per epoch (the identity permuted by <c>Permutation.Shuffle</c> with
    /// the run's generator) when <c>Shuffle</c> is set and the batch is smaller than the data, else in data order —
    /// every sample exactly once, the last batch possibly smaller. For each batch it computes J and ∇J, runs the
    /// optimizer (<c>Update g s ctx</c>, or its fused kernel) and sets θ ← θ + u. After each epoch it measures the
    /// validation loss and accuracy, calls <c>OnEpoch</c> and <c>OnCheckpoint</c>, and applies early stopping.
    /// </summary>
    /// <remarks>
    /// <para>Divergence: the run stops with <c>Diverged</c> when a batch loss is NaN or ±∞, when it exceeds
    /// <c>ExplosionFactor</c> · max(J₁, 1) (J₁ the first batch loss), when a parameter becomes non-finite or its
    /// magnitude passes <c>parameterBound</c>, or when the validation loss is not finite. No model is returned then.</para>
    /// <para>Cost: a chain whose stages all have fused kernels allocates nothing per step; otherwise each step copies
    /// θ, ∇J and the updates into trees for the pure <c>Update</c> (and, for minibatches, the batch, so second-order
    /// stages can evaluate it).</para>
    /// </remarks>
    /// <returns>
    /// <c>Ok</c> with the trained network and history, or <c>Error</c>: <c>Diverged</c>, <c>StepFailed</c> (a stage
    /// found no update) or <c>SymmetricHiddenUnits</c>. The input network and data are not modified.
    /// </returns>
    /// <exception cref="System.ArgumentException">Bad settings (see <c>Config</c>), or data that does not fit the network or the loss.</exception>
    let fit (config: Config<'T, 'State>) (network: Network<'T>) (train: Dataset<'T>) : Result<Trained<'T>, TrainingError> =
        check config network train

        match network.FindSymmetricHiddenUnits() with
        | null -> Ok()
        | description when not config.AllowSymmetricUnits -> Error(SymmetricHiddenUnits description)
        | _ -> Ok()
        |> Result.bind (fun () ->
            let parameters = network.Parameters

            run config network train {
                Epoch = 0
                Step = 0
                Parameters = parameters
                State = config.Optimizer.Init parameters
                Rng = Rng.FromSeed config.Seed
                History = {
                    Steps = ImmutableArray.Empty
                    Epochs = ImmutableArray.Empty
                }
                Best = None
            })

    let private checkResume (config: Config<'T, 'State>) (network: Network<'T>) (checkpoint: TrainingCheckpoint<'T, 'State>) =
        let shape name (parameters: Parameters<'T>) =
            try
                network.Parameters.CheckSameShape parameters
            with :? ArgumentException as e ->
                invalidArg (nameof checkpoint) $"The checkpoint's {name} do not fit the network: {e.Message}"

        shape "parameters" checkpoint.Parameters

        if checkpoint.Epoch < 0 || checkpoint.Step < 0 then
            invalidArg (nameof checkpoint) $"The checkpoint's epoch {checkpoint.Epoch} and step {checkpoint.Step} must be non-negative."

        if checkpoint.Epoch > config.Epochs then
            invalidArg (nameof checkpoint) $"The checkpoint has completed {checkpoint.Epoch} epochs but the run has only {config.Epochs}."

        if
            checkpoint.History.Epochs.Length <> checkpoint.Epoch
            || checkpoint.History.Steps.Length <> checkpoint.Step
        then
            invalidArg
                (nameof checkpoint)
                $"The checkpoint is at epoch {checkpoint.Epoch}, step {checkpoint.Step}, but its history has {checkpoint.History.Epochs.Length} epochs and {checkpoint.History.Steps.Length} steps."

        match config.Validation, checkpoint.Best with
        | None, Some _ -> invalidArg (nameof checkpoint) "The checkpoint tracks a best validation epoch but the run has no Validation data."
        | Some _, None when checkpoint.Epoch > 0 ->
            invalidArg (nameof checkpoint) $"The run has Validation data but the checkpoint, after {checkpoint.Epoch} epochs, tracks no best validation epoch."
        | _, Some b -> shape $"best parameters (epoch {b.Epoch})" b.Parameters
        | _ -> ()

    /// <summary>
    /// Continues a run from <paramref name="checkpoint"/> (as passed to <c>OnCheckpoint</c>, possibly through a file):
    /// epochs checkpoint.Epoch + 1 … Epochs with the checkpoint's parameters, optimizer state, generator, step count,
    /// history and best validation epoch, so that with the same configuration, network and data the result equals an
    /// uninterrupted <c>fit</c> bit for bit. Early stopping is carried: a checkpoint of the epoch that triggered it
    /// finishes at once with <c>StoppedEarly</c>. The initial symmetry check of <c>fit</c> is not repeated (it
    /// concerns the initialisation, which the checkpoint has left behind).
    /// </summary>
    /// <param name="config">The run's settings: the same as the interrupted run's, except possibly the observers.</param>
    /// <param name="network">The architecture; its parameters are replaced by the checkpoint's.</param>
    /// <param name="train">The same training data as the interrupted run.</param>
    /// <param name="checkpoint">Where to continue from.</param>
    /// <returns>As <c>fit</c>; the history includes the checkpoint's.</returns>
    /// <exception cref="System.ArgumentException">
    /// As <c>fit</c>, or the checkpoint does not fit: its parameter shapes differ from the network's, it has completed more
    /// epochs than <c>Epochs</c>, its history does not match its counters, or it tracks a best validation epoch exactly
    /// when the run has no validation data.
    /// </exception>
    let resume
        (config: Config<'T, 'State>)
        (network: Network<'T>)
        (train: Dataset<'T>)
        (checkpoint: TrainingCheckpoint<'T, 'State>)
        : Result<Trained<'T>, TrainingError> =
        check config network train
        checkResume config network checkpoint

        run config network train {
            Epoch = checkpoint.Epoch
            Step = checkpoint.Step
            Parameters = checkpoint.Parameters
            State = checkpoint.OptimizerState
            Rng = checkpoint.Rng
            History = checkpoint.History
            Best = checkpoint.Best
        }
