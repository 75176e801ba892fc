// Times logistic regression by exact Newton (IRLS) on Fashion-MNIST T-shirt/top (0) vs Shirt (6):
// 12,000 training samples × 784 pixels / 255 in float64, λ = 1 (C = 1), tested on the 2,000 test samples of those classes.
// Prints the wall time of each fit, the Newton steps, objective, max|grad| per step and test accuracy.
// Build first: dotnet build -c Release src/Pipeline.FSharp    Run: dotnet fsi scripts/logreg-newton.fsx [repeats]
#r "../src/Pipeline.FSharp/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/Pipeline.FSharp/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/Pipeline.FSharp/bin/Release/net10.0/Nn.Core.dll"

open System.Diagnostics
open Nn.Data
open Nn.Newton

let repeats =
    match fsi.CommandLineArgs |> Array.tryItem 1 with
    | Some s -> int s
    | None -> 3

let twoClasses (set: LabelledImages) =
    let struct (x, labels) = set.ToFeatures((fun l -> l = 0uy || l = 6uy), 1.0 / 255.0)
    x, labels |> Array.map (fun l -> if l = 6uy then 1.0 else 0.0)

let xTrain, yTrain = twoClasses (FashionMnist.LoadTrain())
let xTest, yTest = twoClasses (FashionMnist.LoadTest())
printfn "BLAS backend: %s; train %d × 784, test %d × 784" Nn.LinearAlgebra.Blas.Current.Name yTrain.Length yTest.Length

let options = LogisticRegressionOptions(Lambda = 1.0)

let times = [
    for r in 1..repeats ->
        let clock = Stopwatch.StartNew()

        let fit =
            LogisticRegressionNewton.Fit(System.ReadOnlySpan xTrain, 784, System.ReadOnlySpan yTrain, options)

        let seconds = clock.Elapsed.TotalSeconds
        let z = fit.Decision(System.ReadOnlySpan xTest)

        let correct =
            Array.map2 (fun zi yi -> if (zi > 0.0) = (yi = 1.0) then 1.0 else 0.0) z yTest

        let grads = [ for s in fit.Trace -> s.MaxAbsGradient ] @ [ fit.MaxAbsGradient ]

        printfn
            "run %d: %.3f s, %A, %d Newton steps, objective %.4f, test accuracy %.4f"
            r
            seconds
            fit.Outcome
            fit.Iterations
            fit.Objective
            (Array.average correct)

        printfn "       max|grad| per step: %s" (grads |> List.map (sprintf "%.3g") |> String.concat ", ")
        printfn "       step lengths: %s" (fit.Trace |> Seq.map (fun s -> sprintf "%g" s.StepLength) |> String.concat ", ")
        seconds
]

printfn "median fit time over %d run(s): %.3f s" repeats (List.sort times).[List.length times / 2]

// Where a step's time goes: the Hessian product (Blas.Syrk, n·(d+1)²/2 multiply-adds) and its Cholesky factorisation and
// solve (Blas.Potrf + Blas.Potrs, (d+1)³/3). Timed here on the same sizes, outside the solver.
let p = 785

let panel =
    Array.init (p * yTrain.Length) (fun k -> if k % p = p - 1 then 1.0 else xTrain.[k / p * 784 + k % p])

let hessian = Array.zeroCreate<float>(p * p)
let clock = Stopwatch.StartNew()
Nn.LinearAlgebra.Blas.Syrk(Nn.LinearAlgebra.Transpose.No, p, yTrain.Length, 0.25, System.ReadOnlySpan panel, p, 0.0, System.Span hessian, p)
let syrkSeconds = clock.Elapsed.TotalSeconds

for j in 0 .. p - 2 do
    hessian.[j + j * p] <- hessian.[j + j * p] + 1.0

let choleskySeconds =
    [
        for _ in 1..3 ->
            let factor = Array.copy hessian
            let rhs = Array.create p 1.0
            let clock = Stopwatch.StartNew()

            if Nn.LinearAlgebra.Blas.Potrf(p, System.Span factor, p) <> 0 then
                failwith "the Hessian is not positive definite"

            Nn.LinearAlgebra.Blas.Potrs(p, 1, System.ReadOnlySpan factor, p, System.Span rhs, p)
            clock.Elapsed.TotalSeconds
    ]
    |> List.min

printfn "one Hessian by Blas.Syrk (12000 samples, 785²): %.3f s; Cholesky factorisation + solve by Blas.Potrf/Potrs (785): %.4f s" syrkSeconds choleskySeconds
