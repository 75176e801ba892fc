module Nn.Tests.TrainingTests

open System
open System.Collections.Immutable
open FsCheck.FSharp
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Pipeline
open Nn.Tests.Support
open Xunit

let private unwrap result =
    match result with
    | Ok trained -> trained
    | Error(e: TrainingError) -> failwith e.Message

/// One random training run: architecture, head (loss), optimizer, batching, seed.
type private Case = {
    Hidden: int list
    Activation: int
    Head: int
    Optimizer: int
    Samples: int
    Batch: int
    Shuffle: bool
    Epochs: int
    Seed: int
    /// Sample weights drawn for the data.
    Weighted: bool
    /// λ of the L2 penalty (0 for none).
    L2: float
    /// The dropout rate of every hidden layer (0 for none).
    Dropout: float
}

let private cases =
    gen {
        let! depth = Gen.choose (0, 2)
        let! hidden = Gen.listOfLength depth (Gen.choose (1, 6))
        let! activation = Gen.choose (0, 4)
        let! head = Gen.choose (0, 2)
        let! optimizer = Gen.choose (0, 9)
        let! samples = Gen.choose (1, 13)
        let! batch = Gen.choose (1, 15)
        let! shuffle = Gen.elements [ true; false ]
        let! epochs = Gen.choose (1, 3)
        let! seed = Gen.choose (0, 100000)
        let! weighted = Gen.elements [ false; true ]
        let! l2 = Gen.elements [ 0.0; 0.0; 1e-3; 0.1 ]
        let! dropout = Gen.elements [ 0.0; 0.0; 0.2; 0.5 ]

        return {
            Hidden = hidden
            Activation = activation
            Head = head
            Optimizer = optimizer
            Samples = samples
            Batch = batch
            Shuffle = shuffle
            Epochs = epochs
            Seed = seed
            Weighted = weighted
            L2 = l2
            Dropout = dropout
        }
    }

/// Every built-in transform, alone or in chains, erased to one type.
let private optimizerOf<'T when 'T: unmanaged and 'T :> Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (index: int)
    : Optimizer<'T, objnull> =
    let c = Schedules.constant

    match index with
    | 0 -> Optimizer.erase (Optimizers.sgd (c 0.1))
    | 1 -> Optimizer.erase (Optimizers.momentum 0.9 (c 0.05))
    | 2 -> Optimizer.erase (Optimizers.nesterov 0.9 (c 0.05))
    | 3 -> Optimizer.erase (Optimizers.adagrad (c 0.1))
    | 4 -> Optimizer.erase (Optimizers.rmsprop 0.9 (c 0.01))
    | 5 -> Optimizer.erase (Optimizers.adam (c 0.01))
    | 6 -> Optimizer.erase (Optimizers.adamw 1e-2 (c 0.01))
    | 7 -> Optimizer.erase (Transform.clipByGlobalNorm 0.5 >-> Optimizers.adam (c 0.02))
    | 8 ->
        Optimizer.erase (
            Transform.addL2Penalty 1e-2
            >-> Optimizers.sgd (Schedules.warmup 3 (Schedules.cosine 0.2 10 0.1))
        )
    | _ ->
        Optimizer.chainAll [
            Optimizer.erase (Transform.scale 0.5)
            Optimizer.erase (Transform.scaleByRss 0.1 1e-7)
            Optimizer.erase (Transform.identity ())
            Optimizer.erase (Transform.scaleByLearningRate (Schedules.step 0.1 0.5 2))
        ]

