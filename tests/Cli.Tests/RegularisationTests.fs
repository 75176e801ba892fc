/// `nn train`'s regularisation and weighting options: dropout, class and sample weights, L2, weight decay, clipping
/// and learning-rate schedules.
module Nn.Tests.RegularisationTests

open System
open System.IO
open Xunit
open Nn.Tests.CliSupport

let private scratch () = scratchIn "nn-regul-"

/// 80 samples of two features and a weight column; label = 1 when x1 + x2 > 1 (about a quarter of them).
let private data dir =
    let rows = [
        for i in 0..79 ->
            let x1 = float (i % 10) / 9.0
            let x2 = float ((i * 7) % 13) / 12.0
            let w = 0.5 + float (i % 3)
            $"{x1},{x2},{w},{(if x1 + x2 > 1.2 then 1 else 0)}"
    ]

    let path = Path.Combine(dir, "train.csv")
    File.WriteAllText(path, String.Join("\n", "x1,x2,w,label" :: rows) + "\n")
    path

/// `nn train` on the data with 4 epochs of batches of 8 and hidden layers 6,5, unless `extra` sets them.
let private train dir (out: string) (extra: string list) =
    let defaults =
        [ "--epochs", "4"; "--batch", "8"; "--layers", "6,5" ]
        |> List.filter (fun (flag, _) -> not (List.contains flag extra))
        |> List.collect (fun (flag, value) -> [ flag; value ])

    nn (
        [ "train"; "--data"; data dir; "--out"; Path.Combine(dir, out); "--json" ]
        @ defaults
        @ extra
    )

let private trained dir out extra =
    let code, _, err = train dir out extra
    Assert.True((code = 0), err)
    Nn.Serialization.ModelFile.Load(Path.Combine(dir, out))

let private bits (model: Nn.Models.Model) =
    model.Network.Parameters.ToArray() |> Array.map BitConverter.DoubleToInt64Bits

[<Theory>]
[<InlineData("--dropout|1|'1' is not a rate in [0, 1)")>]
[<InlineData("--dropout|0.1,0.2,0.3|3 rates for 2 hidden layers")>]
[<InlineData("--dropout|x|'x' is not a rate")>]
[<InlineData("--class-weight|1,-2|'-2' is not balanced or a finite non-negative weight")>]
[<InlineData("--class-weight|1,2,3|3 weights for 2 classes")>]
[<InlineData("--class-weight|0,0|every training sample would have weight 0")>]
[<InlineData("--sample-weight|nope|has no such column")>]
[<InlineData("--sample-weight|label|that is the label column")>]
[<InlineData("--l2|-0.5|must be a finite non-negative number")>]
[<InlineData("--l2|NaN|must be a finite non-negative number")>]
[<InlineData("--weight-decay|-1|must be a finite non-negative number")>]
[<InlineData("--clip-norm|0|must be a positive number")>]
[<InlineData("--schedule|linear|expected constant, cosine, step or exponential")>]
[<InlineData("--warmup|0|must be a positive whole number")>]
[<InlineData("--warmup|40|the run has only 40 updates")>]
let ``every bad value is refused in one line naming its option`` (case: string) =
    let parts = case.Split('|')
    let dir = scratch ()
    failsWith [ $"{parts[0]} {parts[1]}"; parts[2] ] (train dir "m.json" [ parts[0]; parts[1] ])
    Assert.False(File.Exists(Path.Combine(dir, "m.json")))

[<Theory>]
[<InlineData("--dropout|0.5|dropout draws new masks every step")>]
[<InlineData("--clip-norm|1|applies to sgd, momentum, adam and adamw")>]
[<InlineData("--weight-decay|0.1|applies to sgd, momentum, adam and adamw")>]
[<InlineData("--schedule|cosine|applies to sgd, momentum, adam and adamw")>]
[<InlineData("--warmup|5|applies to sgd, momentum, adam and adamw")>]
let ``options of first-order steps are refused for second-order optimizers`` (case: string) =
    let parts = case.Split('|')
    let dir = scratch ()

    for optimizer in [ "newton"; "lbfgs" ] do
        let code, out, err =
            nn [
                "train"
                "--data"
                data dir
                "--out"
                Path.Combine(dir, "m.json")
                "--optimizer"
                optimizer
                parts[0]
                parts[1]
            ]

        failsWith [ $"{parts[0]} {parts[1]}"; $"--optimizer {optimizer}"; parts[2] ] (code, out, err)

