/// `nn bench …`: the benchmark jobs measured side by side with other libraries (docs/performance.md).
module Nn.Cli.Bench

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Numerics
open Nn.Activations
open Nn.Data
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Pipeline

/// Options shared by the benchmark jobs.
type BenchOptions = {
    Optimizer: string
    LearningRate: float option
    Batch: int
    Epochs: int
    Precision: string
    Iterations: int
    Seed: int
    Json: bool
    DataDirectory: string
}

/// The defaults: the `torch_mlp.py` sgd64 job, and the `xor_tiny.py` job at 100,000 iterations.
let defaults = {
    Optimizer = "sgd"
    LearningRate = None
    Batch = 64
    Epochs = 5
    Precision = "float32"
    Iterations = 100000
    Seed = 0
    Json = false
    DataDirectory = FashionMnist.DefaultDirectory
}

let private median (values: float seq) =
    let sorted = Seq.toArray values |> Array.sort
    let n = sorted.Length

    if n % 2 = 1 then
        sorted[n / 2]
    else
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0

let private print (json: bool) (fields: (string * objnull) list) =
    if json then
        Common.printJson fields
    else
        for key, value in fields do
            let text =
                match value with
                | :? float as f -> f.ToString("G6", CultureInfo.InvariantCulture)
                | :? (float[]) as fs ->
                    fs
                    |> Array.map (fun f -> f.ToString("F4", CultureInfo.InvariantCulture))
                    |> String.concat ", "
                | :? (int64[]) as ns -> ns |> Array.map string |> String.concat ", "
                | v -> string v

            Console.Out.WriteLine $"{key, -32} {text}"