/// The case's network, data and configuration in precision 'T.
let private setUp<'T when 'T: unmanaged and 'T :> Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (case: Case)
    =
    let random = Random case.Seed
    let inputs = 3

    let hidden =
        [|
            Activation.Identity
            Activation.Sigmoid
            Activation.Tanh
            Activation.Relu
            Activation.LeakyRelu 0.1
        |][case.Activation]

    let outputs, output, loss, targets =
        match case.Head with
        | 0 -> 1, Activation.Sigmoid, Loss.BinaryCrossEntropy, Targets.Classes(ImmutableArray.CreateRange(Seq.init case.Samples (fun _ -> random.Next 2)), 2)
        | 1 -> 3, Activation.Softmax, Loss.SoftmaxCrossEntropy, Targets.Classes(ImmutableArray.CreateRange(Seq.init case.Samples (fun _ -> random.Next 3)), 3)
        | _ ->
            2,
            Activation.Identity,
            Loss.SquaredError,
            Targets.Values(Dense.Matrix(2, case.Samples, Array.init (2 * case.Samples) (fun _ -> random.NextDouble() * 2.0 - 1.0)))

    let features =
        Dense.Matrix(inputs, case.Samples, Array.init (inputs * case.Samples) (fun _ -> random.NextDouble() * 4.0 - 2.0))

    let data =
        let plain = Data.create features targets [ "a"; "b"; "c" ]

        let weighted =
            if case.Weighted then
                Data.withWeights (Array.init case.Samples (fun i -> if i = 0 then 1.0 else random.NextDouble() * 3.0)) plain
            else
                plain

        Data.convert<'T, float> weighted

    let network =
        Network
            .Create<'T>(inputs :: case.Hidden @ [ outputs ], hidden, output, Initializer.XavierNormal, case.Seed)
            .WithDropout(case.Hidden |> List.map (fun _ -> case.Dropout))

    let config = {
        Training.defaults (optimizerOf<'T> case.Optimizer) with
            Epochs = case.Epochs
            BatchSize = case.Batch
            Shuffle = case.Shuffle
            Seed = case.Seed
            Loss = loss
            L2 = case.L2
            AllowSymmetricUnits = true
    }

    network, data, config

let private bits (values: float seq) =
    values |> Seq.map BitConverter.DoubleToInt64Bits |> Array.ofSeq

[<Fact>]
let ``the engine equals the pure reference semantics bit for bit in float64 and float32`` () =
    Prop.forAll (Arb.fromGen cases) (fun case ->
        let agree (network: Network<'T>) (data: Dataset<'T>) (config: Config<'T, objnull>) =
            let networkBefore, dataBefore =
                network.Parameters.ToArray(), (Dense.Data data.Features).Clone() :?> 'T[]

            let trained = Training.fit config network data |> unwrap
            let theta, losses, norms = referenceFit config network data
            let steps = List.ofSeq trained.History.Steps

            trained.Network.Parameters.ToArray() = theta.ToArray()
            && bits (steps |> List.map _.Loss) = bits losses
            && bits (steps |> List.map _.GradientNorm) = bits norms
            // The caller's network and data are untouched.
            && network.Parameters.ToArray() = networkBefore
            && Dense.Data data.Features = dataBefore

        let n64, d64, c64 = setUp<float> case
        let n32, d32, c32 = setUp<float32> case
        agree n64 d64 c64 && agree n32 d32 c32)
    |> check 300

[<Fact>]
let ``shuffled minibatches of wide inputs, gathered during the previous step, train as the reference does`` () =
    // 600 inputs × batches of 64 are large enough (38,400 values) for the next batch's inputs to be gathered on a helper
    // thread during each step's pass, and 600 inputs × 64 hidden units for the first layer's forward product to be split
    // over the cores by its two k blocks and its 38,400 weights' update and gradient norm by chunks (with two cores or
    // more); the 5 epochs of 5 shuffled batches, the last one short, must give the reference's parameters, losses and
    // gradient norms to the bit — with fused optimizers and a user's, with and without sample weights, dropout and an
    // L2 penalty.
    let random = Random 7
    let inputs, samples = 600, 300

    let features =
        Dense.Matrix(inputs, samples, Array.init (inputs * samples) (fun _ -> random.NextDouble()))

    let labels = ImmutableArray.CreateRange(Seq.init samples (fun _ -> random.Next 3))

    let plain =
        Data.create features (Targets.Classes(labels, 3)) [ for i in 1..inputs -> $"x{i}" ]

    let weighted =
        Data.withWeights (Array.init samples (fun _ -> 0.5 + random.NextDouble())) plain

    let network =
        Network.Create<float32>([| inputs; 64; 3 |], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 3)

    // A user's SGD without a fused kernel: the pure path, which copies the batch into its context.
    let userSgd: Optimizer<float32, unit> =
        Optimizer.create (fun _ -> ()) (fun g () _ -> g.Scale(-0.1f), ())

    for optimizer, data, dropout, l2 in
        [
            Optimizer.erase (Optimizers.sgd (Schedules.constant 0.1)), plain, 0.0, 0.0
            Optimizer.erase (Optimizers.adam (Schedules.constant 0.01)), plain, 0.0, 0.0
            Optimizer.erase (Optimizers.momentum 0.9 (Schedules.constant 0.05)), weighted, 0.2, 1e-3
            Optimizer.erase userSgd, weighted, 0.0, 0.0
        ] do
        let data = Data.convert<float32, float> data
        let network = network.WithDropout [ dropout ]

        let config = {
            Training.defaults optimizer with
                Epochs = 5
                BatchSize = 64
                Shuffle = true
                Seed = 11
                Loss = Loss.SoftmaxCrossEntropy
                L2 = l2
        }

        let trained = Training.fit config network data |> unwrap
        let theta, losses, norms = referenceFit config network data
        let steps = List.ofSeq trained.History.Steps
        Assert.Equal(25, steps.Length)
        Assert.Equal<float32[]>(theta.ToArray(), trained.Network.Parameters.ToArray())
        Assert.Equal<int64[]>(bits losses, bits (steps |> List.map _.Loss))
        Assert.Equal<int64[]>(bits norms, bits (steps |> List.map _.GradientNorm))

[<Fact>]
let ``float32 training agrees with float64 training within float32 rounding`` () =
    // One epoch of Adam at a moderate rate: each step's rounding (about 6e-8 relative) is carried forward but not
    // amplified much, so the parameters agree to within 1e-4 of their size.
    Prop.forAll (Arb.fromGen cases) (fun case ->
        let case = {
            case with
                Optimizer = 5
                Epochs = 1
                Activation = 2
        }

        let n64, d64, c64 = setUp<float> case
        let n32, d32, c32 = setUp<float32> case
        let wide = (Training.fit c64 n64 d64 |> unwrap).Network.Parameters.ToArray()
        let narrow = (Training.fit c32 n32 d32 |> unwrap).Network.Parameters.ToArray()
        Array.forall2 (fun (a: float) (b: float32) -> abs (a - float b) <= 1e-4 * (1.0 + abs a)) wide narrow)
    |> check 100

[<Fact>]
let ``a user's transform without a fused kernel trains to the same parameters as the built-in one`` () =
    // The pure path (copies into trees every step) against the fused path, on the same run.
    let userSgd (rate: float) : Optimizer<float, unit> =
        Optimizer.create (fun _ -> ()) (fun g () _ -> g.Scale(-rate), ())

    let data = randomData 3 40 3 4

    let run optimizer =
        let config = {
            Training.defaults optimizer with
                Epochs = 3
                BatchSize = 7
        }

        (Training.fit config (small 3) data |> unwrap).Network.Parameters.ToArray()

    Assert.Equal<float>(run (Optimizers.sgd (Schedules.constant 0.1)), run (userSgd 0.1))
    // A built-in chain forced onto the pure path gives the fused path's bits too.
    let adam = Optimizers.adam (Schedules.constant 0.01)
    Assert.Equal<float>(run adam, run (Optimizer.withoutFused adam))

[<Fact>]
let ``a run is bit-reproducible from its seed`` () =
    Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (0, 10000)) (Gen.choose (1, 12)))) (fun (seed, batchSize) ->
        let data = randomData seed 30 3 4

        let config = {
            Training.defaults (Optimizers.momentum 0.9 (Schedules.constant 0.05)) with
                Epochs = 3
                BatchSize = batchSize
                Seed = seed
                Validation = Some(randomData (seed + 1) 10 3 4)
        }

        match Training.fit config (small seed) data, Training.fit config (small seed) data with
        | Ok a, Ok b ->
            a.Network.Parameters.ToArray() = b.Network.Parameters.ToArray()
            && a.History = b.History
        | _ -> false)
    |> check 20

