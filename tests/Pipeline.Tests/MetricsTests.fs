module Nn.Tests.MetricsTests

open Nn.LinearAlgebra
open Nn.Pipeline
open Xunit

let private predicted = [| 0; 1; 1; 2; 2; 2; 0; 1 |]
let private actual = [| 0; 1; 2; 2; 2; 1; 0; 0 |]

[<Fact>]
let ``accuracy is the fraction of matching labels`` () =
    Assert.Equal(5.0 / 8.0, Metrics.accuracy predicted actual)

[<Fact>]
let ``the confusion matrix counts actual classes in rows and predictions in columns`` () =
    let c = Metrics.confusion 3 predicted actual
    let rows = [ for a in 0..2 -> [ for p in 0..2 -> c[a, p] ] ]
    Assert.Equal<int list list>([ [ 2; 1; 0 ]; [ 0; 1; 1 ]; [ 0; 1; 2 ] ], rows)

[<Fact>]
let ``per-class precision recall and F1 follow from the confusion matrix`` () =
    let scores = Metrics.perClass (Metrics.confusion 3 predicted actual)
    // Class 2: predicted 3 times, 2 correct; 3 actual samples, 2 found.
    let c2 = scores[2]
    Assert.Equal(2.0 / 3.0, c2.Precision, 15)
    Assert.Equal(2.0 / 3.0, c2.Recall, 15)
    Assert.Equal(2.0 / 3.0, c2.F1, 15)
    Assert.Equal(3, c2.Support)
    // Class 0: predicted twice, both correct; 3 actual samples.
    Assert.Equal(1.0, scores[0].Precision)
    Assert.Equal(2.0 / 3.0, scores[0].Recall, 15)
    Assert.Equal(0.8, scores[0].F1, 15)

[<Fact>]
let ``a class that is never predicted has precision and F1 of zero`` () =
    let scores = Metrics.perClass (Metrics.confusion 2 [| 0; 0 |] [| 0; 1 |])
    Assert.Equal(0.0, scores[1].Precision)
    Assert.Equal(0.0, scores[1].Recall)
    Assert.Equal(0.0, scores[1].F1)

[<Fact>]
let ``log loss is the mean negative log probability of the true class, clipped at 1e-15`` () =
    let p = Dense.Matrix(2, 3, [| 0.8; 0.2; 0.4; 0.6; 1.0; 0.0 |])
    let expected = -(log 0.8 + log 0.6 + log 1e-15) / 3.0
    Assert.Equal(expected, Metrics.logLoss p [| 0; 1; 1 |], 12)

[<Fact>]
let ``mean squared error averages over every entry`` () =
    let yhat = Dense.Matrix(2, 2, [| 1.0; 2.0; 3.0; 4.0 |])
    let y = Dense.Matrix(2, 2, [| 1.0; 0.0; 0.0; 4.0 |])
    Assert.Equal((0.0 + 4.0 + 9.0 + 0.0) / 4.0, Metrics.meanSquaredError yhat y)

[<Fact>]
let ``metrics refuse predictions and labels of different lengths`` () =
    Assert.Throws<System.ArgumentException>(fun () -> Metrics.accuracy [| 0 |] [| 0; 1 |] |> ignore)
    |> ignore
