namespace Nn.Pipeline

open System
open MathNet.Numerics.LinearAlgebra
open Nn.Initialization
open Nn.Layers
open Nn.Losses

/// <summary>Early stopping on the validation loss.</summary>
type EarlyStopping = {
    /// Stop after this many consecutive epochs without an improvement (≥ 1).
    Patience: int
    /// An epoch improves when its validation loss is below the best so far minus this (≥ 0).
    MinDelta: float
    /// Return the parameters of the best epoch instead of the last.
    RestoreBestWeights: bool
}

/// <summary>One minibatch update.</summary>
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
    /// α(t) of the learning-rate schedule for this update (t = Step − 1).
    LearningRate: float
}

/// <summary>One epoch's summary, measured with the parameters at the end of the epoch.</summary>
type EpochRecord = {
    /// 1-based epoch.
    Epoch: int
    /// Steps taken so far in the run.
    Steps: int
    /// J on the whole training set.
    TrainLoss: float
    /// Accuracy on the training set (classification), else None.
    TrainAccuracy: float option
    /// J on the validation set, when there is one.
    ValidationLoss: float option
    /// Accuracy on the validation set (classification with validation data), else None.
    ValidationAccuracy: float option
    /// The mean of the epoch's batch gradient norms.
    GradientNorm: float
    /// α(t) of the epoch's last update.
    LearningRate: float
}

/// <summary>Everything a run measured, in order. Immutable.</summary>
type History = {
    /// Every update, first first.
    Steps: StepRecord list
    /// Every completed epoch, first first.
    Epochs: EpochRecord list
}

/// <summary>Where and how a run diverged.</summary>
type Divergence = {
    /// 1-based epoch.
    Epoch: int
    /// 1-based step over the run (the last step of the epoch when the end-of-epoch loss is the problem).
    Step: int
    /// The offending loss (may be finite when a parameter overflowed).
    Loss: float
    /// What was non-finite.
    Reason: string
}

/// <summary>A run that correct code can meet but that produced no model.</summary>
type TrainingError =
    /// A loss or a parameter became NaN or ±∞; no model is returned.
    | Diverged of Divergence
    /// Two hidden units are identical, so gradient training could never separate them (for example after zero
    /// initialisation); allow it with <c>AllowSymmetricUnits</c>.
    | SymmetricHiddenUnits of description: string

    /// The error as one line.
    member e.Message =
        match e with
        | Diverged d -> $"Training diverged at epoch {d.Epoch}, step {d.Step}: {d.Reason} (loss {d.Loss}). Lower the learning rate or clip gradients."
        | SymmetricHiddenUnits s ->
            $"Hidden units are identical ({s}): gradient training cannot break that symmetry. Initialise randomly, or set AllowSymmetricUnits to demonstrate it."

/// <summary>The result of a successful run.</summary>
type Trained = {
    /// The trained network (the best epoch's parameters when early stopping restored them).
    Network: Network<float>
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
type BestEpoch = {
    /// 1-based epoch.
    Epoch: int
    /// Its validation loss (finite).
    Loss: float
    /// The parameters at the end of that epoch.
    Parameters: Parameters<float>
    /// Completed epochs since then that did not improve on it by more than <c>MinDelta</c>.
    Waited: int
}

/// <summary>
/// Everything a run needs to continue exactly where it stands after a completed epoch: resuming from it with
/// <c>Training.resume</c> gives bit-identically the parameters and history of a run that was never interrupted.
/// Immutable: the parameter trees are frozen.
/// </summary>
type TrainingCheckpoint<'State> = {
    /// Completed epochs (≥ 0).
    Epoch: int
    /// Completed updates over the whole run (≥ 0); the next update is number Step + 1 and uses α(Step).
    Step: int
    /// θ at the end of epoch <c>Epoch</c>.
    Parameters: Parameters<float>
    /// The optimizer's state after update <c>Step</c> (moments, counters, …).
    OptimizerState: 'State
    /// The generator that draws the next epoch's shuffle.
    Rng: Rng
    /// Everything measured so far: <c>Step</c> step records and <c>Epoch</c> epoch records.
    History: History
    /// The best validation epoch so far (early stopping state); None without validation data or before epoch 1.
    Best: BestEpoch option
}