[<Fact>]
let ``the history has one step per minibatch and one record per epoch`` () =
    let data = randomData 1 50 3 4
    let mutable observed = 0

    let config = {
        Training.defaults (Optimizers.adam (Schedules.constant 1e-3)) with
            Epochs = 4
            BatchSize = 16
            OnStep = fun _ -> observed <- observed + 1
    }

    let trained = Training.fit config (small 1) data |> unwrap
    let steps = List.ofSeq trained.History.Steps
    // 50 samples in batches of 16: 16, 16, 16 and a last batch of 2.
    Assert.Equal(16, steps.Length)
    Assert.Equal(16, observed)
    Assert.Equal<int list>([ 16; 16; 16; 2 ], steps |> List.take 4 |> List.map (fun s -> s.BatchSize))
    Assert.Equal<int list>([ 1..16 ], steps |> List.map (fun s -> s.Step))
    Assert.Equal<int list>([ 4; 8; 12; 16 ], trained.History.Epochs |> Seq.map (fun e -> e.Steps) |> List.ofSeq)

    Assert.True(
        steps
        |> List.forall (fun s -> s.LearningRate = ValueSome 1e-3 && s.GradientNorm > 0.0)
    )
    // The epoch's loss is the sample-weighted mean of its batch losses.
    let first = trained.History.Epochs[0]

    let expected =
        (steps |> List.take 4 |> List.sumBy (fun s -> s.Loss * float s.BatchSize))
        / 50.0

    Assert.Equal(expected, first.TrainLoss, 14)

