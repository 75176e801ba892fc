/// What the commands share: one-line failures, output modes, reading data files, progress.
module Nn.Cli.Common

open System
open System.Globalization
open System.IO
open System.Text.Json
open Nn.Data
open Nn.LinearAlgebra
open Nn.Pipeline
open Spectre.Console

/// A failure the user can fix: printed as one line `nn: <message>`, exit code 1.
exception CliError of string

/// Raises a <c>CliError</c>.
let fail message = raise (CliError message)

/// How a command reports: a JSON object for scripts, plain lines when output is redirected, live progress on a terminal.
type Mode =
    | JsonOutput
    | Plain
    | Live

/// The mode for the `--json` flag and the current standard output.
let modeOf (json: bool) =
    if json then JsonOutput
    elif Console.IsOutputRedirected then Plain
    else Live

/// Formats a number for people, culture-independent.
let num (digits: int) (value: float) =
    value.ToString("F" + string digits, CultureInfo.InvariantCulture)

/// JSON for a terminal or a pipe, not for embedding in HTML: '+', quotes and non-ASCII text stay readable.
let private jsonOptions =
    JsonSerializerOptions(Encoder = Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)

/// Writes one JSON object (keys in the given order) to standard output.
let printJson (fields: (string * objnull) list) =
    let map = Collections.Generic.Dictionary<string, objnull>()

    for key, value in fields do
        map[key] <- value

    Console.Out.WriteLine(JsonSerializer.Serialize(map, jsonOptions))

/// A value as an object for JSON fields (null becomes JSON null).
let o (value: 'a) : objnull = box value

/// Whether a path names an IDX file (by its magic number), as opposed to CSV text.
let private isIdx (path: string) =
    try
        use stream = File.OpenRead path
        let head = Array.zeroCreate<byte> 4
        let read = stream.Read(head, 0, 4)

        (read = 4 && head[0] = 0uy && head[1] = 0uy && head[2] = 8uy)
        || (read >= 2 && head[0] = 0x1fuy && head[1] = 0x8buy)
    with _ ->
        false

/// The labels file beside an IDX images file: `--labels`, or the images name with images-idx3 → labels-idx1.
let labelsPathFor (images: string) (labels: string option) =
    match labels with
    | Some path -> path
    | None ->
        let name = Path.GetFileName images |> Option.ofObj |> Option.defaultValue images

        if name.Contains "images-idx3" then
            Path.Combine(Path.GetDirectoryName images |> Option.ofObj |> Option.defaultValue "", name.Replace("images-idx3", "labels-idx1"))
        else
            fail $"{images}: an IDX images file needs its labels: pass --labels <path>"

/// Whether a path names an IDX images file (rather than CSV text); false for what does not exist or cannot be read.
let isIdxFile (path: string) = File.Exists path && isIdx path

/// A labelled data set read for training, with where each value came from (for messages).
type Loaded<'T when 'T: unmanaged and 'T :> Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// The data set.
    Data: Dataset<'T>
    /// Where sample j's feature i came from (or its label, for i = −1): "file, line L, column C (name)" for CSV,
    /// "file, sample j" for IDX.
    Place: int -> int -> string
}

/// <summary>
/// Reads a labelled data set from CSV (classification or regression targets) or from IDX images + labels
/// (pixels / 255), held in the precision 'T: IDX pixels are converted straight to 'T; CSV cells are parsed in float64
/// and rounded to 'T once. Returns it with the place of each value, for messages.
/// </summary>
let readLabelled<'T when 'T: unmanaged and 'T :> Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (path: string)
    (label: string)
    (labelsFile: string option)
    (regression: bool)
    : Loaded<'T> =
    if not (File.Exists path) && not (Directory.Exists path) then
        fail $"{path}: no such file"
    elif isIdx path then
        let images =
            try
                Idx.ReadLabelledImages(path, labelsPathFor path labelsFile)
            with
            | :? DataFormatException as e -> fail e.Message
            | :? IOException as e -> fail e.Message

        let struct (features: 'T[], labels) = images.ToFeatures<'T>()

        {
            Data =
                Data.create
                    (Dense.Matrix(images.FeatureCount, images.Count, features))
                    (Targets.Classes(Collections.Immutable.ImmutableArray.Create<int>(Array.map int labels), int (Array.max labels) + 1))
                    [ for i in 0 .. images.FeatureCount - 1 -> $"pixel{i}" ]
            Place =
                fun sample feature ->
                    if feature < 0 then
                        $"{path}, sample {sample}"
                    else
                        $"{path}, sample {sample}, pixel {feature}"
        }
    else
        let header, block =
            match Csv.readFile path (LabelColumn.Required label) with
            | Ok read -> read
            | Error e -> fail e.Message

        let labelColumn = header.Label.Value

        let targets =
            if regression then
                Targets.Values(Dense.Matrix(1, block.Labels.Length, block.Labels))
            else
                match Csv.classLabels header block with
                | Ok labels -> Targets.Classes(Collections.Immutable.ImmutableArray.Create<int> labels, Array.max labels + 1)
                | Error e -> fail e.Message

        let place sample feature =
            let column =
                if feature < 0 then labelColumn
                elif feature < labelColumn then feature
                else feature + 1

            $"{path}, line {block.Lines[sample]}, column {column + 1} ({header.Columns[column]})"

        let data = Data.create block.Features targets header.FeatureNames

        {
            Data =
                match box data with
                | :? Dataset<'T> as same -> same
                | _ ->
                    try
                        Data.convert<'T, float> data
                    with :? ArgumentException as e ->
                        // Name the first value the precision cannot hold, by line and column.
                        let values = Dense.Data block.Features
                        let n = header.FeatureNames.Length

                        match values |> Array.tryFindIndex (fun v -> abs v > float Single.MaxValue) with
                        | Some k when typeof<'T> = typeof<float32> ->
                            fail $"{place (k / n) (k % n)}: {values[k]:G4} does not fit float32 (at most ±3.4e38); pass --precision float64"
                        | _ -> fail $"{path}: {e.Message} (the value does not fit {typeof<'T>.Name}: use --precision float64)"
            Place = place
        }

/// Runs `work` with a live progress bar of `total` epochs when on a terminal; `work` receives a reporter
/// (epoch, description) that advances it. In the other modes the reporter prints a plain line or nothing.
let withProgress (mode: Mode) (title: string) (total: int) (work: (int -> string -> unit) -> 'T) : 'T =
    match mode with
    | Live ->
        let mutable result = Unchecked.defaultof<'T>

        AnsiConsole
            .Progress()
            .Columns(TaskDescriptionColumn(), ProgressBarColumn(), PercentageColumn(), ElapsedTimeColumn())
            .Start(fun ctx ->
                let task = ctx.AddTask(title, true, float total)

                result <-
                    work (fun epoch text ->
                        task.Description <- $"{title}  {text}"
                        task.Value <- float epoch))

        result
    | Plain -> work (fun epoch text -> Console.Out.WriteLine $"epoch {epoch}/{total}  {text}")
    | JsonOutput -> work (fun _ _ -> ())
