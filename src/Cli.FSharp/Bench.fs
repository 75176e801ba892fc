/// `nn bench …`: the benchmark jobs measured side by side with other libraries (docs/performance.md).
module Nn.Cli.Bench

open System
open System.Diagnostics
open System.Globalization
open System.Numerics
open Nn.Activations
open Nn.Data
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Training

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
                | v -> string v

            Console.Out.WriteLine $"{key, -32} {text}"

/// Columns of `features` (samples × 784 row-major = 784 × samples column-major) as a matrix in T.
let private matrixOf<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (rows: int)
    (data: float[])
    =
    Dense.Matrix<'T>(rows, data.Length / rows, Array.map (fun (v: float) -> 'T.CreateTruncating v) data)

let private runMlp<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (options: BenchOptions)
    =
    let train = FashionMnist.LoadTrain options.DataDirectory
    let test = FashionMnist.LoadTest options.DataDirectory
    let struct (trainX, trainLabels) = train.ToFeatures()
    let struct (testX, testLabels) = test.ToFeatures()
    let features = train.FeatureCount
    let x = matrixOf<'T> features trainX
    let y = Targets.OneHot<'T>(trainLabels |> Array.map int, 10)
    let xTest = matrixOf<'T> features testX

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

    let optimizer, rate =
        match options.Optimizer with
        | "sgd" -> let r = defaultArg options.LearningRate 0.1 in InPlaceOptimizer.Sgd r, r
        | "adam" -> let r = defaultArg options.LearningRate 1e-3 in InPlaceOptimizer.Adam r, r
        | other -> Common.fail $"--optimizer {other}: expected sgd or adam"

    let samples = x.ColumnCount
    let stepsPerEpoch = (samples + options.Batch - 1) / options.Batch
    let epochTimes = ResizeArray<float>()
    let epochLosses = ResizeArray<float>()
    let mutable allocatedAfterFirst = 0L
    let mutable gen2AfterFirst = 0
    let mutable allocatedAtLast = 0L
    let mutable gen2AtLast = 0

    let onEpoch (report: FastEpochReport) =
        epochTimes.Add report.Elapsed.TotalSeconds
        epochLosses.Add report.MeanLoss

        // Allocation and gen-2 counts over epochs 2 … N: read at the end of epoch 1 and of the last epoch, so
        // neither the first epoch's one-time work nor the trained network built after the last step is counted.
        if report.Epoch = 1 then
            allocatedAfterFirst <- GC.GetTotalAllocatedBytes true
            gen2AfterFirst <- GC.CollectionCount 2

        if report.Epoch = options.Epochs then
            allocatedAtLast <- GC.GetTotalAllocatedBytes true
            gen2AtLast <- GC.CollectionCount 2

        if not options.Json then
            eprintfn "epoch %d: %.3f s, mean batch loss %.4f" report.Epoch report.Elapsed.TotalSeconds report.MeanLoss

    let result =
        FastTrainer.Fit(network, x, y, Loss.SoftmaxCrossEntropy, optimizer, FastTrainingOptions(options.Epochs, options.Batch, options.Seed), Action<_> onEpoch)

    let allocatedLater = allocatedAtLast - allocatedAfterFirst
    let gen2Later = gen2AtLast - gen2AfterFirst
    let laterSteps = stepsPerEpoch * (options.Epochs - 1)
    let epochSeconds = epochTimes.ToArray()
    // The columns of a data set in batches of 1000.
    let batchesOf (data: MathNet.Numerics.LinearAlgebra.Matrix<'T>) = [|
        for start in 0..1000 .. data.ColumnCount - 1 -> data.SubMatrix(0, features, start, min 1000 (data.ColumnCount - start))
    |]

    let predictAll batches =
        batches |> Array.map (fun b -> Propagation.Predict(result.Network, b))

    // Inference: forward only over the test set at batch 1000; median of repeated passes after the warm-up below.
    let batches = batchesOf xTest
    let pass () = predictAll batches

    // Warm-up: at least three passes and 1 s, so the runtime's tiered compilation has replaced the precompiled
    // framework code on this path (System.Numerics.Tensors) with code for this processor before timing starts.
    let warmUp = Stopwatch.StartNew()
    let mutable warmPasses = 0

    while warmPasses < 3 || warmUp.Elapsed.TotalSeconds < 1.0 do
        pass () |> ignore
        warmPasses <- warmPasses + 1

    let passTimes = [|
        for _ in 1..15 ->
            let watch = Stopwatch.StartNew()
            pass () |> ignore
            watch.Elapsed.TotalSeconds
    |]

    // Accuracy and mean cross-entropy −log p(label) of the trained network on a data set, in batches of 1000.
    let evaluate (data: MathNet.Numerics.LinearAlgebra.Matrix<'T>) (labels: byte[]) =
        let outputs = predictAll (batchesOf data)
        let predictions = outputs |> Array.collect Targets.ArgMax
        let probabilities = outputs |> Array.collect Dense.Data
        let classes = result.Network.Outputs

        let correct =
            Array.fold2 (fun acc p (l: byte) -> if p = int l then acc + 1 else acc) 0 predictions labels

        let loss =
            labels
            |> Array.mapi (fun i (l: byte) -> -log(Double.CreateTruncating probabilities[classes * i + int l]))
            |> Array.average

        float correct / float labels.Length, loss

    let testAccuracy, testLoss = evaluate xTest testLabels
    let trainAccuracy, trainLoss = evaluate x trainLabels

    let total = Array.sum epochSeconds

    print options.Json [
        "job", Common.o "mlp"
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
        "test_accuracy", Common.o testAccuracy
        "test_loss", Common.o testLoss
        "train_accuracy", Common.o trainAccuracy
        "train_loss", Common.o trainLoss
        "inference_samples_per_second", Common.o (float xTest.ColumnCount / median passTimes)
        "bytes_allocated_per_step",
        Common.o (
            if laterSteps > 0 then
                float allocatedLater / float laterSteps
            else
                nan
        )
        "gen2_collections_per_epoch",
        Common.o (
            if options.Epochs > 1 then
                float gen2Later / float (options.Epochs - 1)
            else
                nan
        )
    ]

    0

/// The 2-2-1 sigmoid XOR job of `xor_tiny.py`: full-batch gradient descent, α = 0.5, binary cross-entropy.
let private runXor (options: BenchOptions) =
    let x = Dense.Matrix(2, 4, [| 0.f; 0.f; 0.f; 1.f; 1.f; 0.f; 1.f; 1.f |])
    let y = Dense.Matrix(1, 4, [| 0.f; 1.f; 1.f; 0.f |])

    let network =
        Network.Create<float32>([| 2; 2; 1 |], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 5)

    let fit iterations =
        FastTrainer.Fit(network, x, y, Loss.BinaryCrossEntropy, InPlaceOptimizer.Sgd 0.5, FastTrainingOptions(iterations, 4, Shuffle = false))

    // Warm-up until the runtime's tiered compilation has settled (at least 0.5 s of training), as a benchmark
    // harness would; the timed run below then measures the steady state.
    let warmUp = Stopwatch.StartNew()

    while warmUp.Elapsed.TotalSeconds < 0.5 do
        fit 10000 |> ignore

    let watch = Stopwatch.StartNew()
    let result = fit options.Iterations
    let seconds = watch.Elapsed.TotalSeconds

    let finalLoss =
        Propagation.Cost(result.Network, Propagation.Forward(result.Network, x), y, Loss.BinaryCrossEntropy)

    print options.Json [
        "job", Common.o "xor"
        "backend", Common.o Blas.Current.Name
        "backend_selection", Common.o Blas.Selection
        "iterations", Common.o options.Iterations
        "seconds", Common.o seconds
        "steps_per_second", Common.o (float options.Iterations / seconds)
        "microseconds_per_step", Common.o (1e6 * seconds / float options.Iterations)
        "final_loss", Common.o (float finalLoss)
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
