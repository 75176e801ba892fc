module Nn.Tests.DataTests

open System.IO
open FsCheck.FSharp
open FsCheck.Xunit
open Nn.Pipeline
open Nn.Tests.Support
open Xunit

let private error (text: string) =
    match Data.parseCsv "bad.csv" "label" text with
    | Ok _ -> failwith "the CSV was accepted"
    | Error e -> e.Message

[<Fact>]
let ``the embedded iris data has 150 samples of 4 features in 3 balanced classes`` () =
    let iris = Data.iris ()
    Assert.Equal(150, iris.Samples)
    Assert.Equal(4, iris.FeatureCount)
    Assert.Equal<string>([ "sepal_length"; "sepal_width"; "petal_length"; "petal_width" ], iris.FeatureNames)

    match iris.Targets with
    | Targets.Classes(labels, count) ->
        Assert.Equal(3, count)
        Assert.Equal<int list>([ 50; 50; 50 ], labels |> Seq.countBy id |> Seq.sortBy fst |> Seq.map snd |> List.ofSeq)
    | Targets.Values _ -> failwith "iris has class labels"
    // The first row of the file: 5.1,3.5,1.4,0.2,0 is the first column.
    Assert.Equal<float>([ 5.1; 3.5; 1.4; 0.2 ], iris.Features.Column(0).ToArray())

[<Fact>]
let ``the embedded digits data has 1797 samples of 64 pixel counts in 10 classes`` () =
    let digits = Data.digits ()
    Assert.Equal(1797, digits.Samples)
    Assert.Equal(64, digits.FeatureCount)
    Assert.Equal(Some 10, Data.classCount digits)

    Assert.True(
        digits.Features.ToColumnMajorArray()
        |> Array.forall (fun v -> v >= 0.0 && v <= 16.0)
    )

[<Fact>]
let ``reading the shipped iris file gives the same data as the embedded copy`` () =
    let path = Path.Combine(Support.repositoryRoot, "data", "iris.csv")

    match Data.readCsv path "label" with
    | Error e -> failwith e.Message
    | Ok data ->
        let embedded = Data.iris ()
        Assert.Equal<float>(embedded.Features.ToColumnMajorArray(), data.Features.ToColumnMajorArray())
        Assert.Equal(embedded.Targets, data.Targets)

[<Fact>]
let ``the label column may sit anywhere and the other columns become features in order`` () =
    match Data.parseCsv "mid.csv" "y" "a,y,b\n1,0,2\n3,2,4\n" with
    | Error e -> failwith e.Message
    | Ok data ->
        Assert.Equal<float>([| 1.0; 2.0; 3.0; 4.0 |], data.Features.ToColumnMajorArray())
        Assert.Equal<string>([ "a"; "b" ], data.FeatureNames)
        Assert.Equal(Some 3, Data.classCount data)

[<Fact>]
let ``an empty file is reported on line 1`` () =
    Assert.Equal("bad.csv, line 1: the file is empty; expected a header row and data rows", error "")

[<Fact>]
let ``a file with only a header row is reported`` () =
    Assert.Equal("bad.csv, line 2: the file has a header row but no data rows", error "a,b,label\n")

[<Fact>]
let ``a ragged row is reported with its line and first missing column`` () =
    Assert.Equal("bad.csv, line 3, column 3: the row has 2 cells but the header has 3 columns", error "a,b,label\n1,2,0\n3,4\n")

[<Fact>]
let ``a row with an extra cell is reported with the extra column`` () =
    Assert.Equal("bad.csv, line 2, column 4: the row has 4 cells but the header has 3 columns", error "a,b,label\n1,2,0,9\n")

[<Fact>]
let ``a non-numeric cell is reported with its line, column and column name`` () =
    Assert.Equal("bad.csv, line 3, column 2 (b): \"abc\" is not a number", error "a,b,label\n1,2,0\n3,abc,1\n")

[<Fact>]
let ``a missing label column is reported with the header's columns`` () =
    Assert.Equal("bad.csv, line 1: no column named \"label\" in the header (columns: a, b, class)", error "a,b,class\n1,2,0\n")

[<Fact>]
let ``NaN and infinite cells are reported as not finite`` () =
    Assert.Equal("bad.csv, line 2, column 1 (a): \"NaN\" is not finite; values must be finite numbers", error "a,b,label\nNaN,2,0\n")
    Assert.Equal("bad.csv, line 2, column 2 (b): \"-Infinity\" is not finite; values must be finite numbers", error "a,b,label\n1,-Infinity,0\n")