/// <summary>
/// A training run's settings. <c>Optimizer</c> is a recipe awaiting its learning rate (for example
/// <c>Optimizers.adam</c> or <c>Optimizers.momentum 0.9</c>); the run applies it to <c>LearningRate</c>, which is
/// also what the history records.
/// </summary>
type Config<'State> = {
    /// Passes over the training data (≥ 0).
    Epochs: int
    /// Samples per minibatch (≥ 1); the last batch of an epoch may be smaller.
    BatchSize: int
    /// Seeds the shuffling (network initialisation has its own seed).
    Seed: int
    /// The optimizer recipe, given the learning rate.
    Optimizer: Schedule -> Optimizer<'State>
    /// α(t).
    LearningRate: Schedule
    /// The loss J is the mean of; it must fit the output activation.
    Loss: Loss
    /// Data measured after every epoch, never trained on.
    Validation: Dataset option
    /// Stop on the validation loss (needs <c>Validation</c>).
    EarlyStopping: EarlyStopping option
    /// Train even with identical hidden units (to demonstrate that they stay identical).
    AllowSymmetricUnits: bool
    /// Called after every update (progress display); must not throw.
    OnStep: StepRecord -> unit
    /// Called after every epoch.
    OnEpoch: EpochRecord -> unit
    /// Called after every completed epoch (after <c>OnEpoch</c>) with the state to resume from, for example to
    /// save it with <c>Checkpoints.save</c>. An exception it throws ends the run and propagates.
    OnCheckpoint: TrainingCheckpoint<'State> -> unit
}

