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
open Nn.Losses
open Nn.Models
open Nn.Pipeline
open Nn.Reporting
open Nn.Serialization

let private positive (flag: string) (value: int) =
    if value <= 0 then
        fail $"{flag} {value}: must be a positive whole number"

    value

/// Where a sample came from, for messages: the CSV line (header is line 1) or the IDX sample index.
let private origin (path: string) (sample: int) (label: string) =
    if String.Equals(Path.GetExtension path, ".csv", StringComparison.OrdinalIgnoreCase) then
        $"{path}, line {sample + 2}, column {label}"
    else
        $"{path}, sample {sample}"

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
}

/// The model file's record of a network in the precision it was trained in.
let private modelOf (network: Network<'T>) (loss: Loss) (metadata: ModelMetadata) (standardization: Standardization option) (classNames: string list) =
    let names = if classNames.IsEmpty then null else classNames

    match box network with
    | :? Network<float32> as single -> Model.Of(single, loss, metadata, Option.toObj standardization, names)
    | _ -> Model(network.Convert<float>(), loss, metadata, Option.toObj standardization, names)

/// `nn train` in precision 'T, after the options are checked: returns the exit code.
let private trainAs<'T when 'T: unmanaged and 'T :> Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (plan: TrainPlan)
    =
    let path, label = plan.DataPath, plan.Label
    let regression = plan.LossName = "mse"
    let data = readLabelled<'T> path label plan.LabelsFile regression

    let loss, outputs, outputActivation =
        match plan.LossName, data.Targets with
        | "mse", _ -> Loss.SquaredError, 1, Activation.Identity
        | ("auto" | "bce" | "ce"), Targets.Classes(labels, count) ->
            if count < 2 then
                fail $"{path}: every label is 0; classification needs at least two classes"

            match plan.LossName with
            | "bce" when count > 2 ->
                let sample = labels |> Seq.findIndex (fun l -> l > 1)
                fail $"{origin path sample label}: label {labels[sample]} cannot be used with bce, which takes 0 or 1"
            | "bce" -> Loss.BinaryCrossEntropy, 1, Activation.Sigmoid
            | "auto" when count = 2 -> Loss.BinaryCrossEntropy, 1, Activation.Sigmoid
            | _ -> Loss.SoftmaxCrossEntropy, count, Activation.Softmax
        | ("auto" | "bce" | "ce"), Targets.Values _ -> fail $"--loss {plan.LossName} needs class labels"
        | other, _ -> fail $"--loss {other}: expected auto, bce, ce or mse"

    let rng = Rng.FromSeed plan.Seed

    let trainPart, validationPart =
        if plan.Validation > 0.0 then
            let t, v = Batching.trainTest plan.Validation (not regression) rng data
            t, Some v
        else
            data, None

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

    let struct (_, initRng) = rng.Split()
    let network = Network.Create<'T>(data.FeatureCount, layers, initializer, initRng)

    let classNames =
        match data.Targets with
        | Targets.Classes(_, count) -> [ for c in 0 .. count - 1 -> string c ]
        | Targets.Values _ -> []

    let invariant (v: float) =
        v.ToString("R", Globalization.CultureInfo.InvariantCulture)

    let precision = if typeof<'T> = typeof<float32> then "float32" else "float64"
    let batchNote = plan.Batch |> Option.map string |> Option.defaultValue "full"
    let rateNote = plan.Rate |> Option.map (fun r -> "lr", invariant r) |> Option.toList

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
    ]

    let running =
        modelOf network loss (ModelMetadata.Create(Nullable(int64 plan.Seed), [ for k, v in settings -> KeyValuePair(k, v) ])) standardization classNames

    plan.Resume
    |> Option.iter (fun (p, checkpoint) -> checkResume p checkpoint running plan.Optimizer plan.Epochs)

    let train, validation = scale trainPart, validationPart |> Option.map scale

    // One run of the engine with the chosen optimizer, from the start or from the checkpoint.
    let fitWith (optimizer: Optimizer<'T, 'S>) (report: int -> string -> unit) : Result<Trained<'T>, string> =
        let config = {
            Training.defaults optimizer with
                Epochs = plan.Epochs
                BatchSize = plan.Batch |> Option.defaultValue Int32.MaxValue
                Seed = plan.Seed
                Loss = loss
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

        match plan.Resume with
        | None -> Training.fit config network train |> Result.mapError _.Message
        | Some(path, saved) ->
            match Checkpoints.ofCore plan.Optimizer optimizer network saved with
            | Error e -> Error $"--resume {path}: {e}"
            | Ok start -> Training.resume config network train start |> Result.mapError _.Message

    let run report =
        // Only the first-order optimizers have a rate (the options make sure of it); the others never call this one.
        let rate: Schedule =
            match plan.Rate with
            | Some r -> Schedules.constant r
            | None -> fun _ -> nan

        match plan.Optimizer with
        | "sgd" -> fitWith (Optimizers.sgd rate) report
        | "momentum" -> fitWith (Optimizers.momentum 0.9 rate) report
        | "adam" -> fitWith (Optimizers.adam rate) report
        | "adamw" -> fitWith (Optimizers.adamw 1e-2 rate) report
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
        yield! plan.Rate |> Option.map (fun r -> KeyValuePair("learning_rate", invariant r)) |> Option.toList
        KeyValuePair("epochs", string epochsRun.Length)
        KeyValuePair("batch", batchNote)
        KeyValuePair("precision", precision)
    ]

    let model =
        modelOf trained.Network loss (ModelMetadata.Create(Nullable(int64 plan.Seed), notes)) standardization classNames

    ModelFile.Save(model, plan.Out, plan.Force)
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
    plot |> Option.iter (Plot.formatOf >> ignore)
    let checkpointPath = args.TryGetResult TrainArgs.Checkpoint
    let resumePath = args.TryGetResult TrainArgs.Resume

    let isResumed (p: string) =
        resumePath |> Option.exists (fun r -> Path.GetFullPath r = Path.GetFullPath p)

    for path in
        out :: Option.toList plot
        @ (Option.toList checkpointPath |> List.filter (isResumed >> not)) do
        if File.Exists path && not force then
            fail $"{path} exists; pass --force to overwrite it"

    let hidden =
        args.GetResult(TrainArgs.Layers, "32").Split(',', StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun s ->
            match Int32.TryParse(s.Trim()) with
            | true, n when n > 0 -> n
            | _ -> fail $"--layers {args.GetResult(TrainArgs.Layers, String.Empty)}: sizes must be positive whole numbers, e.g. 32,16")

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
        | Some b when optimizer = "lbfgs" -> fail $"--batch {b}: --optimizer lbfgs uses the full batch (its curvature pairs compare consecutive gradients of the same data)"
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
        DataPath = args.GetResult TrainArgs.Data
        Label = args.GetResult(TrainArgs.Label, "label")
        LabelsFile = args.TryGetResult TrainArgs.Labels
        Hidden = hidden
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
    }

    match args.GetResult(TrainArgs.Precision, "float32") with
    | "float32" -> trainAs<float32> plan
    | "float64" -> trainAs<float> plan
    | other -> fail $"--precision {other}: expected float32 or float64"

