/// The command line of `nn`, declared with Argu.
module Nn.Cli.Arguments

open Argu

/// `nn train` options.
[<CliPrefix(CliPrefix.DoubleDash)>]
type TrainArgs =
    | [<Unique; Mandatory>] Data of path: string
    | [<Unique>] Label of column: string
    | [<Unique>] Labels of path: string
    | [<Unique>] Layers of sizes: string
    | [<Unique>] Activation of name: string
    | [<Unique>] Loss of name: string
    | [<Unique>] Optimizer of name: string
    | [<Unique>] Lr of rate: float
    | [<Unique>] Epochs of count: int
    | [<Unique>] Batch of size: int
    | [<Unique>] Seed of seed: int
    | [<Unique>] Validation of fraction: float
    | [<Unique>] Early_Stopping of patience: int
    | [<Unique>] Standardize
    | [<Unique>] Dropout of rates: string
    | [<Unique>] Class_Weight of weights: string
    | [<Unique>] Sample_Weight of column: string
    | [<Unique>] L2 of lambda: float
    | [<Unique>] Weight_Decay of decay: float
    | [<Unique>] Clip_Norm of norm: float
    | [<Unique>] Schedule of name: string
    | [<Unique>] Warmup of updates: int
    | [<Unique; Mandatory>] Out of path: string
    | [<Unique>] Force
    | [<Unique>] Plot of path: string
    | [<Unique>] Checkpoint of path: string
    | [<Unique>] Resume of path: string
    | [<Unique>] Precision of name: string
    | [<Unique>] Json

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Data _ -> "training data: a CSV file with a header row, or an IDX images file (.gz allowed)."
            | Label _ -> "the label column of a CSV file (default: label)."
            | Labels _ -> "the IDX labels file for IDX images (default: the images path with images-idx3 → labels-idx1)."
            | Layers _ -> "hidden layer sizes, comma-separated (default: 32); none for no hidden layer."
            | Activation _ -> "hidden activation: relu, tanh or sigmoid (default: relu)."
            | Loss _ -> "auto, bce, ce or mse (default: auto — bce for two classes, ce for more)."
            | Optimizer _ -> "sgd, momentum, adam, adamw, newton or lbfgs (default: adam)."
            | Lr _ -> "learning rate (default: 0.1 for sgd and momentum, 0.001 for adam and adamw; newton and lbfgs choose their own steps)."
            | Epochs _ -> "passes over the training data (default: 30; for newton and lbfgs, iterations on the full batch)."
            | Batch _ -> "minibatch size (default: 32; newton and lbfgs use the full batch, newton also takes --batch)."
            | Seed _ -> "random seed for initialisation, splits and shuffles (default: 0)."
            | Validation _ -> "fraction held out for validation, stratified (default: 0)."
            | Early_Stopping _ -> "stop when validation loss has not improved for this many epochs; restores the best weights."
            | Standardize -> "standardise features with means and scales fitted on the training part; saved with the model."
            | Dropout _ -> "inverted dropout rate on the hidden layers' outputs in training: one rate for all, or one per hidden layer (default: 0)."
            | Class_Weight _ -> "balanced (w_c = m / (k·m_c) on the training part) or one weight per class, comma-separated: J = Σ wᵢLᵢ / Σ wᵢ."
            | Sample_Weight _ -> "a CSV column of per-sample weights (not a feature); multiplied by --class-weight when both are given."
            | L2 _ -> "λ of the penalty ½λ‖W‖² on the weights (not biases), part of the objective for every optimizer (default: 0)."
            | Weight_Decay _ -> "decoupled weight decay λ: θ ← θ − α(t)·(u + λθ) (default: 0; 0.01 for adamw); first-order optimizers."
            | Clip_Norm _ -> "clip each step's gradient to this global L2 norm before the optimizer; first-order optimizers."
            | Schedule _ ->
                "learning-rate schedule: constant, cosine (to 0 over the run), step (×0.5 every 10 epochs) or exponential (×0.5 per 10 epochs, smooth)."
            | Warmup _ -> "linear learning-rate warm-up over this many updates before the schedule starts."
            | Out _ -> "where to write the model (JSON)."
            | Force -> "overwrite existing output files."
            | Plot _ -> "write the loss curves (training and validation) here, as .svg or .png."
            | Checkpoint _ -> "after every epoch, atomically write the full training state here (replacing the previous one)."
            | Resume _ -> "continue the run saved in this checkpoint; data and options must be the ones it was made with."
            | Precision _ -> "float32 (default: half the memory and about twice the speed) or float64; the model file records it."
            | Json -> "print one JSON object instead of progress."