[<Fact>]
let ``a fractional or negative class label is reported`` () =
    Assert.Equal(
        "bad.csv, line 2, column 3 (label): the class label \"0.5\" is not a whole number ≥ 0; class labels are 0, 1, 2, …",
        error "a,b,label\n1,2,0.5\n"
    )

    Assert.Equal(
        "bad.csv, line 2, column 3 (label): the class label \"-1\" is not a whole number ≥ 0; class labels are 0, 1, 2, …",
        error "a,b,label\n1,2,-1\n"
    )

[<Fact>]
let ``every CSV error message is a single line`` () =
    [
        ""
        "a,label\n"
        "a,label\n1\n"
        "a,label\nx,0\n"
        "a,b\n1,2\n"
        "a,label\nInfinity,0\n"
        "a,label\n1,1.5\n"
    ]
    |> List.iter (fun text -> Assert.DoesNotContain("\n", error text))

[<Fact>]
let ``reading a file names it by its path and a missing file is reported`` () =
    let path =
        Path.Combine(Path.GetTempPath(), $"nn-pipeline-{System.Guid.NewGuid():N}.csv")

    File.WriteAllText(path, "a,label\r\n1,0\r\nx,1\r\n")

    try
        match Data.readCsv path "label" with
        | Ok _ -> failwith "the CSV was accepted"
        | Error e -> Assert.Equal($"{path}, line 3, column 1 (a): \"x\" is not a number", e.Message)
    finally
        File.Delete path

    match Data.readCsv path "label" with
    | Error(FileNotFound p) -> Assert.Equal(path, p)
    | other -> failwith $"expected FileNotFound, got {other}"

[<Property(Replay = Replay, MaxTest = 50)>]
let ``standardised training features have mean 0 and standard deviation 1`` () =
    Prop.forAll (seeds 0 100000) (fun seed ->
        let data = randomData seed 40 5 3
        let z = Standardizer.apply (Standardizer.fit data) data

        [ 0..4 ]
        |> List.forall (fun j ->
            let row = z.Features.Row(j).ToArray()
            let mean = Array.average row
            let sd = sqrt (Array.averageBy (fun v -> (v - mean) ** 2.0) row)
            abs mean < 1e-12 && abs (sd - 1.0) < 1e-12))

[<Property(Replay = Replay, MaxTest = 50)>]
let ``standardisation is fitted on the training part only and applied unchanged to the test part`` () =
    Prop.forAll (seeds 0 100000) (fun seed ->
        let data = randomData seed 60 4 3

        let train, test =
            Batching.trainTest 0.25 true (Nn.Initialization.Rng.FromSeed seed) data

        let fitted = Standardizer.fit train
        let wholeFit = Standardizer.fit data
        // The statistics are the training part's, not those of the whole set …
        let differsFromWhole = fitted <> wholeFit
        // … and the test part is scaled with them, not with its own.
        let scaled = Standardizer.apply fitted test

        let usesTrainingStatistics =
            [
                for j in 0..3 do
                    for i in 0 .. test.Samples - 1 -> scaled.Features[j, i] = (test.Features[j, i] - fitted.Means[j]) / fitted.Scales[j]
            ]
            |> List.forall id

        differsFromWhole && usesTrainingStatistics)

[<Fact>]
let ``a zero-variance feature is centred and not divided by zero`` () =
    let data = Data.ofRows [| [| 2.0; 1.0 |]; [| 2.0; 3.0 |] |] [| 0; 1 |]
    let s = Standardizer.fit data
    Assert.Equal<float>([ 1.0; 1.0 ], s.Scales)
    Assert.Equal<float>([| 0.0; -1.0; 0.0; 1.0 |], (Standardizer.apply s data).Features.ToColumnMajorArray())

[<Fact>]
let ``one-hot encoding puts a single 1 in each label's row`` () =
    let y = Data.oneHot 3 [ 2; 0; 1 ]
    Assert.Equal<float>([| 0.0; 0.0; 1.0; 1.0; 0.0; 0.0; 0.0; 1.0; 0.0 |], y.ToColumnMajorArray())

[<Fact>]
let ``building a data set with a non-finite feature or a bad label throws`` () =
    Assert.Throws<System.ArgumentException>(fun () -> Data.ofRows [| [| nan |] |] [| 0 |] |> ignore)
    |> ignore

    Assert.Throws<System.ArgumentException>(fun () -> Data.ofRows [| [| 1.0 |]; [| 1.0; 2.0 |] |] [| 0; 1 |] |> ignore)
    |> ignore

    Assert.Throws<System.ArgumentException>(fun () -> Data.ofRows [| [| 1.0 |] |] [| -1 |] |> ignore)
    |> ignore