let private loadModel (path: string) =
    try
        ModelFile.Load path
    with
    | :? ModelFormatException as e -> fail e.Message
    | :? FileNotFoundException -> fail $"{path}: no such file"
    | :? UnauthorizedAccessException -> fail $"{path}: cannot be read (permission denied)"
    | :? IOException as e -> fail $"{path}: cannot be read ({e.Message})"

let private checkFeatures (path: string) (model: Model) (features: Matrix<float>) =
    if features.RowCount <> model.Network.Inputs then
        fail $"{path} has {features.RowCount} feature columns but the model expects {model.Network.Inputs}"

/// `nn evaluate`: returns the exit code.
let evaluate (args: ParseResults<EvaluateArgs>) =
    let modelPath = args.GetResult EvaluateArgs.Model
    let path = args.GetResult EvaluateArgs.Data
    let label = args.GetResult(EvaluateArgs.Label, "label")
    let json = args.Contains EvaluateArgs.Json
    let model = loadModel modelPath

    let data =
        readLabelled path label (args.TryGetResult EvaluateArgs.Labels) (not model.IsClassifier)

    checkFeatures path model data.Features
    let predictions = model.Predict data.Features

    if model.IsClassifier then
        let labels, _ = classLabels data
        let classes = max 2 model.Network.Outputs

        match labels |> Seq.tryFindIndex (fun l -> l >= classes) with
        | Some sample -> fail $"{origin path sample label}: label {labels[sample]} is not one of the model's {classes} classes (0 to {classes - 1})"
        | None -> ()

        let predicted = model.PredictClasses data.Features
        let accuracy = Metrics.accuracy predicted labels

        let probabilities =
            if model.Network.Outputs = 1 then
                Matrix<float>.Build.Dense(2, predictions.ColumnCount, fun r c -> if r = 1 then predictions[0, c] else 1.0 - predictions[0, c])
            else
                predictions

        let logLoss = Metrics.logLoss probabilities labels
        let confusion = Metrics.confusion classes predicted labels

        if json then
            printJson [
                "samples", o data.Samples
                "accuracy", o accuracy
                "log_loss", o logLoss
                "confusion",
                o [|
                    for r in 0 .. classes - 1 -> [| for c in 0 .. classes - 1 -> confusion[r, c] |]
                |]
            ]
        else
            Console.Out.WriteLine $"{data.Samples} samples: accuracy {num 4 accuracy}, log loss {num 4 logLoss}"
            Console.Out.WriteLine "confusion matrix (rows: actual, columns: predicted)"

            for r in 0 .. classes - 1 do
                let cells =
                    [ for c in 0 .. classes - 1 -> sprintf "%6d" confusion[r, c] ]
                    |> String.concat ""

                Console.Out.WriteLine $"{r, 4} {cells}"
    else
        let targets =
            match data.Targets with
            | Targets.Values v -> v
            | Targets.Classes(labels, _) -> Matrix<float>.Build.Dense(1, labels.Length, fun _ c -> float labels[c])

        let mse = Metrics.meanSquaredError predictions targets
        let mae = (predictions - targets).Enumerate() |> Seq.averageBy abs

        if json then
            printJson [ "samples", o data.Samples; "mse", o mse; "mae", o mae ]
        else
            Console.Out.WriteLine $"{data.Samples} samples: MSE {num 6 mse}, MAE {num 6 mae}"

    0

