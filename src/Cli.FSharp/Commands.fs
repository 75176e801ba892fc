/// `nn train`, `nn evaluate`, `nn predict` and `nn summary`.
module Nn.Cli.Commands

open System
open System.Collections.Generic
open System.IO
open System.Text
open Argu
open MathNet.Numerics.LinearAlgebra
open Nn.Activations
open Nn.Cli.Arguments
open Nn.Cli.Common
open Nn.Initialization
open Nn.IO
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Models
open Nn.Pipeline
open Nn.Reporting
open Nn.Serialization

let private positive (flag: string) (value: int) =
    if value <= 0 then
        fail $"{flag} {value}: must be a positive whole number"

    value

let private classLabels (data: Dataset<'T>) =
    match data.Targets with
    | Targets.Classes(labels, count) -> labels, count
    | Targets.Values _ -> fail "expected class labels"

/// The architecture in one line, e.g. `2 → 4 tanh → 1 sigmoid`.
let private architecture (network: Network<'T>) =
    String.Join(
        " → ",
        string network.Inputs
        :: [ for l in network.Layers -> $"{l.Outputs} {l.Activation.Name}" ]
    )

/// An FNV-1a hash of the training data's features (their bits in the training precision) and targets, so a resumed
/// run can tell that its data changed.
let private fingerprint<'T when 'T: unmanaged and 'T :> Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (data: Dataset<'T>)
    =
    let mutable hash = 14695981039346656037UL

    let mix (value: uint64) =
        for shift in 0..8..56 do
            hash <- (hash ^^^ ((value >>> shift) &&& 0xFFUL)) * 1099511628211UL

    mix (uint64 data.Features.RowCount)
    mix (uint64 data.Features.ColumnCount)

    let bytes =
        Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan<'T>(Nn.LinearAlgebra.Dense.Data data.Features))

    for i in 0 .. bytes.Length - 1 do
        mix (uint64 bytes[i])

    match data.Targets with
    | Targets.Classes(labels, count) ->
        mix (uint64 count)

        for l in labels do
            mix (uint64 l)
    | Targets.Values values ->
        for v in values.ToColumnMajorArray() do
            mix (uint64 (BitConverter.DoubleToInt64Bits v))

    hash.ToString("x16", Globalization.CultureInfo.InvariantCulture)

/// Refuses a checkpoint that another run made: architecture, loss, optimizer, settings or data differ, or it is
/// further along than `--epochs`. Every message is one line naming the file.
let private checkResume (path: string) (saved: Checkpoint) (model: Model) (optimizer: string) (epochs: int) =
    if saved.Model.Precision <> model.Precision then
        fail $"--resume {path}: the checkpoint was trained in {saved.Model.Precision} but this run uses {model.Precision}"

    let was, is = architecture saved.Model.Network, architecture model.Network

    if was <> is then
        fail $"--resume {path}: the checkpoint's network is {was} but this run's is {is}"

    if saved.Model.Loss.Name <> model.Loss.Name then
        fail $"--resume {path}: the checkpoint was trained with --loss {saved.Model.Loss.Name} but this run uses {model.Loss.Name}"

    if saved.State.Optimizer <> optimizer then
        fail $"--resume {path}: the checkpoint was made with --optimizer {saved.State.Optimizer} but this run has {optimizer}"

    for KeyValue(key, value) in model.Metadata.Notes do
        match saved.Model.Metadata.Notes.TryGetValue key with
        | true, old when old = value -> ()
        | _ when key = "data_fingerprint" -> fail $"--resume {path}: the checkpoint was made from other training data"
        | _ when key = "data" -> ()
        | true, old -> fail $"--resume {path}: the checkpoint was made with --{key.Replace('_', '-')} {old} but this run has {value}"
        | false, _ -> fail $"--resume {path}: the checkpoint does not record --{key.Replace('_', '-')}, so it was not made by nn train"

    if saved.State.Epoch > epochs then
        fail $"--resume {path}: the checkpoint has completed {saved.State.Epoch} epochs but --epochs is {epochs}"

/// `--class-weight`: balanced, or one weight per class as given.
type private ClassWeight =
    | Balanced
    | Given of float[]

/// A number as the notes record it: the shortest text that reads back to the same double.
let private invariant (v: float) =
    v.ToString("R", Globalization.CultureInfo.InvariantCulture)

/// A comma-separated list of numbers, each checked by `valid`; the message names the option and the list.
let private numbers (flag: string) (text: string) (valid: float -> bool) (expected: string) =
    text.Split(',')
    |> Array.map (fun part ->
        match Double.TryParse(part.Trim(), Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
        | true, v when valid v -> v
        | _ -> fail $"{flag} {text}: '{part.Trim()}' is not {expected}")

/// What `nn train` decided from its options before reading any data, whatever the precision.
type private TrainPlan = {
    Mode: Mode
    Out: string
    Force: bool
    Plot: string option
    CheckpointPath: string option
    Resume: (string * Checkpoint) option
    DataPath: string
    Label: string
    LabelsFile: string option
    Hidden: int[]
    /// `--layers` as given, for messages.
    LayersText: string
    Activation: Activation
    LossName: string
    Optimizer: string
    /// None for the optimizers that choose their own step lengths.
    Rate: float option
    Epochs: int
    /// None: the full batch.
    Batch: int option
    Seed: int
    Validation: float
    Patience: int option
    Standardize: bool
    /// One dropout rate per hidden layer (all 0 without --dropout).
    Dropout: float[]
    ClassWeight: ClassWeight option
    /// The CSV column of sample weights.
    SampleWeight: string option
    L2: float
    /// None: the optimizer's default (0, or 0.01 for adamw).
    WeightDecay: float option
    ClipNorm: float option
    /// constant, cosine, step or exponential.
    Schedule: string
    Warmup: int option
}

/// The model file's record of a network in the precision it was trained in, with the names of its features.
let private modelOf
    (network: Network<'T>)
    (loss: Loss)
    (metadata: ModelMetadata)
    (standardization: Standardization option)
    (classNames: string list)
    (featureNames: string seq)
    =
    let names = if classNames.IsEmpty then null else classNames

    match box network with
    | :? Network<float32> as single -> Model.Of(single, loss, metadata, Option.toObj standardization, names, featureNames)
    | _ -> Model(network.Convert<float>(), loss, metadata, Option.toObj standardization, names, Precision.Float64, featureNames)

/// `nn train` in precision 'T, after the options are checked: returns the exit code.
let private trainAs<'T when 'T: unmanaged and 'T :> Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (plan: TrainPlan)
    =
    let path, label = plan.DataPath, plan.Label
    let regression = plan.LossName = "mse"
    let read = readLabelled<'T> path label plan.LabelsFile regression

    // --sample-weight: the column leaves the features and becomes the samples' weights.
    let loaded =
        match plan.SampleWeight with
        | None -> read
        | Some column ->
            let flag = $"--sample-weight {column}"

            if isIdxFile path then
                fail $"{flag}: {path} is an IDX file; sample weights come from a CSV column"

            let all = read.Data

            let index =
                match Seq.tryFindIndex ((=) column) all.FeatureNames with
                | Some i -> i
                | None when column = label -> fail $"{flag}: that is the label column"
                | None -> fail $"{flag}: {path} has no such column"

            if all.FeatureCount = 1 then
                fail $"{flag}: it is the only feature column of {path}; nothing would be left to train on"

            let weights =
                Array.init all.Samples (fun j -> Double.CreateTruncating all.Features[index, j])

            match weights |> Array.tryFindIndex (fun w -> not (Double.IsFinite w && w >= 0.0)) with
            | Some j -> fail $"{flag}: {read.Place j index}: {weights[j]} is not a weight (weights are finite and non-negative)"
            | None when Array.forall ((=) 0.0) weights -> fail $"{flag}: every weight in {path} is 0"
            | None -> ()

            let keep = [|
                for i in 0 .. all.FeatureCount - 1 do
                    if i <> index then
                        yield i
            |]

            let features =
                Dense.Matrix(keep.Length, all.Samples, Array.init (keep.Length * all.Samples) (fun k -> all.Features[keep[k % keep.Length], k / keep.Length]))

            {
                Data =
                    Data.create features all.Targets [ for i in keep -> all.FeatureNames[i] ]
                    |> Data.withWeights weights
                Place = fun sample feature -> read.Place sample (if feature >= index then feature + 1 else feature)
            }

    let data = loaded.Data

    if not plan.Standardize then
        TrainingData.checkScale loaded

    let loss, outputs, outputActivation =
        match plan.LossName, data.Targets with
        | "mse", _ -> Loss.SquaredError, 1, Activation.Identity
        | ("auto" | "bce" | "ce"), Targets.Classes(labels, count) ->
            TrainingData.checkClasses path labels

            match plan.LossName with
            | "bce" when count > 2 ->
                let sample = labels |> Seq.findIndex (fun l -> l > 1)
                fail $"{loaded.Place sample -1}: label {labels[sample]} cannot be used with bce, which takes 0 or 1"
            | "bce" -> Loss.BinaryCrossEntropy, 1, Activation.Sigmoid
            | "auto" when count = 2 -> Loss.BinaryCrossEntropy, 1, Activation.Sigmoid
            | _ -> Loss.SoftmaxCrossEntropy, count, Activation.Softmax
        | ("auto" | "bce" | "ce"), Targets.Values _ -> fail $"--loss {plan.LossName} needs class labels"
        | other, _ -> fail $"--loss {other}: expected auto, bce, ce or mse"

    let rng = Rng.FromSeed plan.Seed

    let trainPart, validationPart =
        if plan.Validation > 0.0 then
            let t, v =
                try
                    Batching.trainTest plan.Validation (not regression) rng data
                with :? ArgumentException as e ->
                    // "The training part of the 60 samples would be empty: change the fraction." → its first clause.
                    let clause = (e.Message.Split(" (Parameter", 2)[0]).Split(": change", 2)[0]

                    let why =
                        (string (Char.ToLowerInvariant clause[0]) + clause.Substring 1).TrimEnd('.')

                    fail $"--validation {plan.Validation}: {why}; use a smaller fraction or more data"

            t, Some v
        else
            data, None

    // --class-weight on the training part (validation keeps its sample weights only), times any sample weights.
    let classWeights =
        plan.ClassWeight
        |> Option.map (fun choice ->
            let text =
                match choice with
                | Balanced -> "balanced"
                | Given w -> String.Join(",", w |> Array.map invariant)

            match trainPart.Targets with
            | Targets.Values _ -> fail $"--class-weight {text}: needs class labels, but --loss mse trains on values"
            | Targets.Classes(labels, count) ->
                let weights =
                    match choice with
                    | Balanced -> Data.balancedClassWeights trainPart
                    | Given w when w.Length <> count -> fail $"--class-weight {text}: {w.Length} weights for {count} classes; give one per class"
                    | Given w -> w

                let combined =
                    labels
                    |> Seq.mapi (fun j l ->
                        weights[l]
                        * (if trainPart.Weights.IsEmpty then
                               1.0
                           else
                               trainPart.Weights[j]))
                    |> Array.ofSeq

                if Array.forall ((=) 0.0) combined then
                    fail $"--class-weight {text}: every training sample would have weight 0"

                weights, combined)

    let trainPart =
        match classWeights with
        | Some(_, combined) -> Data.withWeights combined trainPart
        | None -> trainPart

    let standardization =
        if plan.Standardize then
            Some(Standardization.Fit trainPart.Features)
        else
            None

    let scale (d: Dataset<'T>) =
        match standardization with
        | Some s -> { d with Features = s.Apply d.Features }
        | None -> d

    let layers =
        [ for units in plan.Hidden -> struct (units, plan.Activation) ]
        @ [ struct (outputs, outputActivation) ]

    let initializer =
        if plan.Activation = Activation.Relu then
            Initializer.He
        else
            Initializer.XavierNormal

    // Sizes and memory are checked before the network is allocated.
    let blame =
        if outputs > 1000 && outputs > data.Samples then
            $"{path}: the largest class label is {outputs - 1}, so the network needs {outputs} output units (class labels are 0 to k−1)"
        else
            "--layers " + plan.LayersText

    Budget.checkTraining
        blame
        (Runtime.InteropServices.Marshal.SizeOf<'T>())
        data.FeatureCount
        (List.ofArray plan.Hidden @ [ outputs ])
        trainPart.Samples
        (plan.Batch |> Option.defaultValue trainPart.Samples)
        plan.Optimizer

    let struct (_, initRng) = rng.Split()

    let network =
        let created = Network.Create<'T>(data.FeatureCount, layers, initializer, initRng)

        if plan.Hidden.Length > 0 then
            created.WithDropout plan.Dropout
        else
            created

    let classNames =
        match data.Targets with
        | Targets.Classes(_, count) -> [ for c in 0 .. count - 1 -> string c ]
        | Targets.Values _ -> []

    let precision =
        if typeof<'T> = typeof<float32> then
            "float32"
        else
            "float64"

    let batchNote = plan.Batch |> Option.map string |> Option.defaultValue "full"
    let rateNote = plan.Rate |> Option.map (fun r -> "lr", invariant r) |> Option.toList

    // The learning-rate schedule over the run's updates, and its description for the notes.
    let stepsPerEpoch =
        match plan.Batch with
        | Some b when b < trainPart.Samples -> (trainPart.Samples + b - 1) / b
        | _ -> 1

    let totalUpdates = int64 stepsPerEpoch * int64 plan.Epochs
    let warmup = plan.Warmup |> Option.defaultValue 0

    if int64 warmup >= totalUpdates && plan.Warmup.IsSome then
        fail $"--warmup {warmup}: the run has only {totalUpdates} updates ({plan.Epochs} epochs of {stepsPerEpoch})"

    let schedule: (Schedule * string) option =
        plan.Rate
        |> Option.map (fun rate ->
            let every = 10 * stepsPerEpoch

            let after, text =
                match plan.Schedule with
                | "cosine" ->
                    let span = int (min (totalUpdates - int64 warmup) (int64 Int32.MaxValue))
                    Schedules.cosine rate span 0.0, $"cosine to 0 over {span} updates"
                | "step" -> Schedules.step rate 0.5 every, $"step ×0.5 every {every} updates"
                | "exponential" -> Schedules.exponential rate 0.5 every, $"exponential ×0.5 per {every} updates"
                | _ -> Schedules.constant rate, "constant"

            match plan.Warmup with
            | Some w -> Schedules.warmup w after, text
            | None -> after, text)

    let weightDecay =
        match plan.WeightDecay, plan.Optimizer with
        | Some d, _ -> d
        | None, "adamw" -> 1e-2
        | None, _ -> 0.0

    // What the run used beyond the plain objective, recorded in the model's notes and checked on --resume.
    let regularisation = [
        "l2", invariant plan.L2
        "dropout",
        (if plan.Hidden.Length = 0 then
             "0"
         else
             String.Join(",", plan.Dropout |> Array.map invariant))
        "class_weight",
        (match plan.ClassWeight, classWeights with
         | Some Balanced, Some(w, _) -> "balanced: " + String.Join(",", w |> Array.map invariant)
         | Some _, Some(w, _) -> String.Join(",", w |> Array.map invariant)
         | _ -> "none")
        "sample_weight", plan.SampleWeight |> Option.defaultValue "none"
        match schedule with
        | Some(_, text) ->
            "schedule", text
            "warmup", string warmup
            "weight_decay", invariant weightDecay
            "clip_norm", plan.ClipNorm |> Option.map invariant |> Option.defaultValue "none"
        | None -> ()
    ]

    // What a checkpoint records of the run's settings; a resumed run must have the same.
    let settings = [
        "data", Path.GetFullPath path
        "data_fingerprint",
        (if plan.CheckpointPath.IsSome || plan.Resume.IsSome then
             fingerprint data
         else
             "not computed")
        "optimizer", plan.Optimizer
        yield! rateNote
        "batch", batchNote
        "seed", string plan.Seed
        "validation", invariant plan.Validation
        "early_stopping", plan.Patience |> Option.map string |> Option.defaultValue "off"
        "standardize", (if plan.Standardize then "on" else "off")
        "precision", precision
        yield! regularisation
    ]

    let running =
        modelOf
            network
            loss
            (ModelMetadata.Create(Nullable(int64 plan.Seed), [ for k, v in settings -> KeyValuePair(k, v) ]))
            standardization
            classNames
            data.FeatureNames

    plan.Resume
    |> Option.iter (fun (p, checkpoint) -> checkResume p checkpoint running plan.Optimizer plan.Epochs)

    let train, validation = scale trainPart, validationPart |> Option.map scale

    // Wall-clock seconds of each epoch this command runs (its steps, validation and checkpoint), for --json.
    let epochSeconds = ResizeArray<float>()
    let epochStart = ref 0L

    // One run of the engine with the chosen optimizer, from the start or from the checkpoint.
    let fitWith (optimizer: Optimizer<'T, 'S>) (report: int -> string -> unit) : Result<Trained<'T>, string> =
        let config = {
            Training.defaults optimizer with
                Epochs = plan.Epochs
                BatchSize = plan.Batch |> Option.defaultValue Int32.MaxValue
                Seed = plan.Seed
                Loss = loss
                L2 = plan.L2
                Validation = validation
                EarlyStopping =
                    plan.Patience
                    |> Option.map (fun p -> {
                        Patience = p
                        MinDelta = 0.0
                        RestoreBestWeights = true
                    })
                OnEpoch =
                    fun e ->
                        let now = Diagnostics.Stopwatch.GetTimestamp()
                        epochSeconds.Add(Diagnostics.Stopwatch.GetElapsedTime(epochStart.Value, now).TotalSeconds)
                        epochStart.Value <- now

                        let validation =
                            e.ValidationLoss
                            |> Option.map (fun v -> $"  validation loss {num 4 v}")
                            |> Option.defaultValue ""

                        report e.Epoch $"loss {num 4 e.TrainLoss}{validation}"
                // The run's own checkpoint file is replaced after every epoch, atomically.
                OnCheckpoint =
                    plan.CheckpointPath
                    |> Option.map (fun path -> Checkpoints.save path true plan.Optimizer running)
        }

        epochStart.Value <- Diagnostics.Stopwatch.GetTimestamp()

        match plan.Resume with
        | None -> Training.fit config network train |> Result.mapError _.Message
        | Some(path, saved) ->
            match Checkpoints.ofCore plan.Optimizer optimizer network saved with
            | Error e -> Error $"--resume {path}: {e}"
            | Ok start -> Training.resume config network train start |> Result.mapError _.Message

    let run report =
        // Only the first-order optimizers have a rate (the options make sure of it); the others never call this one.
        let rate: Schedule =
            match schedule with
            | Some(s, _) -> s
            | None -> fun _ -> nan

        // A first-order optimizer as one chain: clipping, the optimizer's own scaling, decoupled weight decay, the rate.
        let firstOrder (scaling: Optimizer<'T, objnull> list) =
            Optimizer.chainAll [
                yield!
                    plan.ClipNorm
                    |> Option.map (Transform.clipByGlobalNorm >> Optimizer.erase)
                    |> Option.toList
                yield! scaling
                if weightDecay > 0.0 then
                    yield Optimizer.erase (Transform.addDecayedWeights weightDecay)
                yield Optimizer.erase (Transform.scaleByLearningRate rate)
            ]

        match plan.Optimizer with
        | "sgd" -> fitWith (firstOrder []) report
        | "momentum" -> fitWith (firstOrder [ Optimizer.erase (Transform.trace 0.9 false) ]) report
        | "adam"
        | "adamw" -> fitWith (firstOrder [ Optimizer.erase (Transform.scaleByAdam 0.9 0.999 1e-8) ]) report
        // Damped exact Newton when the dense Hessian fits, Hessian-free otherwise.
        | "newton" when network.ParameterCount <= Nn.Layers.Curvature.MaxDenseParameters -> fitWith (DampedNewton.optimizer DampedNewton.defaults) report
        | "newton" -> fitWith (HessianFree.optimizer HessianFree.defaults) report
        | "lbfgs" -> fitWith (Lbfgs.optimizer Lbfgs.defaults) report
        | other -> fail $"--optimizer {other}: expected sgd, momentum, adam, adamw, newton or lbfgs"

    let trained =
        match withProgress plan.Mode "training" plan.Epochs run with
        | Ok trained -> trained
        | Error message ->
            let kept =
                match plan.CheckpointPath with
                | Some p when File.Exists p -> $"; {plan.Out} was not written, and the last checkpoint {p} is kept"
                | _ -> $"; {plan.Out} was not written"

            fail $"{message.TrimEnd('.')}{kept}"

    let epochsRun = trained.History.Epochs

    let notes = [
        KeyValuePair("data", path)
        KeyValuePair("optimizer", plan.Optimizer)
        yield!
            plan.Rate
            |> Option.map (fun r -> KeyValuePair("learning_rate", invariant r))
            |> Option.toList
        KeyValuePair("epochs", string epochsRun.Length)
        KeyValuePair("batch", batchNote)
        KeyValuePair("precision", precision)
        yield! regularisation |> List.map KeyValuePair
    ]

    let model =
        modelOf trained.Network loss (ModelMetadata.Create(Nullable(int64 plan.Seed), notes)) standardization classNames data.FeatureNames

    // The outputs were checked before any work (see `train`); the writes themselves are atomic and never replace a
    // file another run created meanwhile unless --force.
    Outputs.write "--out" (Outputs.FileTarget(plan.Out, plan.Force)) (fun stream -> ModelFile.Write(model, stream))
    let last = Seq.last epochsRun

    match plan.Plot with
    | Some svgPath ->
        let series = [
            yield NamedSeries("training", epochsRun |> Seq.map _.TrainLoss)
            if validationPart.IsSome then
                yield NamedSeries("validation", epochsRun |> Seq.choose _.ValidationLoss)
        ]

        Plot.write svgPath $"{Path.GetFileName path}: {loss.Name} loss" series plan.Force
    | None -> ()

    match plan.Mode with
    | JsonOutput ->
        printJson [
            "model", o plan.Out
            "epochs", o epochsRun.Length
            "stopped_early", o trained.StoppedEarly
            "precision", o precision
            "train_loss", o last.TrainLoss
            "train_accuracy", o (Option.toNullable last.TrainAccuracy)
            "validation_loss", o (Option.toNullable last.ValidationLoss)
            "validation_accuracy", o (Option.toNullable last.ValidationAccuracy)
            "history", o [| for e in epochsRun -> e.TrainLoss |]
            "epoch_seconds", o (epochSeconds.ToArray())
        ]
    | _ ->
        let accuracy =
            last.TrainAccuracy
            |> Option.map (fun a -> $", training accuracy {num 4 a}")
            |> Option.defaultValue ""

        let valid =
            match last.ValidationLoss, last.ValidationAccuracy with
            | Some l, Some a -> $", validation loss {num 4 l}, accuracy {num 4 a}"
            | Some l, None -> $", validation loss {num 4 l}"
            | _ -> ""

        let early =
            if trained.StoppedEarly then
                " (stopped early; best weights restored)"
            else
                ""

        Console.Out.WriteLine $"trained {epochsRun.Length} epochs{early}: loss {num 4 last.TrainLoss}{accuracy}{valid}"
        Console.Out.WriteLine $"saved {plan.Out}"
        plan.Plot |> Option.iter (fun p -> Console.Out.WriteLine $"plotted {p}")

    0

/// `nn train`: returns the exit code.
let train (args: ParseResults<TrainArgs>) =
    let mode = modeOf (args.Contains TrainArgs.Json)
    let out = args.GetResult TrainArgs.Out
    let force = args.Contains TrainArgs.Force
    let plot = args.TryGetResult TrainArgs.Plot
    let checkpointPath = args.TryGetResult TrainArgs.Checkpoint
    let resumePath = args.TryGetResult TrainArgs.Resume

    let path = args.GetResult TrainArgs.Data

    // Every output is checked before any work: never an input, never another output, and writable.
    let resumes (p: string) =
        resumePath
        |> Option.exists (fun r -> Outputs.identity r |> Option.exists (fun id -> Outputs.identity p = Some id))

    Outputs.check [
        yield { Option = "--data"; Path = path }
        if isIdxFile path then
            yield {
                Option = "--labels"
                Path = labelsPathFor path (args.TryGetResult TrainArgs.Labels)
            }
        match resumePath with
        | Some r -> yield { Option = "--resume"; Path = r }
        | None -> ()
    ] [
        yield Outputs.output "--out" out force
        match plot with
        | Some p -> yield Outputs.output "--plot" p force
        | None -> ()
        match checkpointPath with
        | Some c ->
            yield {
                Outputs.output "--checkpoint" c (force || resumes c) with
                    MayReplace = [ "--resume" ]
            }
        | None -> ()
    ]
    |> ignore

    // The plot's format comes from its extension: an unsupported one is refused here, before any work.
    plot |> Option.iter (Plot.formatOf >> ignore)
    let layersText = args.GetResult(TrainArgs.Layers, "32")
    let hidden = LayerSizes.parse layersText

    let activation =
        match args.GetResult(TrainArgs.Activation, "relu") with
        | "relu" -> Activation.Relu
        | "tanh" -> Activation.Tanh
        | "sigmoid" -> Activation.Sigmoid
        | other -> fail $"--activation {other}: expected relu, tanh or sigmoid"

    let optimizer = args.GetResult(TrainArgs.Optimizer, "adam")

    if not (List.contains optimizer [ "sgd"; "momentum"; "adam"; "adamw"; "newton"; "lbfgs" ]) then
        fail $"--optimizer {optimizer}: expected sgd, momentum, adam, adamw, newton or lbfgs"

    let secondOrder = optimizer = "newton" || optimizer = "lbfgs"

    let rate =
        match args.TryGetResult TrainArgs.Lr with
        | Some r when secondOrder -> fail $"--lr {r}: --optimizer {optimizer} chooses its own step lengths and takes no learning rate"
        | Some r when not (Double.IsFinite r) || r <= 0.0 -> fail $"--lr {r}: must be a positive number"
        | Some r -> Some r
        | None when secondOrder -> None
        | None when optimizer = "sgd" || optimizer = "momentum" -> Some 0.1
        | None -> Some 1e-3

    let epochs = positive "--epochs" (args.GetResult(TrainArgs.Epochs, 30))

    let batch =
        match args.TryGetResult TrainArgs.Batch with
        | Some b when optimizer = "lbfgs" ->
            fail $"--batch {b}: --optimizer lbfgs uses the full batch (its curvature pairs compare consecutive gradients of the same data)"
        | Some b -> Some(positive "--batch" b)
        | None when secondOrder -> None
        | None -> Some 32

    let seed = args.GetResult(TrainArgs.Seed, 0)
    let validation = args.GetResult(TrainArgs.Validation, 0.0)

    if not (validation >= 0.0 && validation < 1.0) then
        fail $"--validation {validation}: must be in [0, 1)"

    let patience =
        args.TryGetResult TrainArgs.Early_Stopping
        |> Option.map (positive "--early-stopping")

    if patience.IsSome && validation = 0.0 then
        fail "--early-stopping needs a validation split: pass --validation, e.g. 0.2"

    let firstOrderOnly (flag: string) (value: string) =
        if secondOrder then
            fail $"{flag} {value}: --optimizer {optimizer} chooses its own steps; {flag} applies to sgd, momentum, adam and adamw"

    let dropout =
        match args.TryGetResult TrainArgs.Dropout with
        | None -> Array.zeroCreate hidden.Length
        | Some text ->
            let rates =
                numbers "--dropout" text (fun r -> r >= 0.0 && r < 1.0) "a rate in [0, 1)"

            if secondOrder then
                fail
                    $"--dropout {text}: --optimizer {optimizer} needs one objective for its curvature and line searches, and dropout draws new masks every step"

            if hidden.Length = 0 then
                fail $"--dropout {text}: there is no hidden layer to drop from (--layers {layersText})"

            match rates.Length with
            | 1 -> Array.create hidden.Length rates[0]
            | n when n = hidden.Length -> rates
            | n -> fail $"--dropout {text}: {n} rates for {hidden.Length} hidden layers; give one rate for all or one per hidden layer"

    let classWeight =
        args.TryGetResult TrainArgs.Class_Weight
        |> Option.map (fun text ->
            if text = "balanced" then
                Balanced
            else
                Given(numbers "--class-weight" text (fun w -> Double.IsFinite w && w >= 0.0) "balanced or a finite non-negative weight"))

    let nonNegative (flag: string) (value: float) =
        if not (Double.IsFinite value && value >= 0.0) then
            fail $"{flag} {value}: must be a finite non-negative number"

        value

    let l2 =
        args.TryGetResult TrainArgs.L2
        |> Option.map (nonNegative "--l2")
        |> Option.defaultValue 0.0

    let weightDecay =
        args.TryGetResult TrainArgs.Weight_Decay
        |> Option.map (fun d ->
            firstOrderOnly "--weight-decay" (string d)
            nonNegative "--weight-decay" d)

    let clipNorm =
        args.TryGetResult TrainArgs.Clip_Norm
        |> Option.map (fun c ->
            firstOrderOnly "--clip-norm" (string c)

            if not (Double.IsFinite c && c > 0.0) then
                fail $"--clip-norm {c}: must be a positive number"

            c)

    let schedule =
        match args.TryGetResult TrainArgs.Schedule with
        | None -> "constant"
        | Some name ->
            if not (List.contains name [ "constant"; "cosine"; "step"; "exponential" ]) then
                fail $"--schedule {name}: expected constant, cosine, step or exponential"

            firstOrderOnly "--schedule" name
            name

    let warmup =
        args.TryGetResult TrainArgs.Warmup
        |> Option.map (fun w ->
            firstOrderOnly "--warmup" (string w)
            positive "--warmup" w)

    let sampleWeight = args.TryGetResult TrainArgs.Sample_Weight

    let saved =
        resumePath
        |> Option.map (fun p ->
            try
                p, CheckpointFile.Load p
            with :? FileNotFoundException ->
                fail $"--resume {p}: no such file")

    let plan = {
        Mode = mode
        Out = out
        Force = force
        Plot = plot
        CheckpointPath = checkpointPath
        Resume = saved
        DataPath = path
        Label = args.GetResult(TrainArgs.Label, "label")
        LabelsFile = args.TryGetResult TrainArgs.Labels
        Hidden = hidden
        LayersText = layersText
        Activation = activation
        LossName = args.GetResult(TrainArgs.Loss, "auto")
        Optimizer = optimizer
        Rate = rate
        Epochs = epochs
        Batch = batch
        Seed = seed
        Validation = validation
        Patience = patience
        Standardize = args.Contains TrainArgs.Standardize
        Dropout = dropout
        ClassWeight = classWeight
        SampleWeight = sampleWeight
        L2 = l2
        WeightDecay = weightDecay
        ClipNorm = clipNorm
        Schedule = schedule
        Warmup = warmup
    }

    match args.GetResult(TrainArgs.Precision, "float32") with
    | "float32" -> trainAs<float32> plan
    | "float64" -> trainAs<float> plan
    | other -> fail $"--precision {other}: expected float32 or float64"

let private loadModel (path: string) =
    if Directory.Exists path then
        fail $"--model {path} is a directory; give the model file written by nn train"

    try
        ModelFile.Load path
    with
    | :? ModelFormatException as e -> fail e.Message
    | :? FileNotFoundException
    | :? DirectoryNotFoundException -> fail $"--model {path}: no such file"
    | :? UnauthorizedAccessException -> fail $"--model {path}: cannot be read (permission denied)"
    | :? IOException as e -> fail $"--model {path}: cannot be read ({e.Message})"

/// The blocks of a data file for scoring: a CSV file streamed `Scoring.BlockRows` rows at a time after its header is
/// checked against the model (names and order, unless `byPosition`), or IDX images read whole. `labelled` asks for
/// the label column (evaluate) rather than ignoring it when present (predict).
let private blocksOf
    (model: Model)
    (path: string)
    (label: string)
    (labelsFile: string option)
    (labelled: bool)
    (byPosition: bool)
    (use': (unit -> Scoring.Block option) -> 'T)
    : 'T =
    if isIdxFile path then
        let loaded = readLabelled path label labelsFile false
        FeatureColumns.check path model (Seq.toArray loaded.Data.FeatureNames) (fun i -> i + 1) true

        let targets =
            match loaded.Data.Targets with
            | Targets.Classes(labels, _) -> Scoring.ClassLabels(Seq.toArray labels)
            | Targets.Values v -> Scoring.TargetValues v

        let mutable given = false

        use' (fun () ->
            if given then
                None
            else
                given <- true

                Some {
                    Scoring.Features = loaded.Data.Features
                    Scoring.Targets = targets
                    Scoring.Place = fun j -> loaded.Place j -1
                })
    else
        let column =
            if labelled then
                LabelColumn.Required label
            else
                LabelColumn.IgnoredIfPresent label

        use table =
            match Csv.openFile path column with
            | Ok table -> table
            | Error e -> fail e.Message

        let header = table.Header
        let labelIndex = defaultArg header.Label Int32.MaxValue
        FeatureColumns.check path model header.FeatureNames (fun i -> if i < labelIndex then i + 1 else i + 2) byPosition

        use' (fun () ->
            match table.Next Scoring.BlockRows with
            | Error e -> fail e.Message
            | Ok None -> None
            | Ok(Some block) ->
                let place j =
                    $"{path}, line {block.Lines[j]}, column {labelIndex + 1} ({label})"

                let targets =
                    if not labelled then
                        Scoring.ClassLabels [||]
                    elif model.IsClassifier then
                        match Csv.classLabels header block with
                        | Ok labels -> Scoring.ClassLabels labels
                        | Error e -> fail e.Message
                    else
                        Scoring.TargetValues(Dense.Matrix(1, block.Labels.Length, block.Labels))

                Some {
                    Scoring.Features = block.Features
                    Scoring.Targets = targets
                    Scoring.Place = place
                })

/// `nn evaluate`: returns the exit code. The data is read one block at a time (see `Scoring`).
let evaluate (args: ParseResults<EvaluateArgs>) =
    let modelPath = args.GetResult EvaluateArgs.Model
    let path = args.GetResult EvaluateArgs.Data
    let label = args.GetResult(EvaluateArgs.Label, "label")
    let json = args.Contains EvaluateArgs.Json
    let model = loadModel modelPath

    let result =
        blocksOf model path label (args.TryGetResult EvaluateArgs.Labels) true (args.Contains EvaluateArgs.By_Position) (Scoring.evaluate model)

    match result with
    | Scoring.Classification(samples, accuracy, balanced, logLoss, confusion) ->
        let classes = max 2 model.Network.Outputs

        if json then
            printJson [
                "samples", o samples
                "accuracy", o accuracy
                "balanced_accuracy", o balanced
                "log_loss", o logLoss
                "confusion",
                o (
                    confusion
                    |> Option.map (fun c -> [| for r in 0 .. classes - 1 -> [| for p in 0 .. classes - 1 -> c[r, p] |] |])
                    |> Option.toObj
                )
            ]
        else
            Console.Out.WriteLine $"{samples} samples: accuracy {num 4 accuracy}, balanced accuracy {num 4 balanced}, log loss {num 4 logLoss}"

            match confusion with
            | Some c ->
                Console.Out.WriteLine "confusion matrix (rows: actual, columns: predicted)"
                // Columns as wide as the largest count needs, so large files keep their counts apart.
                let width = 1 + max 5 (string (Seq.max (Seq.cast<int64> c))).Length

                for r in 0 .. classes - 1 do
                    let cells =
                        [ for p in 0 .. classes - 1 -> (string c[r, p]).PadLeft width ]
                        |> String.concat ""

                    Console.Out.WriteLine $"{r, 4} {cells}"
            | None -> Console.Out.WriteLine $"(no confusion matrix for {classes} classes; it is printed up to {Scoring.MaxConfusionClasses})"
    | Scoring.Regression(samples, mse, mae) ->
        if json then
            printJson [ "samples", o samples; "mse", o mse; "mae", o mae ]
        else
            Console.Out.WriteLine $"{samples} samples: MSE {num 6 mse}, MAE {num 6 mae}"

    0

/// `nn predict`: writes one row per sample (probabilities per class, then the class) and returns the exit code.
/// The data is read and the predictions written one block at a time (see `Scoring`).
let predict (args: ParseResults<PredictArgs>) =
    let modelPath = args.GetResult PredictArgs.Model
    let path = args.GetResult PredictArgs.Data
    let out = args.GetResult PredictArgs.Out

    let target =
        Outputs.check [ { Option = "--model"; Path = modelPath }; { Option = "--data"; Path = path } ] [
            {
                Outputs.output "--out" out (args.Contains PredictArgs.Force) with
                    AllowStdout = true
            }
        ]
        |> List.exactlyOne

    let model = loadModel modelPath
    let mutable count = 0L

    Outputs.write "--out" target (fun stream ->
        use writer = Csv.writer stream
        writer.WriteRecord(Scoring.predictionHeader model)

        blocksOf model path (args.GetResult(PredictArgs.Label, "label")) None false (args.Contains PredictArgs.By_Position) (fun next ->
            let rec loop () =
                match next () with
                | None -> ()
                | Some block ->
                    for row in Scoring.predictionRows model block.Features do
                        writer.WriteRecord row

                    count <- count + int64 block.Features.ColumnCount
                    loop ()

            loop ()))

    if target <> Outputs.Stdout then
        Console.Out.WriteLine $"wrote {count} predictions to {out}"

    0

/// `nn summary`: returns the exit code.
let summary (args: ParseResults<SummaryArgs>) =
    let path = args.GetResult SummaryArgs.Model
    let model = loadModel path
    let network = model.Network

    if args.Contains SummaryArgs.Json then
        printJson [
            "inputs", o network.Inputs
            "layers",
            o [|
                for l in network.Layers ->
                    {|
                        units = l.Outputs
                        activation = l.Activation.Name
                        weights = [| l.Outputs; l.Inputs |]
                        parameters = l.ParameterCount
                    |}
            |]
            "loss", o model.Loss.Name
            "parameters", o network.ParameterCount
            "standardized", o (not (isNull (box model.Standardization)))
            "nn_version", o model.Metadata.NnVersion
        ]
    else
        Console.Out.WriteLine $"{path}: {network.Inputs} inputs → {network.Outputs} outputs, loss {model.Loss.Name}, {network.ParameterCount} parameters"

        network.Layers
        |> Seq.iteri (fun i l ->
            Console.Out.WriteLine
                $"  layer {i + 1}: {l.Outputs, 4} units  {l.Activation.Name, -10}  W {l.Outputs}×{l.Inputs}  b {l.Outputs}  ({l.ParameterCount} parameters)")

        if not (isNull (box model.Standardization)) then
            Console.Out.WriteLine $"  inputs standardised with means and scales fitted at training time"

        Console.Out.WriteLine $"  written by Nn {model.Metadata.NnVersion} on {model.Metadata.CreatedUtc:u}"

    0

/// `nn export`: writes the model as ONNX and returns the exit code.
let export (args: ParseResults<ExportArgs>) =
    let modelPath = args.GetResult ExportArgs.Model
    let out = args.GetResult ExportArgs.Onnx

    let target =
        Outputs.check [ { Option = "--model"; Path = modelPath } ] [
            {
                Outputs.output "--onnx" out (args.Contains ExportArgs.Force) with
                    AllowStdout = true
            }
        ]
        |> List.exactlyOne

    let precision =
        match args.GetResult(ExportArgs.Precision, "float64") with
        | "float64" -> Nn.Interop.OnnxPrecision.Float64
        | "float32" -> Nn.Interop.OnnxPrecision.Float32
        | other -> fail $"--precision {other}: expected float64 or float32"

    let model = loadModel modelPath
    let bytes = Nn.Interop.OnnxExport.ToBytes(model, precision)
    Outputs.write "--onnx" target (fun stream -> stream.Write bytes)

    if target <> Outputs.Stdout then
        Console.Out.WriteLine
            $"wrote {out} (ONNX opset {Nn.Interop.OnnxExport.OpsetVersion}, input [N, {model.Network.Inputs}], output [N, {model.Network.Outputs}])"

    0
