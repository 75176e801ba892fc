module Nn.Tests.WeightsTests

open System
open System.Collections.Immutable
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Losses
open Nn.Newton
open Nn.Pipeline
open Nn.Tests.Support
open Nn.Training
open Xunit

let private unwrap result =
    match result with
    | Ok trained -> trained
    | Error(e: TrainingError) -> failwith e.Message

[<Fact>]
let ``a weighted cross-entropy is the weighted mean of the samples' losses, as PyTorch's weight= computes it`` () =
    // Two samples, three classes. L = −log softmax(z)_y written out with log-sum-exp, independently of the library;
    // with class weights c the cost is Σ c[yᵢ]·Lᵢ / Σ c[yᵢ] (PyTorch CrossEntropyLoss(weight=c), mean reduction).
    let logits = [| [| 2.0; -1.0; 0.5 |]; [| 0.1; 0.2; 3.0 |] |]
    let labels = [| 0; 1 |]
    let classWeights = [| 0.5; 4.0; 1.0 |]

    let sampleLoss (z: float[]) y =
        let top = Array.max z
        top + log (z |> Array.sumBy (fun v -> exp (v - top))) - z[y]

    let expected =
        (Array.map2 (fun z y -> classWeights[y] * sampleLoss z y) logits labels
         |> Array.sum)
        / (labels |> Array.sumBy (fun y -> classWeights[y]))

    // An identity layer with weights I and zero bias passes the logits through unchanged.
    let network =
        Network<float>(
            [
                DenseLayer<float>(Dense.Matrix(3, 3, [| 1.0; 0.0; 0.0; 0.0; 1.0; 0.0; 0.0; 0.0; 1.0 |]), Dense.Vector(Array.zeroCreate 3), Activation.Softmax)
            ]
        )

    let data =
        Data.ofRows logits labels
        |> fun d -> {
            d with
                Targets = Targets.Classes(ImmutableArray.Create(0, 1), 3)
        }
        |> Data.weightClasses classWeights

    let cost, _ = Training.evaluate Loss.SoftmaxCrossEntropy network data
    Assert.Equal(expected, cost, 14)

[<Fact>]
let ``weighted gradients agree with finite differences of the weighted cost`` () =
    let random = Random 3
    let network = small 3
    let data = randomData 3 12 3 4
    let weights = Array.init 12 (fun _ -> random.NextDouble() * 2.0)
    let y = Data.targetMatrix network.Outputs data

    let report =
        GradientCheck.Run(network, data.Features, y, Loss.SoftmaxCrossEntropy, weights = Dense.Vector weights)

    Assert.True(report.WorstRelativeError < 1e-7, $"worst relative error {report.WorstRelativeError}")

[<Fact>]
let ``balanced class weights give every class the same total weight`` () =
    let data =
        Data.ofRows (Array.init 10 (fun i -> [| float i |])) [| 0; 0; 0; 0; 0; 0; 0; 1; 1; 2 |]

    let weights = Data.balancedClassWeights data
    // m / (k · m_c): 10 / (3·7), 10 / (3·2), 10 / (3·1).
    Assert.Equal<float>([| 10.0 / 21.0; 10.0 / 6.0; 10.0 / 3.0 |], weights)
    let weighted = Data.weightClasses weights data

    let totals =
        Seq.zip
            (match weighted.Targets with
             | Targets.Classes(l, _) -> l
             | _ -> failwith "classes")
            weighted.Weights
        |> Seq.groupBy fst
        |> Seq.map (snd >> Seq.sumBy snd)

    Assert.All(totals, fun t -> Assert.Equal(10.0 / 3.0, t, 12))

[<Fact>]
let ``bad sample weights are refused with the first bad one named`` () =
    let data = randomData 1 4 3 2
    Assert.Contains("weights[2] is -1", (Assert.Throws<ArgumentException>(fun () -> Data.withWeights [ 1.0; 1.0; -1.0; 1.0 ] data |> ignore)).Message)

    Assert.Contains(
        "3 sample weights were given for 4 samples",
        (Assert.Throws<ArgumentException>(fun () -> Data.withWeights [ 1.0; 1.0; 1.0 ] data |> ignore)).Message
    )

    Assert.Contains("sum to 0", (Assert.Throws<ArgumentException>(fun () -> Data.withWeights [ 0.0; 0.0; 0.0; 0.0 ] data |> ignore)).Message)

[<Fact>]
let ``splits and subsets carry each sample's weight`` () =
    let data = randomData 2 20 3 2 |> Data.withWeights [ for i in 1..20 -> float i ]
    let indices = [| 3; 7; 7; 0 |]
    Assert.Equal<float>([| 4.0; 8.0; 8.0; 1.0 |], (Data.subset indices data).Weights |> Seq.toArray)

[<Fact>]
let ``Newton with an L2 penalty of 1/(C·m) reaches scikit-learn's regularised logistic regression`` () =
    // scikit-learn minimises C·Σ logloss + ½‖w‖² (intercept unpenalised); divided by C·m that is Training's
    // J = (1/m)·Σ logloss + ½λ‖W‖² with λ = 1/(C·m). The core's IRLS solver minimises Σ logloss + ½(1/C)‖w‖², the
    // same problem, and is the reference here.
    let random = Random 21
    let m, d, c = 80, 3, 0.5

    let rows =
        Array.init m (fun _ -> Array.init d (fun _ -> random.NextDouble() * 4.0 - 2.0))

    let labels =
        rows
        |> Array.map (fun r ->
            if r[0] - 0.5 * r[1] + r[2] + random.NextDouble() - 0.5 > 0.0 then
                1
            else
                0)

    let data = Data.ofRows rows labels

    let irls =
        LogisticRegressionNewton.Fit(
            ReadOnlySpan(Array.concat rows),
            d,
            ReadOnlySpan(labels |> Array.map float),
            LogisticRegressionOptions(Lambda = 1.0 / c, GradientTolerance = 1e-12)
        )

    let network =
        Network.Create<float>([ d; 1 ], Activation.Identity, Activation.Sigmoid, Initializer.XavierNormal, 0)

    let config = {
        Training.defaults (DampedNewton.optimizer DampedNewton.defaults) with
            Epochs = 15
            BatchSize = Int32.MaxValue
            Loss = Loss.BinaryCrossEntropy
            L2 = 1.0 / (c * float m)
    }

    let trained = Training.fit config network data |> unwrap
    let layer = trained.Network.Parameters.Layers[0]

    for j in 0 .. d - 1 do
        Assert.Equal(irls.Weights[j], layer.Weights[0, j], 9)

    Assert.Equal(irls.Intercept, layer.Bias[0], 9)

[<Fact>]
let ``the L2 penalty joins the recorded loss and leaves the biases alone`` () =
    // With zero data gradient (a network already at the data's optimum is hard to build), compare two runs instead:
    // the penalised run's first recorded loss is the plain one plus ½λ‖W‖².
    let network = small 4
    let data = randomData 4 16 3 4

    let run l2 =
        let config = {
            Training.defaults (Optimizers.sgd (Schedules.constant 0.1)) with
                Epochs = 1
                BatchSize = 16
                L2 = l2
        }

        (Training.fit config network data |> unwrap).History.Steps[0].Loss

    let penalty = Nn.Optimization.WeightPenalty.Value(network.Parameters, 0.3)
    Assert.Equal(run 0.0 + penalty, run 0.3, 14)

    let squares =
        network.Parameters.Layers
        |> Seq.sumBy (fun l -> l.Weights.Enumerate() |> Seq.sumBy (fun w -> w * w))

    Assert.Equal(0.15 * squares, penalty, 12)