/// `nn predict`: writes one row per sample (probabilities per class, then the class) and returns the exit code.
let predict (args: ParseResults<PredictArgs>) =
    let model = loadModel (args.GetResult PredictArgs.Model)
    let path = args.GetResult PredictArgs.Data
    let out = args.GetResult PredictArgs.Out
    let force = args.Contains PredictArgs.Force

    if File.Exists out && not force then
        fail $"{out} exists; pass --force to overwrite it"

    let features, _, _ = readFeatures path (args.GetResult(PredictArgs.Label, "label"))
    checkFeatures path model features
    let predictions = model.Predict features
    let text = StringBuilder()

    let invariant (v: float) =
        v.ToString("R", Globalization.CultureInfo.InvariantCulture)

    if model.IsClassifier then
        let names =
            if model.ClassNames.IsDefaultOrEmpty then
                [ for c in 0 .. max 2 model.Network.Outputs - 1 -> string c ]
            else
                List.ofSeq model.ClassNames

        let classes = model.PredictClasses features
        let header = (names |> List.map (fun n -> $"p_{n}")) @ [ "class" ]
        text.AppendLine(String.Join(",", header)) |> ignore

        for j in 0 .. features.ColumnCount - 1 do
            let probabilities =
                if model.Network.Outputs = 1 then
                    [ 1.0 - predictions[0, j]; predictions[0, j] ]
                else
                    [ for r in 0 .. predictions.RowCount - 1 -> predictions[r, j] ]

            text.AppendLine(String.Join(",", (probabilities |> List.map invariant) @ [ names[classes[j]] ]))
            |> ignore
    else
        text.AppendLine "prediction" |> ignore

        for j in 0 .. features.ColumnCount - 1 do
            text.AppendLine(invariant predictions[0, j]) |> ignore

    AtomicFile.WriteAllText(out, text.ToString(), force)
    Console.Out.WriteLine $"wrote {features.ColumnCount} predictions to {out}"
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
    let model = loadModel (args.GetResult ExportArgs.Model)
    let out = args.GetResult ExportArgs.Onnx
    let force = args.Contains ExportArgs.Force

    if File.Exists out && not force then
        fail $"{out} exists; pass --force to overwrite it"

    let precision =
        match args.GetResult(ExportArgs.Precision, "float64") with
        | "float64" -> Nn.Interop.OnnxPrecision.Float64
        | "float32" -> Nn.Interop.OnnxPrecision.Float32
        | other -> fail $"--precision {other}: expected float64 or float32"

    Nn.Interop.OnnxExport.Write(model, out, precision, force)

    Console.Out.WriteLine
        $"wrote {out} (ONNX opset {Nn.Interop.OnnxExport.OpsetVersion}, input [N, {model.Network.Inputs}], output [N, {model.Network.Outputs}])"

    0