[<Fact>]
let ``an optimizer without a learning rate records none`` () =
    let data = randomData 2 12 3 4

    let config = {
        Training.defaults (Lbfgs.optimizer Lbfgs.defaults) with
            Epochs = 2
            BatchSize = Int32.MaxValue
    }

    let trained = Training.fit config (small 2) data |> unwrap
    Assert.True(trained.History.Steps |> Seq.forall (fun s -> s.LearningRate = ValueNone))
    Assert.True(trained.History.Epochs |> Seq.forall (fun e -> e.LearningRate = ValueNone))

[<Fact>]
let ``training leaves the input network unchanged`` () =
    let network = small 3
    let before = network.Parameters.ToArray()

    let trained =
        Training.fit
            {
                Training.defaults (Optimizers.adam (Schedules.constant 1e-3)) with
                    Epochs = 2
            }
            network
            (randomData 3 20 3 4)
        |> unwrap

    Assert.Equal<float>(before, network.Parameters.ToArray())
    Assert.NotEqual<float>(before, trained.Network.Parameters.ToArray())

[<Fact>]
let ``early stopping stops on a worsening validation loss and restores the best weights`` () =
    // The validation labels are the training labels shifted by one class, so fitting the training data makes the
    // validation loss worse after the first few epochs.
    let train, validation, config = earlyStoppingRun ()
    let trained = Training.fit config (small 5) train |> unwrap
    let epochs = List.ofSeq trained.History.Epochs
    let best = epochs |> List.minBy (fun e -> e.ValidationLoss.Value)
    Assert.True(trained.StoppedEarly)
    Assert.Equal(Some best.Epoch, trained.BestEpoch)
    Assert.Equal(best.Epoch + 3, (List.last epochs).Epoch)
    // The returned network is the best epoch's: its validation loss is the recorded best (measured in chunks of the
    // run's batch size there, of up to 1,024 samples by evaluate, hence the rounding allowance).
    let loss, _ = Training.evaluate Loss.SoftmaxCrossEntropy trained.Network validation
    Assert.Equal(best.ValidationLoss.Value, loss, 12)
    Assert.True(loss < (List.last epochs).ValidationLoss.Value)

[<Fact>]
let ``without restoring, early stopping returns the last weights`` () =
    let train = randomData 5 40 3 4
    let validation = randomData 6 20 3 4

    let config = {
        Training.defaults (Optimizers.adam (Schedules.constant 0.05)) with
            Epochs = 300
            Validation = Some validation
            EarlyStopping =
                Some {
                    Patience = 2
                    MinDelta = 0.0
                    RestoreBestWeights = false
                }
    }

    let trained = Training.fit config (small 5) train |> unwrap
    let last = Seq.last trained.History.Epochs
    let loss, _ = Training.evaluate Loss.SoftmaxCrossEntropy trained.Network validation
    Assert.True(trained.StoppedEarly)
    Assert.Equal(last.ValidationLoss.Value, loss, 12)

/// y = 2x with a one-layer identity network: each full-batch step multiplies the error by about |1 − α·E[x²]|.
let private line () =
    let xs = [| for i in 1..8 -> [| float i / 4.0 |] |]
    let data = Data.ofRowsRegression xs (xs |> Array.map (fun x -> [| 2.0 * x[0] |]))

    let network =
        Network<float>(
            [
                DenseLayer<float>(Dense.Matrix(1, 1, [| 0.5 |]), Dense.Vector [| 0.0 |], Activation.Identity)
            ]
        )

    data, network