/// `nn evaluate` options.
[<CliPrefix(CliPrefix.DoubleDash)>]
type EvaluateArgs =
    | [<Unique; Mandatory>] Model of path: string
    | [<Unique; Mandatory>] Data of path: string
    | [<Unique>] Label of column: string
    | [<Unique>] Labels of path: string
    | [<Unique>] By_Position
    | [<Unique>] Json

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Model _ -> "a model written by nn train."
            | By_Position -> "match the data's feature columns to the model's by position, even where their names differ."
            | Data _ -> "test data: CSV with a header row, or IDX images."
            | Label _ -> "the label (or target) column of a CSV file (default: label)."
            | Labels _ -> "the IDX labels file for IDX images."
            | Json -> "print one JSON object."

/// `nn predict` options.
[<CliPrefix(CliPrefix.DoubleDash)>]
type PredictArgs =
    | [<Unique; Mandatory>] Model of path: string
    | [<Unique; Mandatory>] Data of path: string
    | [<Unique; Mandatory>] Out of path: string
    | [<Unique>] Label of column: string
    | [<Unique>] By_Position
    | [<Unique>] Force

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Model _ -> "a model written by nn train."
            | Data _ -> "a CSV file of features with a header row (a label column, if present, is ignored)."
            | By_Position -> "match the data's feature columns to the model's by position, even where their names differ."
            | Out _ -> "where to write the predictions (CSV), or - for standard output."
            | Label _ -> "a column to ignore if present (default: label)."
            | Force -> "overwrite an existing output file."

/// `nn summary` options.
[<CliPrefix(CliPrefix.DoubleDash)>]
type SummaryArgs =
    | [<Unique; Mandatory>] Model of path: string
    | [<Unique>] Json

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Model _ -> "a model written by nn train."
            | Json -> "print one JSON object."

/// `nn export` options.
[<CliPrefix(CliPrefix.DoubleDash)>]
type ExportArgs =
    | [<Unique; Mandatory>] Model of path: string
    | [<Unique; Mandatory>] Onnx of path: string
    | [<Unique>] Precision of name: string
    | [<Unique>] Force

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Model _ -> "a model written by nn train."
            | Onnx _ -> "where to write the ONNX model, or - for standard output."
            | Precision _ -> "float64 (default, exact) or float32."
            | Force -> "overwrite an existing output file."

/// `nn demo` options.
[<CliPrefix(CliPrefix.DoubleDash)>]
type DemoArgs =
    | [<Unique>] Lecture
    | [<Unique>] Json

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Lecture -> "the lecture's 2-2-1 network on the Aack/Beep table and XOR instead of digits."
            | Json -> "print one JSON object."

/// The `nn` commands.
type Command =
    | [<CliPrefix(CliPrefix.None)>] Demo of ParseResults<DemoArgs>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Evaluate of ParseResults<EvaluateArgs>
    | [<CliPrefix(CliPrefix.None)>] Predict of ParseResults<PredictArgs>
    | [<CliPrefix(CliPrefix.None)>] Summary of ParseResults<SummaryArgs>
    | [<CliPrefix(CliPrefix.None)>] Export of ParseResults<ExportArgs>
    | Version

    interface IArgParserTemplate with
        member c.Usage =
            match c with
            | Demo _ -> "train on the digits shipped with Nn and print the test accuracy (no download)."
            | Train _ -> "train a network on a CSV or IDX file and save it."
            | Evaluate _ -> "score a saved model on labelled data."
            | Predict _ -> "write a saved model's probabilities and classes for new data."
            | Summary _ -> "show a saved model's layers, shapes and parameter count."
            | Export _ -> "write a saved model as an ONNX graph (opset 13) with its standardisation."
            | Version -> "print the version."
