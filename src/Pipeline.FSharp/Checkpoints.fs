namespace Nn.Pipeline

open System
open System.Collections
open System.Collections.Immutable
open System.Globalization
open System.Numerics
open Microsoft.FSharp.Reflection
open Nn.Layers
open Nn.Models
open Nn.Reporting
open Nn.Serialization

/// <summary>
/// An optimizer state in a generic form: its parameter-shaped arrays (held in float64, which holds a float32 value
/// exactly) and its scalars, each named by its position in
/// the state's tuple tree (<c>state</c> for a state that is a single value, <c>state.0.1</c> for the second field of
/// the first field, …). Adam's state <c>(t, m, v), k</c> becomes arrays <c>state.0.1</c>, <c>state.0.2</c> and
/// scalars <c>state.0.0</c>, <c>state.1</c>.
/// </summary>
type EncodedState = {
    /// The arrays in the order the state holds them.
    Arrays: (string * Parameters<float>) list
    /// The scalars in the order the state holds them (integers as exact doubles).
    Scalars: (string * float) list
}

/// <summary>
/// The codec between optimizer states and <c>EncodedState</c>, by reflection over the state's type. It supports what the
/// <c>Transform</c> stages, the second-order stages and their combinators build: <c>unit</c>, <c>int</c>, <c>float</c>,
/// <c>Parameters&lt;float&gt;</c>, <c>Parameters&lt;float32&gt;</c> (widened exactly to float64), tuples of those (the <c>>-></c> chains, Adam's triple), F# lists of them, and
/// boxed states (<c>Optimizers.erase</c>, <c>Optimizers.chainAll</c>), read through their runtime types.
/// </summary>
[<RequireQualifiedAccess>]
module OptimizerState =

    /// The root of every name.
    [<Literal>]
    let private Root = "state"

    type private Leaf =
        | Array of string * Parameters<float>
        | Scalar of string * float

    /// Raised inside <c>decode</c> when the encoded values do not fit the template; turned into an Error there.
    exception private Mismatch of string

    let private unsupported (ty: Type) =
        invalidArg
            "state"
            $"The optimizer state type {ty.FullName} is not supported: states must be built of unit, int, float, Parameters<float> or Parameters<float32>, tuples and lists of them."

    let private isList (ty: Type) =
        ty.IsGenericType && ty.GetGenericTypeDefinition() = typedefof<list<obj>>

    let rec private leaves (path: string) (ty: Type) (value: objnull) : Leaf list =
        match value with
        | _ when ty = typeof<unit> -> []
        | null when ty = typeof<obj> -> [] // a boxed unit
        | null -> invalidArg "state" $"The optimizer state holds null at {path}, of type {ty.FullName}."
        | v when ty = typeof<obj> -> leaves path (v.GetType()) v
        | v when ty = typeof<int> -> [ Scalar(path, float (unbox<int> v)) ]
        | v when ty = typeof<float> -> [ Scalar(path, unbox<float> v) ]
        | v when ty = typeof<Parameters<float>> -> [ Array(path, v :?> Parameters<float>) ]
        | v when ty = typeof<Parameters<float32>> -> [ Array(path, (v :?> Parameters<float32>).Convert<float>()) ]
        | v when FSharpType.IsTuple ty ->
            let types = FSharpType.GetTupleElements ty

            FSharpValue.GetTupleFields v
            |> List.ofArray
            |> List.mapi (fun i field -> leaves $"{path}.{i}" types[i] field)
            |> List.concat
        | v when isList ty ->
            let element = ty.GetGenericArguments()[0]

            (v :?> IEnumerable)
            |> Seq.cast<objnull>
            |> List.ofSeq
            |> List.mapi (fun i item -> leaves $"{path}.{i}" element item)
            |> List.concat
        | _ -> unsupported ty

    /// <summary>
    /// The state's arrays and scalars, named by position (see <c>EncodedState</c>). The arrays are the state's own
    /// trees (shared, not copied: they are frozen). NaN and ±∞ are kept as they are.
    /// </summary>
    /// <exception cref="System.ArgumentException">The state's type, or a type inside it, is not supported; the message names it.</exception>
    let encode (state: 'State) : EncodedState =
        let all = leaves Root typeof<'State> (box state)

        {
            Arrays =
                all
                |> List.choose (function
                    | Array(n, p) -> Some(n, p)
                    | Scalar _ -> None)
            Scalars =
                all
                |> List.choose (function
                    | Scalar(n, v) -> Some(n, v)
                    | Array _ -> None)
        }

    // A template value of a type, for list items beyond the template's own (a list whose length varies, such as
    // L-BFGS's correction pairs): zeros, empty lists, and the network's shape for trees.
    let rec private templateOf (ty: Type) (shape: Parameters<float>) : objnull =
        if ty = typeof<unit> then
            box ()
        elif ty = typeof<int> then
            box 0
        elif ty = typeof<float> then
            box 0.0
        elif ty = typeof<Parameters<float>> then
            box shape
        elif ty = typeof<Parameters<float32>> then
            box (shape.Convert<float32>())
        elif FSharpType.IsTuple ty then
            FSharpValue.MakeTuple(FSharpType.GetTupleElements ty |> Array.map (fun t -> templateOf t shape), ty)
        elif isList ty then
            FSharpValue.MakeUnion(FSharpType.GetUnionCases ty |> Array.find (fun c -> c.Name = "Empty"), [||])
        else
            unsupported ty

    // The number of items the encoded state holds under a list's path (the largest index named, plus one).
    let private encodedCount (path: string) (names: string seq) =
        let prefix = path + "."

        names
        |> Seq.choose (fun (name: string) ->
            if name.StartsWith(prefix, StringComparison.Ordinal) then
                match Int32.TryParse(name.Substring(prefix.Length).Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture) with
                | true, i -> Some(i + 1)
                | _ -> None
            else
                None)
        |> Seq.fold max 0

    let rec private rebuild
        (path: string)
        (ty: Type)
        (template: objnull)
        (shape: Parameters<float>)
        (arrays: Map<string, Parameters<float>>)
        (scalars: Map<string, float>)
        : objnull =
        let scalar () =
            match scalars.TryFind path with
            | Some v -> v
            | None -> raise (Mismatch $"the optimizer scalar '{path}' is missing")

        match template with
        | t when ty = typeof<unit> -> t
        | null when ty = typeof<obj> -> null
        | null -> invalidArg "template" $"The template state holds null at {path}, of type {ty.FullName}."
        | t when ty = typeof<obj> -> rebuild path (t.GetType()) t shape arrays scalars
        | _ when ty = typeof<int> ->
            let v = scalar ()

            if not (v = Math.Round v && v >= float Int32.MinValue && v <= float Int32.MaxValue) then
                raise (Mismatch $"the optimizer scalar '{path}' is {v.ToString(CultureInfo.InvariantCulture)} but should be a whole number (an int)")

            box (int v)
        | _ when ty = typeof<float> -> box (scalar ())
        | t when ty = typeof<Parameters<float>> ->
            match arrays.TryFind path with
            | None -> raise (Mismatch $"the optimizer array '{path}' is missing")
            | Some p ->
                try
                    (t :?> Parameters<float>).CheckSameShape p
                with :? ArgumentException as e ->
                    raise (Mismatch $"the optimizer array '{path}' does not have the parameters' shape: {e.Message}")

                box p
        | t when ty = typeof<Parameters<float32>> ->
            match arrays.TryFind path with
            | None -> raise (Mismatch $"the optimizer array '{path}' is missing")
            | Some p ->
                let narrowed = p.Convert<float32>()

                try
                    (t :?> Parameters<float32>).CheckSameShape narrowed
                with :? ArgumentException as e ->
                    raise (Mismatch $"the optimizer array '{path}' does not have the parameters' shape: {e.Message}")

                box narrowed
        | t when FSharpType.IsTuple ty ->
            let types = FSharpType.GetTupleElements ty

            let fields =
                FSharpValue.GetTupleFields t
                |> Array.mapi (fun i field -> rebuild $"{path}.{i}" types[i] field shape arrays scalars)

            FSharpValue.MakeTuple(fields, ty)
        | t when isList ty ->
            let element = ty.GetGenericArguments()[0]

            let templates = (t :?> IEnumerable) |> Seq.cast<objnull> |> List.ofSeq

            let count =
                max templates.Length (encodedCount path (Seq.append arrays.Keys scalars.Keys))

            let items =
                List.init count (fun i ->
                    let item =
                        if i < templates.Length then
                            templates[i]
                        else
                            templateOf element shape

                    rebuild $"{path}.{i}" element item shape arrays scalars)

            let cases = FSharpType.GetUnionCases ty

            let empty, cons =
                cases |> Array.find (fun c -> c.Name = "Empty"), cases |> Array.find (fun c -> c.Name = "Cons")

            List.foldBack (fun item tail -> FSharpValue.MakeUnion(cons, [| item; tail |])) items (FSharpValue.MakeUnion(empty, [||]))
        | _ -> unsupported ty

    let private distinct what (names: string list) =
        match names |> List.countBy id |> List.tryFind (fun (_, n) -> n > 1) with
        | Some(name, _) -> raise (Mismatch $"the optimizer {what} '{name}' is given twice")
        | None -> ()

    /// <summary>
    /// The state of the template's type and structure holding the encoded values: every array and scalar the template
    /// has, by name, and no others. Values are taken exactly (NaN and ±∞ included); the arrays are used as they are.
    /// </summary>
    /// <param name="shape">The parameters' shape: the shape of trees in list items the template does not have (lists whose
    /// length varies, such as L-BFGS's correction pairs, take as many items as the encoded state names).</param>
    /// <param name="template">A state of the same optimizer, e.g. <c>optimizer.Init parameters</c>: it gives the type, the
    /// shortest lengths of lists, and the array shapes.</param>
    /// <param name="encoded">The arrays and scalars, as <c>encode</c> names them.</param>
    /// <returns><c>Ok</c> state, or <c>Error</c> with one sentence when a name is missing, repeated or extra, an array's
    /// shape differs from the template's, or an <c>int</c> scalar is not a whole number in range.</returns>
    /// <exception cref="System.ArgumentException">The template's type, or a type inside it, is not supported; the message names it.</exception>
    let decodeWith (shape: Parameters<float>) (template: 'State) (encoded: EncodedState) : Result<'State, string> =
        try
            distinct "array" (encoded.Arrays |> List.map fst)
            distinct "scalar" (encoded.Scalars |> List.map fst)
            let arrays, scalars = Map.ofList encoded.Arrays, Map.ofList encoded.Scalars
            let state = rebuild Root typeof<'State> (box template) shape arrays scalars
            let expected = encode (unbox<'State> state)

            let extra known names =
                names |> List.tryFind (fun name -> not (List.contains name known))

            match
                extra (expected.Arrays |> List.map fst) (encoded.Arrays |> List.map fst),
                extra (expected.Scalars |> List.map fst) (encoded.Scalars |> List.map fst)
            with
            | Some name, _ -> Error $"the optimizer array '{name}' does not belong to this optimizer's state"
            | _, Some name -> Error $"the optimizer scalar '{name}' does not belong to this optimizer's state"
            | None, None -> Ok(unbox<'State> state)
        with Mismatch message ->
            Error message


    /// <summary>
    /// <c>decodeWith</c> with the shape of the template's first tree (or no tree at all when it has none, so list items
    /// holding trees beyond the template's own are refused as misshapen).
    /// </summary>
    let decode (template: 'State) (encoded: EncodedState) : Result<'State, string> =
        match (encode template).Arrays with
        | (_, tree) :: _ -> decodeWith tree template encoded
        | [] -> decodeWith (Parameters<float>([])) template encoded

/// <summary>
/// Pipeline checkpoints (<c>TrainingCheckpoint</c>) as core <c>Checkpoint</c>s (model + <c>TrainingState</c>) and
/// checkpoint files (<c>CheckpointFile</c>, described in docs/model-format.md). The optimizer state goes into the
/// optimizer arrays and scalars as <c>OptimizerState.encode</c> names them; the best validation epoch into the array
/// <c>best.parameters</c> and the scalars <c>best.epoch</c>, <c>best.loss</c>, <c>best.waited</c>; the history into
/// the series <c>steps.*</c> (one value per update) and <c>epochs.*</c> (one per epoch). Every value round-trips
/// exactly.
/// </summary>
[<RequireQualifiedAccess>]
module Checkpoints =

    let private bestPrefix = "best."

    let private stepSeries: (string * (StepRecord -> float)) list = [
        "steps.epoch", (fun s -> float s.Epoch)
        "steps.step", (fun s -> float s.Step)
        "steps.batch_size", (fun s -> float s.BatchSize)
        "steps.loss", _.Loss
        "steps.gradient_norm", _.GradientNorm
    ]

    let private epochSeries: (string * (EpochRecord -> float)) list = [
        "epochs.epoch", (fun e -> float e.Epoch)
        "epochs.steps", (fun e -> float e.Steps)
        "epochs.train_loss", _.TrainLoss
        "epochs.gradient_norm", _.GradientNorm
    ]

    // Series recorded for every step or epoch of a run, or for none (the learning rate of an optimizer without one,
    // accuracies of regression, validation without validation data).
    let private optionalStepSeries: (string * (StepRecord -> float option)) list = [ "steps.learning_rate", _.LearningRate >> ValueOption.toOption ]

    let private optionalEpochSeries: (string * (EpochRecord -> float option)) list = [
        "epochs.learning_rate", _.LearningRate >> ValueOption.toOption
        "epochs.train_accuracy", _.TrainAccuracy
        "epochs.validation_loss", _.ValidationLoss
        "epochs.validation_accuracy", _.ValidationAccuracy
    ]

    /// <summary>
    /// The checkpoint as a core <c>Checkpoint</c>: <paramref name="model"/> with the checkpoint's parameters, and a
    /// <c>TrainingState</c> named <paramref name="optimizer"/> holding the optimizer state, the best validation
    /// epoch, the generator, the counters and the history.
    /// </summary>
    /// <param name="optimizer">The optimizer's name, e.g. <c>adam</c>, checked again by <c>ofCore</c>.</param>
    /// <param name="model">The model being trained (loss, metadata, standardization, class names); its parameters are replaced.</param>
    /// <param name="checkpoint">The pipeline checkpoint.</param>
    /// <exception cref="System.ArgumentException">
    /// The optimizer state's type is not supported, the name is empty, the parameters do not fit the model's network,
    /// a value is NaN or ±∞ (a file cannot hold them), or an optional history field is present for some epochs only.
    /// </exception>
    let toCore (optimizer: string) (model: Model) (checkpoint: TrainingCheckpoint<'T, 'State>) : Checkpoint =
        let encoded = OptimizerState.encode checkpoint.OptimizerState

        let best =
            match checkpoint.Best with
            | Some b ->
                [ NamedParameters("best.parameters", b.Parameters.Convert<float>()) ],
                [
                    "best.epoch", float b.Epoch
                    "best.loss", b.Loss
                    "best.waited", float b.Waited
                ]
            | None -> [], []

        let arrays =
            [ for name, p in encoded.Arrays -> NamedParameters(name, p) ] @ fst best

        let scalars = [
            for name, v in encoded.Scalars @ snd best -> Collections.Generic.KeyValuePair(name, v)
        ]

        let history = checkpoint.History

        let optional name (values: float option list) =
            if values |> List.forall Option.isSome && not values.IsEmpty then
                Some(NamedSeries(name, values |> List.choose id))
            elif values |> List.exists Option.isSome then
                invalidArg (nameof checkpoint) $"The history's {name} is recorded for some steps or epochs only, which a checkpoint cannot hold."
            else
                None

        let steps, epochs = List.ofSeq history.Steps, List.ofSeq history.Epochs

        let series = [
            for name, f in stepSeries -> NamedSeries(name, steps |> List.map f)
            for name, f in epochSeries -> NamedSeries(name, epochs |> List.map f)
            for name, f in optionalStepSeries do
                yield! Option.toList (optional name (steps |> List.map f))
            for name, f in optionalEpochSeries do
                yield! Option.toList (optional name (epochs |> List.map f))
        ]

        let state =
            TrainingState(checkpoint.Epoch, int64 checkpoint.Step, checkpoint.Rng, optimizer, arrays, scalars, series)

        Checkpoint(model.WithNetwork(model.Network.WithParameters(checkpoint.Parameters.Convert<float>())), state)

    /// Raised inside <c>ofCore</c> when the file's content does not fit; turned into an Error there.
    exception private Unfit of string

    let private whole (name: string) (v: float) =
        if not (v = Math.Round v && v >= 0.0 && v <= float Int32.MaxValue) then
            raise (Unfit $"'{name}' holds {v.ToString(CultureInfo.InvariantCulture)} where a non-negative whole number belongs")

        int v

    /// <summary>
    /// The pipeline checkpoint stored in a core <c>Checkpoint</c> made by <c>toCore</c>, with the optimizer state in
    /// the structure of the optimizer's initial state.
    /// </summary>
    /// <param name="name">The name the checkpoint must carry, e.g. <c>adam</c>.</param>
    /// <param name="optimizer">The optimizer being resumed; its initial state for <paramref name="network"/> is the
    /// template the stored state must fit (structure and array shapes).</param>
    /// <param name="network">The network being trained (its shape and precision).</param>
    /// <param name="checkpoint">The core checkpoint, e.g. from <c>CheckpointFile.Load</c>.</param>
    /// <returns>
    /// <c>Ok</c>, or <c>Error</c> with one sentence: another optimizer's name, an optimizer state that does not fit the
    /// template (see <c>OptimizerState.decode</c>), an array or scalar of unknown name, or a history that is missing a
    /// series, has series of the wrong length, or does not match the epoch and step counters.
    /// </returns>
    /// <exception cref="System.ArgumentException">The template's type is not supported.</exception>
    let ofCore
        (name: string)
        (optimizer: Optimizer<'T, 'State>)
        (network: Network<'T>)
        (checkpoint: Checkpoint)
        : Result<TrainingCheckpoint<'T, 'State>, string> =
        let template = optimizer.Init network.Parameters
        let state = checkpoint.State

        if state.Optimizer <> name then
            Error $"the checkpoint was made with the optimizer '{state.Optimizer}', not '{name}'"
        else
            try
                let isBest (name: string) =
                    name.StartsWith(bestPrefix, StringComparison.Ordinal)

                let arrays = [ for a in state.OptimizerArrays -> a.Name, a.Value ]
                let scalars = [ for KeyValue(name, v) in state.OptimizerScalars -> name, v ]
                let bestArrays = arrays |> List.filter (fst >> isBest) |> Map.ofList
                let bestScalars = scalars |> List.filter (fst >> isBest) |> Map.ofList

                let best =
                    match
                        bestArrays.TryFind "best.parameters",
                        bestScalars.TryFind "best.epoch",
                        bestScalars.TryFind "best.loss",
                        bestScalars.TryFind "best.waited"
                    with
                    | _ when bestArrays.Count + bestScalars.Count = 0 -> None
                    | Some p, Some e, Some l, Some w when bestArrays.Count = 1 && bestScalars.Count = 3 ->
                        Some {
                            BestEpoch.Epoch = whole "best.epoch" e
                            Loss = l
                            Parameters = p.Convert<'T>()
                            Waited = whole "best.waited" w
                        }
                    | _ -> raise (Unfit "the best validation epoch must be given by exactly best.parameters, best.epoch, best.loss and best.waited")

                let optimizerState =
                    match
                        OptimizerState.decodeWith (network.Parameters.Convert<float>()) template {
                            Arrays = arrays |> List.filter (fst >> isBest >> not)
                            Scalars = scalars |> List.filter (fst >> isBest >> not)
                        }
                    with
                    | Ok s -> s
                    | Error e -> raise (Unfit e)

                if state.Step > int64 Int32.MaxValue then
                    raise (Unfit $"the step count {state.Step} is beyond what a run can count")

                let series = state.History |> Seq.map (fun s -> s.Name, s.Values) |> Map.ofSeq

                let known =
                    (stepSeries |> List.map fst)
                    @ (epochSeries |> List.map fst)
                    @ (optionalStepSeries |> List.map fst)
                    @ (optionalEpochSeries |> List.map fst)

                match series.Keys |> Seq.tryFind (fun k -> not (List.contains k known)) with
                | Some name -> raise (Unfit $"the history series '{name}' is not one a training run records")
                | None -> ()

                let column name count =
                    match series.TryFind name with
                    | Some values when values.Length = count -> values
                    | Some values -> raise (Unfit $"the history series '{name}' has {values.Length} values but the checkpoint records {count}")
                    | None when count = 0 -> Collections.Immutable.ImmutableArray<float>.Empty
                    | None -> raise (Unfit $"the history series '{name}' is missing")

                let step, epoch = int state.Step, state.Epoch

                let stepColumns =
                    stepSeries |> List.map (fun (name, _) -> name, column name step) |> Map.ofList

                let epochColumns =
                    epochSeries |> List.map (fun (name, _) -> name, column name epoch) |> Map.ofList

                let optionalOf count what name (i: int) =
                    match series.TryFind name with
                    | Some values when values.Length = count -> Some values[i]
                    | Some values -> raise (Unfit $"the history series '{name}' has {values.Length} values but the checkpoint records {count} {what}")
                    | None -> None

                let optional = optionalOf epoch "epochs"

                let s name (i: int) = stepColumns[name][i]
                let e name (i: int) = epochColumns[name][i]

                let steps =
                    ImmutableArray.CreateRange(
                        Seq.init step (fun i -> {
                            StepRecord.Epoch = whole "steps.epoch" (s "steps.epoch" i)
                            Step = whole "steps.step" (s "steps.step" i)
                            BatchSize = whole "steps.batch_size" (s "steps.batch_size" i)
                            Loss = s "steps.loss" i
                            GradientNorm = s "steps.gradient_norm" i
                            LearningRate = optionalOf step "steps" "steps.learning_rate" i |> ValueOption.ofOption
                        })
                    )

                let epochs =
                    List.init epoch (fun i -> {
                        EpochRecord.Epoch = whole "epochs.epoch" (e "epochs.epoch" i)
                        Steps = whole "epochs.steps" (e "epochs.steps" i)
                        TrainLoss = e "epochs.train_loss" i
                        TrainAccuracy = optional "epochs.train_accuracy" i
                        ValidationLoss = optional "epochs.validation_loss" i
                        ValidationAccuracy = optional "epochs.validation_accuracy" i
                        GradientNorm = e "epochs.gradient_norm" i
                        LearningRate = optional "epochs.learning_rate" i |> ValueOption.ofOption
                    })

                Ok {
                    Epoch = epoch
                    Step = step
                    Parameters = checkpoint.Model.Network.Parameters.Convert<'T>()
                    OptimizerState = optimizerState
                    Rng = state.Rng
                    History = {
                        Steps = steps
                        Epochs = ImmutableArray.CreateRange epochs
                    }
                    Best = best
                }
            with Unfit message ->
                Error message

    /// <summary>
    /// Atomically writes <c>toCore optimizer model checkpoint</c> to <paramref name="path"/> with <c>CheckpointFile.Save</c>.
    /// </summary>
    /// <param name="path">The file; its directory must exist.</param>
    /// <param name="overwrite">Whether an existing file may be replaced (true for a run's own periodic checkpoint).</param>
    /// <param name="optimizer">The optimizer's name.</param>
    /// <param name="model">The model being trained.</param>
    /// <param name="checkpoint">The state to save.</param>
    /// <exception cref="System.ArgumentException">As <c>toCore</c>.</exception>
    /// <exception cref="System.IO.IOException">The file exists and <paramref name="overwrite"/> is false, or writing fails; any existing file is left as it was.</exception>
    let save (path: string) (overwrite: bool) (optimizer: string) (model: Model) (checkpoint: TrainingCheckpoint<'T, 'State>) : unit =
        CheckpointFile.Save(toCore optimizer model checkpoint, path, overwrite)

    /// <summary>
    /// Reads a checkpoint file and the pipeline checkpoint in it (<c>CheckpointFile.Load</c>, then <c>ofCore</c>);
    /// the model (loss, standardization, class names, metadata) comes back too.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="name">The optimizer name the checkpoint must carry.</param>
    /// <param name="optimizer">The optimizer being resumed (see <c>ofCore</c>).</param>
    /// <param name="network">The network being trained.</param>
    /// <returns><c>Ok</c>(model, checkpoint), or <c>Error</c> with a sentence starting with the path (see <c>ofCore</c>).</returns>
    /// <exception cref="System.IO.FileNotFoundException">There is no such file.</exception>
    /// <exception cref="Nn.Serialization.ModelFormatException">The file is not a valid checkpoint file; the message starts with the path.</exception>
    let load (path: string) (name: string) (optimizer: Optimizer<'T, 'State>) (network: Network<'T>) : Result<Model * TrainingCheckpoint<'T, 'State>, string> =
        let file = CheckpointFile.Load path

        ofCore name optimizer network file
        |> Result.map (fun c -> file.Model, c)
        |> Result.mapError (fun e -> $"{path}: {e}")