[<Fact>]
let ``a loss that explodes stops training with the divergence error, its epoch and step, and no model`` () =
    // With α = 500 the error grows about 1000-fold per step: the loss passes 1e8 times its start long before it
    // overflows.
    let data, network = line ()
    let mutable steps = []

    let config = {
        Training.defaults (Optimizers.sgd (Schedules.constant 500.0)) with
            Epochs = 1000
            BatchSize = 8
            Loss = Loss.SquaredError
            OnStep = fun s -> steps <- s :: steps
    }

    match Training.fit config network data with
    | Ok _ -> failwith "training should have diverged"
    | Error(Diverged d as e) ->
        // One batch per epoch, so the failing step is the failing epoch; every earlier step was recorded.
        Assert.True(d.Step > 1)
        Assert.Equal(d.Step, d.Epoch)
        Assert.True(Double.IsFinite d.Loss)
        Assert.True(d.Loss > Training.ExplosionFactor * (List.last steps).Loss)
        Assert.Contains("exploded", d.Reason)
        Assert.Equal<int list>([ 1 .. d.Step - 1 ], steps |> List.rev |> List.map (fun s -> s.Step))
        Assert.StartsWith($"Training diverged at epoch {d.Epoch}, step {d.Step}:", e.Message)
    | Error e -> failwith $"wrong error: {e.Message}"

[<Fact>]
let ``a loss that is finite but below the explosion bound trains on`` () =
    // α = 0.5 converges on the same line: the loss falls, never near 1e8 times its start.
    let data, network = line ()

    let config = {
        Training.defaults (Optimizers.sgd (Schedules.constant 0.5)) with
            Epochs = 200
            BatchSize = 8
            Loss = Loss.SquaredError
    }

    let trained = Training.fit config network data |> unwrap
    Assert.True((Seq.last trained.History.Steps).Loss < 1e-10)

[<Fact>]
let ``a non-finite first loss is divergence at step 1`` () =
    let data, network = line ()
    let huge = network.WithParameters(network.Parameters.FullLike 1e300)

    let config = {
        Training.defaults (Optimizers.sgd (Schedules.constant 0.1)) with
            Epochs = 3
            Loss = Loss.SquaredError
    }

    match Training.fit config huge data with
    | Error(Diverged d) ->
        Assert.Equal(1, d.Step)
        Assert.False(Double.IsFinite d.Loss)
    | other -> failwith $"expected divergence at step 1, got {other}"

[<Fact>]
let ``the parameter bound is the square root of the largest value of the precision`` () =
    Assert.Equal(sqrt Double.MaxValue, Training.parameterBound<float>())
    Assert.Equal(sqrt (float Single.MaxValue), Training.parameterBound<float32>())

[<Fact>]
let ``a network with identical hidden units is refused unless allowed`` () =
    let network =
        Network.Create<float>([ 2; 2; 1 ], Activation.Sigmoid, Activation.Sigmoid, Initializer.Zeros, 0)

    let data = Data.ofRows [| [| 0.0; 1.0 |]; [| 1.0; 0.0 |] |] [| 0; 1 |]

    let config = {
        Training.defaults (Optimizers.sgd (Schedules.constant 0.1)) with
            Loss = Loss.BinaryCrossEntropy
            Epochs = 2
    }

    match Training.fit config network data with
    | Error(SymmetricHiddenUnits description) -> Assert.Equal("layer 1, units 1 and 2", description)
    | other -> failwith $"expected the symmetry error, got {other}"

    let trained =
        Training.fit
            {
                config with
                    AllowSymmetricUnits = true
            }
            network
            data
        |> unwrap
    // Trained anyway, the two hidden units stay identical.
    Assert.Equal("layer 1, units 1 and 2", trained.Network.FindSymmetricHiddenUnits())

[<Fact>]
let ``early stopping without validation data is refused`` () =
    let config = {
        Training.defaults (Optimizers.adam (Schedules.constant 1e-3)) with
            EarlyStopping =
                Some {
                    Patience = 1
                    MinDelta = 0.0
                    RestoreBestWeights = true
                }
    }

    Assert.Throws<ArgumentException>(fun () -> Training.fit config (small 0) (randomData 0 10 3 4) |> ignore)
    |> ignore

// Lecture 003's Aack/Beep table and XOR, by full-batch gradient descent θ ← θ − α∇J with α = 0.5.
let private gradientDescent iterations (network: Network<float>) (data: Dataset) =
    let config = {
        Training.defaults (Optimizers.sgd (Schedules.constant 0.5)) with
            Epochs = iterations
            BatchSize = data.Samples
            Loss = Loss.BinaryCrossEntropy
    }

    Training.fit config network data |> unwrap