[<Fact>]
let ``dropout needs a hidden layer`` () =
    let dir = scratch ()
    failsWith [ "--dropout 0.5"; "no hidden layer" ] (train dir "m.json" [ "--layers"; "none"; "--dropout"; "0.5" ])

[<Fact>]
let ``the model's notes record exactly the options used, and the model file the dropout rates`` () =
    let dir = scratch ()

    let model =
        trained dir "m.json" [
            "--dropout"
            "0.25,0.5"
            "--class-weight"
            "1,3"
            "--sample-weight"
            "w"
            "--l2"
            "0.001"
            "--weight-decay"
            "0.0002"
            "--clip-norm"
            "2.5"
            "--schedule"
            "cosine"
            "--warmup"
            "5"
        ]

    let notes = model.Metadata.Notes
    Assert.Equal("0.25,0.5", notes["dropout"])
    Assert.Equal("1,3", notes["class_weight"])
    Assert.Equal("w", notes["sample_weight"])
    Assert.Equal("0.001", notes["l2"])
    Assert.Equal("0.0002", notes["weight_decay"])
    Assert.Equal("2.5", notes["clip_norm"])
    // 80 samples in batches of 8: 10 updates an epoch, 40 in all, 5 of them warm-up.
    Assert.Equal("cosine to 0 over 35 updates", notes["schedule"])
    Assert.Equal("5", notes["warmup"])
    Assert.Equal<float>([| 0.25; 0.5; 0.0 |], Seq.toArray model.Network.DropoutRates)
    // The weight column is not a feature.
    Assert.Equal<string>([| "x1"; "x2" |], Seq.toArray model.FeatureNames)

    let plain = trained dir "plain.json" []
    let notes = plain.Metadata.Notes
    Assert.Equal("0,0", notes["dropout"])
    Assert.Equal("none", notes["class_weight"])
    Assert.Equal("none", notes["sample_weight"])
    Assert.Equal("0", notes["l2"])
    Assert.Equal("0", notes["weight_decay"])
    Assert.Equal("none", notes["clip_norm"])
    Assert.Equal("constant", notes["schedule"])
    Assert.Equal("0", notes["warmup"])
    Assert.Equal("0.01", (trained dir "adamw.json" [ "--optimizer"; "adamw" ]).Metadata.Notes["weight_decay"])

[<Fact>]
let ``balanced class weights are recorded as computed on the training part`` () =
    let dir = scratch ()
    let model = trained dir "m.json" [ "--class-weight"; "balanced" ]

    let labels =
        File.ReadAllLines(data dir)
        |> Array.skip 1
        |> Array.map (fun l -> l.EndsWith ",1")

    let ones = labels |> Array.filter id |> Array.length
    let m = labels.Length
    // w_c = m / (k · m_c)
    let expected =
        [ float m / (2.0 * float (m - ones)); float m / (2.0 * float ones) ]
        |> List.map (fun w -> w.ToString("R", Globalization.CultureInfo.InvariantCulture))

    Assert.Equal("balanced: " + String.Join(",", expected), model.Metadata.Notes["class_weight"])

[<Fact>]
let ``every option changes the trained model and the same seed repeats it bit for bit`` () =
    let dir = scratch ()
    let plain = bits (trained dir "plain.json" [])

    for option in
        [
            [ "--dropout"; "0.3" ]
            [ "--class-weight"; "balanced" ]
            [ "--sample-weight"; "w" ]
            [ "--l2"; "0.05" ]
            [ "--weight-decay"; "0.5" ]
            [ "--clip-norm"; "0.01" ]
            [ "--schedule"; "cosine" ]
            [ "--warmup"; "10" ]
        ] do
        let name = String.Join("", option).Replace("-", "").Replace(".", "")
        let first = bits (trained dir $"{name}-1.json" option)
        let again = bits (trained dir $"{name}-2.json" option)
        Assert.Equal<int64>(first, again)

        // The sample-weight run has one feature fewer, so its parameters cannot equal the plain run's.
        if option[0] <> "--sample-weight" then
            Assert.NotEqual<int64>(plain, first)

