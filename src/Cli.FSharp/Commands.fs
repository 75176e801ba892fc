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

/// Everything `nn train` decided before training, independent of the optimizer's state type.
type private Plan = {
    Loss: Loss
    Train: Dataset
    Validation: Dataset option
    Network: Network<float>
    Epochs: int
    Batch: int
    Seed: int
    Rate: float
    Patience: int option
    Report: int -> string -> unit
    /// The `--optimizer` name, recorded in checkpoints.
    OptimizerName: string
    /// The model being trained (loss, settings, standardization, class names), for checkpoints.
    Model: Model
    /// `--checkpoint`: where to write the training state after every epoch.
    CheckpointPath: string option
    /// `--resume`: the path and the checkpoint loaded from it, already checked against the options.
    Resume: (string * Checkpoint) option
}

let private fitWith (recipe: Schedule -> Optimizer<'S>) (plan: Plan) =
    let config = {
        Training.defaults recipe with
            Epochs = plan.Epochs
            BatchSize = plan.Batch
            Seed = plan.Seed
            LearningRate = Schedules.constant plan.Rate
            Loss = plan.Loss
            Validation = plan.Validation
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

                    plan.Report e.Epoch $"loss {num 4 e.TrainLoss}{validation}"
            // The run's own checkpoint file is replaced after every epoch, atomically.
            OnCheckpoint =
                match plan.CheckpointPath with
                | Some path -> Checkpoints.save path true plan.OptimizerName plan.Model
                | None -> ignore
    }

    match plan.Resume with
    | None -> Training.fit config plan.Network plan.Train |> Result.mapError _.Message
    | Some(path, saved) ->
        let template = (config.Optimizer config.LearningRate).Init plan.Network.Parameters

        match Checkpoints.ofCore plan.OptimizerName template saved with
        | Error e -> Error $"--resume {path}: {e}"
        | Ok start ->
            Training.resume config plan.Network plan.Train start
            |> Result.mapError _.Message

let private epochReport (plan: Plan) (e: EpochRecord) =
    plan.Report e.Epoch $"loss {num 6 e.TrainLoss}"

/// Full-batch second-order training: damped exact Newton when the dense Hessian fits, Hessian-free otherwise.
let private fitNewton (plan: Plan) =
    let run (optimizer: SecondOrderOptimizer<'S>) =
        let config = {
            SecondOrder.defaults optimizer with
                Epochs = plan.Epochs
                Seed = plan.Seed
                Loss = plan.Loss
                OnEpoch = epochReport plan
        }

        SecondOrder.fit config plan.Network plan.Train |> Result.mapError _.Message

    if plan.Network.ParameterCount <= Nn.Newton.Curvature.MaxDenseParameters then
        run (SecondOrder.dampedNewton SecondOrder.newtonDefaults)
    else
        run (SecondOrder.hessianFree SecondOrder.hessianFreeDefaults)

/// Full-batch L-BFGS (MathNet's limited-memory BFGS) with at most `Epochs` iterations; one history entry per evaluation.
let private fitLbfgs (plan: Plan) =
    SecondOrder.lbfgs
        {
            SecondOrder.lbfgsDefaults with
                MaxIterations = plan.Epochs
        }
        plan.Loss
        plan.Network
        plan.Train
    |> Result.mapError _.Message
    |> Result.map (fun run ->
        let epochs =
            List.zip run.Evaluations run.GradientNorms
            |> List.mapi (fun i (loss, norm) -> {
                Epoch = i + 1
                Steps = i + 1
                TrainLoss = loss
                TrainAccuracy = None
                ValidationLoss = None
                ValidationAccuracy = None
                GradientNorm = norm
                LearningRate = 1.0
            })

        plan.Report plan.Epochs $"loss {num 6 (List.last run.Evaluations)} after {run.Iterations} iterations"

        {
            Network = run.Network
            History = { Steps = []; Epochs = epochs }
            BestEpoch = None
            StoppedEarly = false
        })

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

let private classLabels (data: Dataset) =
    match data.Targets with
    | Targets.Classes(labels, count) -> labels, count
    | Targets.Values _ -> fail "expected class labels"

/// The architecture in one line, e.g. `2 → 4 tanh → 1 sigmoid`.
let private architecture (network: Network<float>) =
    String.Join(
        " → ",
        string network.Inputs
        :: [ for l in network.Layers -> $"{l.Outputs} {l.Activation.Name}" ]
    )

/// An FNV-1a hash of the training data's features and targets, so a resumed run can tell that its data changed.
let private fingerprint (data: Dataset) =
    let mutable hash = 14695981039346656037UL

    let mix (value: uint64) =
        for shift in 0..8..56 do
            hash <- (hash ^^^ ((value >>> shift) &&& 0xFFUL)) * 1099511628211UL

    mix (uint64 data.Features.RowCount)
    mix (uint64 data.Features.ColumnCount)

    for v in data.Features.ToColumnMajorArray() do
        mix (uint64 (BitConverter.DoubleToInt64Bits v))

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

    let path = args.GetResult TrainArgs.Data
    let label = args.GetResult(TrainArgs.Label, "label")

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

    let rate =
        args.GetResult(
            TrainArgs.Lr,
            (if optimizer = "sgd" || optimizer = "momentum" then
                 0.1
             else
                 1e-3)
        )

    if not (Double.IsFinite rate) || rate <= 0.0 then
        fail $"--lr {rate}: must be a positive number"

    let epochs = positive "--epochs" (args.GetResult(TrainArgs.Epochs, 30))
    let batch = positive "--batch" (args.GetResult(TrainArgs.Batch, 32))
    let seed = args.GetResult(TrainArgs.Seed, 0)
    let validation = args.GetResult(TrainArgs.Validation, 0.0)

    if not (validation >= 0.0 && validation < 1.0) then
        fail $"--validation {validation}: must be in [0, 1)"

    let patience =
        args.TryGetResult TrainArgs.Early_Stopping
        |> Option.map (positive "--early-stopping")

    if patience.IsSome && validation = 0.0 then
        fail "--early-stopping needs a validation split: pass --validation, e.g. 0.2"

    if patience.IsSome && (optimizer = "newton" || optimizer = "lbfgs") then
        fail $"--early-stopping works with sgd, momentum, adam and adamw, not {optimizer}"

    if
        (checkpointPath.IsSome || resumePath.IsSome)
        && (optimizer = "newton" || optimizer = "lbfgs")
    then
        fail $"--checkpoint and --resume work with sgd, momentum, adam and adamw, not {optimizer}"

    let saved =
        resumePath
        |> Option.map (fun p ->
            try
                p, CheckpointFile.Load p
            with :? FileNotFoundException ->
                fail $"--resume {p}: no such file")

    let lossName = args.GetResult(TrainArgs.Loss, "auto")
    let regression = lossName = "mse"
    let data = readLabelled path label (args.TryGetResult TrainArgs.Labels) regression

    let loss, outputs, outputActivation =
        match lossName, data.Targets with
        | "mse", _ -> Loss.SquaredError, 1, Activation.Identity
        | ("auto" | "bce" | "ce"), Targets.Classes(labels, count) ->
            if count < 2 then
                fail $"{path}: every label is 0; classification needs at least two classes"

            match lossName with
            | "bce" when count > 2 ->
                let sample = labels |> Seq.findIndex (fun l -> l > 1)
                fail $"{origin path sample label}: label {labels[sample]} cannot be used with bce, which takes 0 or 1"
            | "bce" -> Loss.BinaryCrossEntropy, 1, Activation.Sigmoid
            | "auto" when count = 2 -> Loss.BinaryCrossEntropy, 1, Activation.Sigmoid
            | _ -> Loss.SoftmaxCrossEntropy, count, Activation.Softmax
        | ("auto" | "bce" | "ce"), Targets.Values _ -> fail $"--loss {lossName} needs class labels"
        | other, _ -> fail $"--loss {other}: expected auto, bce, ce or mse"

    let rng = Rng.FromSeed seed

    let trainPart, validationPart =
        if validation > 0.0 then
            let t, v = Batching.trainTest validation (not regression) rng data
            t, Some v
        else
            data, None

    let standardization =
        if args.Contains TrainArgs.Standardize then
            Some(Standardization.Fit trainPart.Features)
        else
            None

    let scale (d: Dataset) =
        match standardization with
        | Some s -> { d with Features = s.Apply d.Features }
        | None -> d

    let layers =
        [ for units in hidden -> struct (units, activation) ]
        @ [ struct (outputs, outputActivation) ]

    let initializer =
        if activation = Activation.Relu then
            Initializer.He
        else
            Initializer.XavierNormal

    let struct (_, initRng) = rng.Split()
    let network = Network.Create<float>(data.FeatureCount, layers, initializer, initRng)

    let classNames =
        match data.Targets with
        | Targets.Classes(_, count) -> [ for c in 0 .. count - 1 -> string c ]
        | Targets.Values _ -> []
    // What a checkpoint records of the run's settings; a resumed run must have the same.
    let settings = [
        KeyValuePair("data", Path.GetFullPath path)
        KeyValuePair(
            "data_fingerprint",
            (if checkpointPath.IsSome || saved.IsSome then
                 fingerprint data
             else
                 "not computed")
        )
        KeyValuePair("optimizer", optimizer)
        KeyValuePair("lr", rate.ToString("R", Globalization.CultureInfo.InvariantCulture))
        KeyValuePair("batch", string batch)
        KeyValuePair("seed", string seed)
        KeyValuePair("validation", validation.ToString("R", Globalization.CultureInfo.InvariantCulture))
        KeyValuePair("early_stopping", patience |> Option.map string |> Option.defaultValue "off")
        KeyValuePair("standardize", (if args.Contains TrainArgs.Standardize then "on" else "off"))
    ]

    let running =
        Model(
            network,
            loss,
            ModelMetadata.Create(Nullable(int64 seed), settings),
            Option.toObj standardization,
            (if classNames.IsEmpty then null else classNames)
        )

    saved
    |> Option.iter (fun (p, checkpoint) -> checkResume p checkpoint running optimizer epochs)

    let run report =
        let plan = {
            Loss = loss
            Train = scale trainPart
            Validation = validationPart |> Option.map scale
            Network = network
            Epochs = epochs
            Batch = batch
            Seed = seed
            Rate = rate
            Patience = patience
            Report = report
            OptimizerName = optimizer
            Model = running
            CheckpointPath = checkpointPath
            Resume = saved
        }

        match optimizer with
        | "sgd" -> fitWith Optimizers.sgd plan
        | "momentum" -> fitWith (Optimizers.momentum 0.9) plan
        | "adam" -> fitWith Optimizers.adam plan
        | "adamw" -> fitWith (Optimizers.adamw 1e-2) plan
        | "newton" -> fitNewton plan
        | "lbfgs" -> fitLbfgs plan
        | other -> fail $"--optimizer {other}: expected sgd, momentum, adam, adamw, newton or lbfgs"

    let trained =
        match withProgress mode "training" epochs run with
        | Ok trained -> trained
        | Error message -> fail $"{message.TrimEnd('.')}; nothing was written"

    let notes = [
        KeyValuePair("data", path)
        KeyValuePair("optimizer", optimizer)
        KeyValuePair("learning_rate", rate.ToString("R", Globalization.CultureInfo.InvariantCulture))
        KeyValuePair("epochs", string trained.History.Epochs.Length)
        KeyValuePair("batch", string batch)
    ]

    let model =
        Model(
            trained.Network,
            loss,
            ModelMetadata.Create(Nullable(int64 seed), notes),
            Option.toObj standardization,
            (if classNames.IsEmpty then null else classNames)
        )

    ModelFile.Save(model, out, force)
    let epochsRun = trained.History.Epochs
    let last = List.last epochsRun

    match plot with
    | Some plotPath ->
        let series = [
            yield NamedSeries("training", epochsRun |> List.map _.TrainLoss)
            if validationPart.IsSome then
                yield NamedSeries("validation", epochsRun |> List.choose _.ValidationLoss)
        ]

        Plot.write plotPath $"{Path.GetFileName path}: {loss.Name} loss" series force
    | None -> ()

    match mode with
    | JsonOutput ->
        printJson [
            "model", o out
            "epochs", o epochsRun.Length
            "stopped_early", o trained.StoppedEarly
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
        Console.Out.WriteLine $"saved {out}"
        plot |> Option.iter (fun p -> Console.Out.WriteLine $"plotted {p}")

    0

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