/// The `torch_mlp.py` job through the same entry point users call (`Training.fit`), timed per epoch.
let private runMlp<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (options: BenchOptions)
    =
    let dataset (images: LabelledImages) =
        let struct (features: 'T[], labels) = images.ToFeatures<'T>()

        Data.create
            (Dense.Matrix(images.FeatureCount, images.Count, features))
            (Nn.Pipeline.Targets.Classes(Collections.Immutable.ImmutableArray.Create<int>(Array.map int labels), 10))
            [ for i in 0 .. images.FeatureCount - 1 -> $"pixel{i}" ]

    let train = dataset (FashionMnist.LoadTrain options.DataDirectory)
    let test = dataset (FashionMnist.LoadTest options.DataDirectory)
    let features = train.FeatureCount

    let network =
        // PyTorch's nn.Linear default: weights and biases drawn from U(±1/√n_in), as in the reference job.
        let weights =
            Network.Create<'T>([| features; 128; 10 |], Activation.Relu, Activation.Softmax, Initializer.LeCunUniform, options.Seed)

        let struct (_, biasRng) = (Rng.FromSeed options.Seed).Split()
        let mutable rng = biasRng

        let biases =
            weights.Parameters.Layers
            |> Seq.map (fun layer ->
                let bound = 1.0 / sqrt (float layer.Weights.ColumnCount)

                let values =
                    Array.init layer.Bias.Count (fun _ ->
                        let struct (u: float, next: Rng) = rng.NextDouble()
                        rng <- next
                        'T.CreateTruncating((2.0 * u - 1.0) * bound))

                LayerParameters<'T>(layer.Weights, Dense.Vector values))

        weights.WithParameters(Parameters<'T>(biases))

    let samples = train.Samples
    let stepsPerEpoch = (samples + options.Batch - 1) / options.Batch
    let epochTimes = ResizeArray<float>()
    let epochLosses = ResizeArray<float>()
    let mutable allocatedAfterFirst = 0L
    let mutable gen2AfterFirst = 0
    let mutable allocatedAtLast = 0L
    let mutable gen2AtLast = 0
    let mutable lastTick = 0L

    let onEpoch (record: EpochRecord) =
        let now = Stopwatch.GetTimestamp()
        epochTimes.Add(Stopwatch.GetElapsedTime(lastTick, now).TotalSeconds)
        lastTick <- now
        epochLosses.Add record.TrainLoss

        // Allocation and gen-2 counts over epochs 2 … N: read at the end of epoch 1 and of the last epoch, so
        // neither the first epoch's one-time work nor the trained network built after the last step is counted.
        if record.Epoch = 1 then
            allocatedAfterFirst <- GC.GetTotalAllocatedBytes true
            gen2AfterFirst <- GC.CollectionCount 2

        if record.Epoch = options.Epochs then
            allocatedAtLast <- GC.GetTotalAllocatedBytes true
            gen2AtLast <- GC.CollectionCount 2

        if not options.Json then
            eprintfn "epoch %d: %.3f s, mean batch loss %.4f" record.Epoch epochTimes[epochTimes.Count - 1] record.TrainLoss

    let fit (optimizer: Nn.Pipeline.Optimizer<'T, 'S>) =
        let config = {
            Training.defaults optimizer with
                Epochs = options.Epochs
                BatchSize = options.Batch
                Seed = options.Seed
                Loss = Loss.SoftmaxCrossEntropy
                OnEpoch = onEpoch
        }

        lastTick <- Stopwatch.GetTimestamp()

        match Training.fit config network train with
        | Ok trained -> trained.Network
        | Error e -> Common.fail e.Message

    let trained, rate =
        match options.Optimizer with
        | "sgd" -> let r = defaultArg options.LearningRate 0.1 in fit (Optimizers.sgd (Schedules.constant r)), r
        | "adam" -> let r = defaultArg options.LearningRate 1e-3 in fit (Optimizers.adam (Schedules.constant r)), r
        | other -> Common.fail $"--optimizer {other}: expected sgd or adam"

    let allocatedLater = allocatedAtLast - allocatedAfterFirst
    let gen2Later = gen2AtLast - gen2AfterFirst
    let laterSteps = stepsPerEpoch * (options.Epochs - 1)
    let epochSeconds = epochTimes.ToArray()

    // Inference: forward only over the test set at batch 1000; median of repeated passes after the warm-up below.
    let batches = [|
        for start in 0..1000 .. test.Samples - 1 -> test.Features.SubMatrix(0, features, start, min 1000 (test.Samples - start))
    |]

    let pass () =
        for b in batches do
            Propagation.Predict(trained, b) |> ignore

    // Warm-up: at least three passes and 1 s, so the runtime's tiered compilation has replaced the precompiled
    // framework code on this path (System.Numerics.Tensors) with code for this processor before timing starts.
    let warmUp = Stopwatch.StartNew()
    let mutable warmPasses = 0

    while warmPasses < 3 || warmUp.Elapsed.TotalSeconds < 1.0 do
        pass ()
        warmPasses <- warmPasses + 1

    let passTimes = [|
        for _ in 1..15 ->
            let watch = Stopwatch.StartNew()
            pass ()
            watch.Elapsed.TotalSeconds
    |]

    let testLoss, testAccuracy = Training.evaluate Loss.SoftmaxCrossEntropy trained test

    let trainLoss, trainAccuracy =
        Training.evaluate Loss.SoftmaxCrossEntropy trained train

    let total = Array.sum epochSeconds

    // Counted over epochs 2 … N: a one-epoch run has none, and says so with null.
    let perLater (value: float) =
        if options.Epochs > 1 then Nullable value else Nullable()

    print options.Json [
        "job", Common.o "mlp"
        "entry_point", Common.o "Training.fit"
        "backend", Common.o Blas.Current.Name
        "backend_selection", Common.o Blas.Selection
        "optimizer", Common.o options.Optimizer
        "learning_rate", Common.o rate
        "batch", Common.o options.Batch
        "epochs", Common.o options.Epochs
        "precision", Common.o options.Precision
        "samples_per_second", Common.o (float (samples * options.Epochs) / total)
        "epoch_seconds", Common.o epochSeconds
        "median_epoch_samples_per_second", Common.o (float samples / median epochSeconds)
        "final_loss", Common.o epochLosses[epochLosses.Count - 1]
        "test_accuracy", Common.o (Option.toNullable testAccuracy)
        "test_loss", Common.o testLoss
        "train_accuracy", Common.o (Option.toNullable trainAccuracy)
        "train_loss", Common.o trainLoss
        "inference_samples_per_second", Common.o (float test.Samples / median passTimes)
        "bytes_allocated_per_step", Common.o (perLater (float allocatedLater / float (max 1 laterSteps)))
        "gen2_collections_per_epoch", Common.o (perLater (float gen2Later / float (max 1 (options.Epochs - 1))))
    ]

    0

/// The process's minor page faults so far (the tenth field of /proc/self/stat), or None where there is no such file.
let private minorFaults () =
    try
        let stat = File.ReadAllText "/proc/self/stat"
        // The fields after the parenthesised command name start at the third; minflt is the tenth.
        let fields = stat.Substring(stat.LastIndexOf ')' + 2).Split ' '
        Some(Int64.Parse(fields[7], CultureInfo.InvariantCulture))
    with
    | :? IOException
    | :? UnauthorizedAccessException
    | :? FormatException
    | :? IndexOutOfRangeException
    | :? ArgumentOutOfRangeException -> None

/// The 2-2-1 sigmoid XOR job of `xor_tiny.py` through `Training.fit`: full-batch gradient descent, α = 0.5, binary
/// cross-entropy, one update per epoch.
let private runXor (options: BenchOptions) =
    let data =
        Data.create
            (Dense.Matrix(2, 4, [| 0.f; 0.f; 0.f; 1.f; 1.f; 0.f; 1.f; 1.f |]))
            (Nn.Pipeline.Targets.Classes(Collections.Immutable.ImmutableArray.Create(0, 1, 1, 0), 2))
            [ "x1"; "x2" ]

    let network =
        Network.Create<float32>([| 2; 2; 1 |], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 5)

    let fit iterations =
        let config = {
            Training.defaults (Optimizers.sgd (Schedules.constant 0.5)) with
                Epochs = iterations
                BatchSize = 4
                Loss = Loss.BinaryCrossEntropy
        }

        match Training.fit config network data with
        | Ok trained -> trained
        | Error e -> Common.fail e.Message

    // Warm-up until the runtime's tiered compilation has settled (at least 0.5 s of training), as a benchmark
    // harness would; the timed run below then measures the steady state.
    let warmUp = Stopwatch.StartNew()

    while warmUp.Elapsed.TotalSeconds < 0.5 do
        fit 10000 |> ignore

    // Five timed fits, the median reported: one fit of 100,000 steps lasts about 0.1 s, short enough for one stall of a
    // shared machine to move it by half. Every fit starts from the same network and gives the same bits. Each fit's
    // minor page faults are reported beside its time (Linux): a fit writes its whole history (a step and an epoch record
    // per step) to memory that is fresh to the process unless an earlier fit's has been freed and reused, and where a
    // page fault is slow that decides the fit's speed.
    let timed = [|
        for _ in 1..5 ->
            let before = minorFaults ()
            let watch = Stopwatch.StartNew()
            let result = fit options.Iterations
            let elapsed = watch.Elapsed.TotalSeconds

            let faults =
                match before, minorFaults () with
                | Some a, Some b -> Some(b - a)
                | _ -> None

            elapsed, result, faults
    |]

    let seconds = median (timed |> Array.map (fun (s, _, _) -> s))
    let _, first, _ = timed[0]

    let faultsPerFit =
        if timed |> Array.forall (fun (_, _, f) -> f.IsSome) then
            Common.o (timed |> Array.map (fun (_, _, f) -> f.Value))
        else
            null

    let finalLoss, _ = Training.evaluate Loss.BinaryCrossEntropy first.Network data

    print options.Json [
        "job", Common.o "xor"
        "entry_point", Common.o "Training.fit"
        "backend", Common.o Blas.Current.Name
        "backend_selection", Common.o Blas.Selection
        "iterations", Common.o options.Iterations
        "seconds", Common.o seconds
        "timed_fits", Common.o timed.Length
        "steps_per_second", Common.o (float options.Iterations / seconds)
        "microseconds_per_step", Common.o (1e6 * seconds / float options.Iterations)
        "seconds_per_fit", Common.o (timed |> Array.map (fun (s, _, _) -> s))
        "minor_page_faults_per_fit", faultsPerFit
        "final_loss", Common.o finalLoss
    ]

    0

/// Runs `bench mlp` or `bench xor` with the given options.
let run (job: string) (options: BenchOptions) =
    match job, options.Precision with
    | "mlp", "float32" -> runMlp<float32> options
    | "mlp", "float64" -> runMlp<float> options
    | "mlp", other -> Common.fail $"--precision {other}: expected float32 or float64"
    | "xor", _ -> runXor options
    | other, _ -> Common.fail $"unknown benchmark '{other}': expected mlp or xor"