/// <summary>
/// Training as a fold over epochs × minibatches: (θ, optimizer state) → batch → (θ, optimizer state), with a seeded
/// shuffle per epoch, an immutable history, early stopping and divergence detection. The same configuration,
/// network and data give bit-identical parameters and history.
/// </summary>
[<RequireQualifiedAccess>]
module Training =

    /// <summary>
    /// Defaults around an optimizer recipe: 20 epochs, batches of 32, seed 0, α = 1e-3 constant, softmax
    /// cross-entropy, no validation, no early stopping, symmetric units refused, no observers and no checkpoints.
    /// </summary>
    let defaults (optimizer: Schedule -> Optimizer<'State>) : Config<'State> = {
        Epochs = 20
        BatchSize = 32
        Seed = 0
        Optimizer = optimizer
        LearningRate = Schedules.constant 1e-3
        Loss = Loss.SoftmaxCrossEntropy
        Validation = None
        EarlyStopping = None
        AllowSymmetricUnits = false
        OnStep = ignore
        OnEpoch = ignore
        OnCheckpoint = ignore
    }

    /// <summary>
    /// Predicted classes: the arg-max of each output column, or for a single output unit, 1 when ŷ ≥ 0.5 else 0.
    /// </summary>
    /// <exception cref="System.ArgumentException">The feature count differs from the network's inputs.</exception>
    let predictClasses (network: Network<float>) (features: Matrix<float>) : int[] =
        let output = Propagation.Predict(network, features)

        if output.RowCount = 1 then
            Array.init output.ColumnCount (fun j -> if output[0, j] >= 0.5 then 1 else 0)
        else
            Targets.ArgMax output

    /// <summary>
    /// The cost J = (1/m)·Σ L of the network on a data set, and its accuracy for class labels (None for regression).
    /// A non-finite result means the network has diverged.
    /// </summary>
    /// <exception cref="System.ArgumentException">The data does not fit the network or the loss.</exception>
    let evaluate (loss: Loss) (network: Network<float>) (data: Dataset) : float * float option =
        let trace = Propagation.Forward(network, data.Features)

        let cost =
            Propagation.Cost(network, trace, Data.targetMatrix network.Outputs data, loss)

        let accuracy =
            match data.Targets with
            | Targets.Classes(labels, _) ->
                let predicted =
                    if trace.Output.RowCount = 1 then
                        Array.init trace.Samples (fun j -> if trace.Output[0, j] >= 0.5 then 1 else 0)
                    else
                        Targets.ArgMax trace.Output

                Some(Metrics.accuracy predicted labels)
            | Targets.Values _ -> None

        cost, accuracy

    let private check (config: Config<'State>) (network: Network<float>) (train: Dataset) =
        if config.Epochs < 0 then
            raise (ArgumentOutOfRangeException("Epochs", config.Epochs, $"Epochs must be non-negative but is {config.Epochs}."))

        if config.BatchSize <= 0 then
            raise (ArgumentOutOfRangeException("BatchSize", config.BatchSize, $"BatchSize must be positive but is {config.BatchSize}."))

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


    /// Where the fold stands between epochs; the history lists are kept newest first.
    type private Progress<'State> = {
        Epoch: int
        Step: int
        Parameters: Parameters<float>
        State: 'State
        Rng: Rng
        Steps: StepRecord list
        Epochs: EpochRecord list
        Best: BestEpoch option
    }

    let private checkpointOf (p: Progress<'State>) : TrainingCheckpoint<'State> = {
        Epoch = p.Epoch
        Step = p.Step
        Parameters = p.Parameters
        OptimizerState = p.State
        Rng = p.Rng
        History = {
            Steps = List.rev p.Steps
            Epochs = List.rev p.Epochs
        }
        Best = p.Best
    }

    /// The fold from a given point to the end of the run: epochs p.Epoch + 1 … Epochs, unless early stopping ends it.
    let private run (config: Config<'State>) (optimizer: Optimizer<'State>) (network: Network<float>) (train: Dataset) (start: Progress<'State>) =
        let x = train.Features
        let y = Data.targetMatrix network.Outputs train

        let diverged epoch step loss reason =
            Error(
                Diverged {
                    Epoch = epoch
                    Step = step
                    Loss = loss
                    Reason = reason
                }
            )

        // One update: the fold's step function.
        let update epoch (parameters: Parameters<float>, state, step, steps: StepRecord list) (batch: Batch) =
            let struct (cost, gradients) =
                Propagation.CostAndGradients(network.WithParameters parameters, batch.Inputs, batch.Targets, config.Loss)

            let step = step + 1

            if not (Double.IsFinite cost) then
                diverged epoch step cost "the batch loss is not finite"
            else
                let updates, state = optimizer.Update gradients state parameters
                let next = parameters.Add updates

                if not (next.IsFinite()) then
                    diverged epoch step cost "a parameter became non-finite"
                else
                    let record = {
                        Epoch = epoch
                        Step = step
                        BatchSize = batch.Inputs.ColumnCount
                        Loss = cost
                        GradientNorm = gradients.Norm()
                        LearningRate = config.LearningRate(step - 1)
                    }

                    config.OnStep record
                    Ok(next, state, step, record :: steps)

        // One epoch from the state after the previous one.
        let epochOf (p: Progress<'State>) =
            let epoch = p.Epoch + 1
            let batches, rng = Batching.minibatches config.BatchSize p.Rng x y

            let folded =
                batches
                |> List.fold (fun acc batch -> acc |> Result.bind (fun s -> update epoch s batch)) (Ok(p.Parameters, p.State, p.Step, p.Steps))

            match folded with
            | Error e -> Error e
            | Ok(parameters, state, step, steps) ->
                let trained = network.WithParameters parameters
                let trainLoss, trainAccuracy = evaluate config.Loss trained train
                let validation = config.Validation |> Option.map (evaluate config.Loss trained)

                match validation with
                | _ when not (Double.IsFinite trainLoss) -> diverged epoch step trainLoss "the training loss at the end of the epoch is not finite"
                | Some(v, _) when not (Double.IsFinite v) -> diverged epoch step v "the validation loss is not finite"
                | _ ->
                    let epochSteps = steps |> List.takeWhile (fun s -> s.Epoch = epoch)

                    let record = {
                        Epoch = epoch
                        Steps = step
                        TrainLoss = trainLoss
                        TrainAccuracy = trainAccuracy
                        ValidationLoss = validation |> Option.map fst
                        ValidationAccuracy = validation |> Option.bind snd
                        GradientNorm = epochSteps |> List.averageBy (fun s -> s.GradientNorm)
                        LearningRate = config.LearningRate(max 0 (step - 1))
                    }

                    config.OnEpoch record

                    let minDelta =
                        config.EarlyStopping
                        |> Option.map (fun s -> s.MinDelta)
                        |> Option.defaultValue 0.0

                    let best =
                        match validation, p.Best with
                        | Some(v, _), Some b when not (v < b.Loss - minDelta) -> Some { b with Waited = b.Waited + 1 }
                        | Some(v, _), _ ->
                            Some {
                                BestEpoch.Epoch = epoch
                                Loss = v
                                Parameters = parameters
                                Waited = 0
                            }
                        | None, _ -> None

                    Ok {
                        Epoch = epoch
                        Step = step
                        Parameters = parameters
                        State = state
                        Rng = rng
                        Steps = steps
                        Epochs = record :: p.Epochs
                        Best = best
                    }

        let finish stoppedEarly (p: Progress<'State>) =
            let final =
                match config.EarlyStopping, p.Best with
                | Some stop, Some b when stop.RestoreBestWeights -> b.Parameters
                | _ -> p.Parameters

            Ok {
                Network = network.WithParameters final
                History = {
                    Steps = List.rev p.Steps
                    Epochs = List.rev p.Epochs
                }
                BestEpoch = p.Best |> Option.map (fun b -> b.Epoch)
                StoppedEarly = stoppedEarly
            }

        // Early stopping is decided from the state alone, so a run resumed from the epoch that triggered it stops too.
        let rec loop (p: Progress<'State>) =
            match config.EarlyStopping, p.Best with
            | _ when p.Epoch >= config.Epochs -> finish false p
            | Some stop, Some b when b.Waited >= stop.Patience -> finish true p
            | _ ->
                match epochOf p with
                | Error e -> Error e
                | Ok next ->
                    config.OnCheckpoint(checkpointOf next)
                    loop next

        loop start

    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="train"/>. Each epoch draws a permutation from the
    /// generator seeded by <c>Seed</c>, cuts it into minibatches (every sample exactly once, the last batch possibly
    /// smaller), and folds (θ, s) ← (θ + u, s′) with (u, s′) = Update ∇J_batch(θ) s θ. After each epoch it measures
    /// the training and validation loss and accuracy, calls <c>OnEpoch</c> and <c>OnCheckpoint</c>, and applies
    /// early stopping.
    /// </summary>
    /// <returns>
    /// <c>Ok</c> with the trained network and history, or <c>Error</c>: <c>Diverged</c> when a batch loss, an
    /// end-of-epoch loss or a parameter becomes NaN or ±∞ (never a NaN model), or <c>SymmetricHiddenUnits</c>.
    /// The input network is not modified.
    /// </returns>
    /// <exception cref="System.ArgumentException">Bad settings (see <c>Config</c>), or data that does not fit the network or the loss.</exception>
    let fit (config: Config<'State>) (network: Network<float>) (train: Dataset) : Result<Trained, TrainingError> =
        check config network train

        match network.FindSymmetricHiddenUnits() with
        | null -> Ok()
        | description when not config.AllowSymmetricUnits -> Error(SymmetricHiddenUnits description)
        | _ -> Ok()
        |> Result.bind (fun () ->
            let optimizer = config.Optimizer config.LearningRate
            let parameters = network.Parameters

            run config optimizer network train {
                Epoch = 0
                Step = 0
                Parameters = parameters
                State = optimizer.Init parameters
                Rng = Rng.FromSeed config.Seed
                Steps = []
                Epochs = []
                Best = None
            })

    let private checkResume (config: Config<'State>) (network: Network<float>) (checkpoint: TrainingCheckpoint<'State>) =
        let shape name (parameters: Parameters<float>) =
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
    let resume (config: Config<'State>) (network: Network<float>) (train: Dataset) (checkpoint: TrainingCheckpoint<'State>) : Result<Trained, TrainingError> =
        check config network train
        checkResume config network checkpoint

        run config (config.Optimizer config.LearningRate) network train {
            Epoch = checkpoint.Epoch
            Step = checkpoint.Step
            Parameters = checkpoint.Parameters
            State = checkpoint.OptimizerState
            Rng = checkpoint.Rng
            Steps = List.rev checkpoint.History.Steps
            Epochs = List.rev checkpoint.History.Epochs
            Best = checkpoint.Best
        }