[<Fact>]
let ``a run with dropout resumes from its checkpoint to the uninterrupted run bit for bit, and other rates are refused`` () =
    let dir = scratch ()
    let checkpoint = Path.Combine(dir, "ck.json")
    let whole = trained dir "whole.json" [ "--dropout"; "0.4"; "--epochs"; "6" ]

    trained dir "first.json" [ "--dropout"; "0.4"; "--epochs"; "3"; "--checkpoint"; checkpoint ]
    |> ignore

    let resumed =
        trained dir "resumed.json" [ "--dropout"; "0.4"; "--epochs"; "6"; "--resume"; checkpoint ]

    Assert.Equal<int64>(bits whole, bits resumed)

    failsWith
        [ "--resume"; "--dropout 0.4,0.4 but this run has 0.2,0.2" ]
        (train dir "other.json" [ "--dropout"; "0.2"; "--epochs"; "6"; "--resume"; checkpoint ])

[<Fact>]
let ``nn evaluate reports the balanced accuracy`` () =
    let dir = scratch ()
    trained dir "m.json" [] |> ignore

    let code, out, err =
        nn [
            "evaluate"
            "--model"
            Path.Combine(dir, "m.json")
            "--data"
            data dir
            "--json"
        ]

    Assert.True((code = 0), err)
    let json = Text.Json.JsonDocument.Parse(out).RootElement
    let balanced = json.GetProperty("balanced_accuracy").GetDouble()
    let confusion = json.GetProperty("confusion")

    let recall r =
        let row = [| for v in confusion[r].EnumerateArray() -> float (v.GetInt64()) |]
        row[r] / Array.sum row

    Assert.Equal((recall 0 + recall 1) / 2.0, balanced, 12)

/// `nn train --optimizer newton --layers none --l2 λ` on breast_cancer.csv (standardised, float64), then
/// tests/sklearn/logreg.py: scikit-learn's LogisticRegression(C) on the same standardised data.
let private againstScikitLearn (c: float) =
    let dir = scratch ()
    let data = Path.Combine(Nn.TestSupport.Repository.Root, "data", "breast_cancer.csv")
    let model = Path.Combine(dir, "lr.json")
    // scikit-learn minimises C·Σ logloss + ½‖w‖²; divided by C·m it is J = (1/m)·Σ logloss + ½λ‖w‖² with λ = 1/(C·m).
    let lambda = 1.0 / (c * 569.0)

    let code, _, err =
        nn [
            "train"
            "--data"
            data
            "--out"
            model
            "--optimizer"
            "newton"
            "--layers"
            "none"
            "--l2"
            lambda.ToString("R", Globalization.CultureInfo.InvariantCulture)
            "--standardize"
            "--precision"
            "float64"
            "--epochs"
            "30"
            "--json"
        ]

    Assert.True((code = 0), err)

    use reference =
        nonNull
        <| Diagnostics.Process.Start(
            Diagnostics.ProcessStartInfo(
                Nn.TestSupport.SystemPackages.Python,
                [
                    Path.Combine(Nn.TestSupport.Repository.Root, "tests", "sklearn", "logreg.py")
                    data
                    model
                    c.ToString("R", Globalization.CultureInfo.InvariantCulture)
                ],
                RedirectStandardError = true,
                RedirectStandardOutput = true
            )
        )

    let errors = reference.StandardError.ReadToEndAsync()
    let out = reference.StandardOutput.ReadToEnd()
    reference.WaitForExit()
    Assert.True((reference.ExitCode = 0), errors.Result)
    let json = Text.Json.JsonDocument.Parse(out).RootElement
    let ours = json.GetProperty("nn_objective").GetDouble()
    let theirs = json.GetProperty("sklearn_objective").GetDouble()
    ours, theirs, json.GetProperty("max_abs_difference").GetDouble()

[<Nn.TestSupport.SystemFact(Nn.TestSupport.SystemPackage.PythonSklearn)>]
let ``Newton with --l2 1/(C·m) reaches scikit-learn's logistic regression with the same C on breast cancer`` () =
    for c in [ 0.01; 1.0; 100.0 ] do
        let ours, theirs, difference = againstScikitLearn c
        // The same objective at both solutions to 1e-12 relative, ours never above theirs by more, and the same
        // coefficients (scikit-learn's Newton-CG stops at its own tolerance, so the weakly regularised C = 100 agrees
        // to about 1e-6).
        Assert.True(abs (ours - theirs) <= 1e-12 * theirs, $"C = {c}: objective {ours} vs scikit-learn's {theirs}")
        Assert.True(difference <= 1e-5, $"C = {c}: coefficients differ by {difference}")