[<Fact>]
let ``gradient descent learns the lecture's Aack/Beep moods and XOR`` () =
    let aackBeep =
        Data.ofRows [| [| 3.0; 1.0 |]; [| 0.0; 3.0 |]; [| 0.0; 2.0 |]; [| 2.0; 1.0 |] |] [| 1; 0; 0; 1 |]

    let xor =
        Data.ofRows [| [| 0.0; 0.0 |]; [| 0.0; 1.0 |]; [| 1.0; 0.0 |]; [| 1.0; 1.0 |] |] [| 0; 1; 1; 0 |]

    let net seed =
        Network.Create<float>([ 2; 2; 1 ], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, seed)

    for data, seed, iterations in [ aackBeep, 3, 2000; xor, 5, 20000 ] do
        let trained = gradientDescent iterations (net seed) data

        let labels =
            match data.Targets with
            | Targets.Classes(l, _) -> List.ofSeq l
            | _ -> []

        Assert.Equal<int list>(labels, Training.predictClasses trained.Network data.Features |> List.ofArray)

[<Fact>]
let ``gradient descent on logistic regression lowers the loss at every step for a small step`` () =
    let random = Random 4

    let rows =
        Array.init 40 (fun _ -> Array.init 2 (fun _ -> random.NextDouble() * 4.0 - 2.0))

    let labels =
        rows
        |> Array.map (fun r ->
            if r[0] - r[1] + random.NextDouble() - 0.5 > 0.0 then
                1
            else
                0)

    let network =
        Network.Create<float>([ 2; 1 ], Activation.Identity, Activation.Sigmoid, Initializer.XavierNormal, 2)

    let config = {
        Training.defaults (Optimizers.sgd (Schedules.constant 0.1)) with
            Epochs = 300
            BatchSize = 40
            Loss = Loss.BinaryCrossEntropy
    }

    let losses =
        (Training.fit config network (Data.ofRows rows labels) |> unwrap).History.Steps
        |> Seq.map _.Loss
        |> List.ofSeq

    Assert.True(List.pairwise losses |> List.forall (fun (a, b) -> b < a))

[<Fact>]
let ``dropout changes the updates, the same seed repeats them bit for bit and another seed draws other masks`` () =
    let data = randomData 6 60 3 4

    let run seed rate =
        let config = {
            Training.defaults (Optimizers.adam (Schedules.constant 0.01)) with
                Epochs = 3
                BatchSize = 8
                Seed = seed
        }

        let trained = Training.fit config ((small 6).WithDropout [ rate ]) data |> unwrap

        trained.Network.Parameters.ToArray(), trained.History

    let plain, _ = run 1 0.0
    let dropped, history = run 1 0.5
    let again, historyAgain = run 1 0.5
    let other, _ = run 2 0.5
    Assert.NotEqual<float[]>(plain, dropped)
    Assert.Equal<float[]>(dropped, again)
    Assert.Equal(history, historyAgain)
    Assert.NotEqual<float[]>(dropped, other)

[<Fact>]
let ``evaluation and prediction use no dropout and the trained network keeps its rates`` () =
    let data = randomData 6 60 3 4

    let config = {
        Training.defaults (Optimizers.adam (Schedules.constant 0.01)) with
            Epochs = 2
            BatchSize = 8
    }

    let trained = Training.fit config ((small 6).WithDropout [ 0.5 ]) data |> unwrap

    Assert.Equal<float>([| 0.5; 0.0 |], Seq.toArray trained.Network.DropoutRates)
    let withoutRates = trained.Network.WithDropout [ 0.0 ]
    Assert.Equal(Training.evaluate config.Loss withoutRates data, Training.evaluate config.Loss trained.Network data)
    Assert.Equal<int>(Training.predictClasses withoutRates data.Features, Training.predictClasses trained.Network data.Features)

[<Fact>]
let ``a second-order stage refuses curvature of a network trained with dropout, by name`` () =
    let data = randomData 6 20 3 4

    let config = {
        Training.defaults (DampedNewton.optimizer DampedNewton.defaults) with
            Epochs = 1
            BatchSize = Int32.MaxValue
    }

    let e =
        Assert.Throws<InvalidOperationException>(fun () -> Training.fit config ((small 6).WithDropout [ 0.5 ]) data |> ignore)

    Assert.Contains("dropout", e.Message)
