module Nn.Tests.CliTests

open System
open System.IO
open System.Xml.Linq
open Xunit
open Nn.Tests.CliSupport

let private scratch () = scratchIn "nn-cli-"

let private write dir name (text: string) =
    let path = Path.Combine(dir, name)
    File.WriteAllText(path, text)
    path

/// A small two-class problem: label = 1 when x1 + x2 > 1.
let private binaryCsv =
    let rows = [
        for i in 0..59 ->
            let x1 = float (i % 10) / 9.0
            let x2 = float ((i * 7) % 11) / 10.0
            $"{x1},{x2},{(if x1 + x2 > 1.0 then 1 else 0)}"
    ]

    String.Join("\n", "x1,x2,label" :: rows) + "\n"

let private trainArgs data out = [
    "train"
    "--data"
    data
    "--label"
    "label"
    "--out"
    out
    "--epochs"
    "5"
    "--json"
]

let private trainedModel dir =
    let data = write dir "train.csv" binaryCsv
    let model = Path.Combine(dir, "model.json")
    let code, _, err = nn (trainArgs data model)
    Assert.True((code = 0), err)
    model

[<Fact>]
let ``train --json reports each epoch's loss and wall-clock seconds`` () =
    let dir = scratch ()
    let data = write dir "train.csv" binaryCsv
    let code, out, err = nn (trainArgs data (Path.Combine(dir, "model.json")))
    Assert.True((code = 0), err)
    use json = Text.Json.JsonDocument.Parse out
    let root = json.RootElement
    Assert.Equal(5, root.GetProperty("history").GetArrayLength())
    let seconds = [ for e in root.GetProperty("epoch_seconds").EnumerateArray() -> e.GetDouble() ]
    Assert.Equal(5, seconds.Length)
    Assert.All(seconds, fun s -> Assert.True(s > 0.0 && s < 60.0, $"epoch seconds {s}"))

[<Fact>]
let ``the lecture demo learns the Aack/Beep table and XOR and prints the loss as it goes`` () =
    use out = new StringWriter()
    let code = Nn.Cli.Demo.lecture out
    let text = out.ToString()
    Assert.Equal(0, code)
    Assert.Contains("== Aack/Beep moods", text)
    Assert.Contains("== XOR", text)

    Assert.Equal(
        10,
        text.Split('\n')
        |> Array.filter (fun l -> l.StartsWith "iteration")
        |> Array.length
    )

    Assert.Contains("training accuracy 4/4", text)

[<Fact>]
let ``the digits demo prints a test accuracy of at least 0.96`` () =
    let code, out, err = nn [ "demo"; "--json" ]
    Assert.True((code = 0), err)
    let json = Text.Json.JsonDocument.Parse(out)
    Assert.True(json.RootElement.GetProperty("test_accuracy").GetDouble() >= 0.96, out)

[<Fact>]
let ``an unknown command exits with a one-line usage error`` () =
    failsWith [ "frobnicate" ] (nn [ "frobnicate" ])

[<Fact>]
let ``train, summary, evaluate and predict work end to end and the prediction file is a CSV`` () =
    let dir = scratch ()
    let model = trainedModel dir
    let code, out, err = nn [ "summary"; "--model"; model ]
    Assert.True((code = 0), err)
    Assert.Contains("2 inputs", out)

    let code, out, err =
        nn [
            "evaluate"
            "--model"
            model
            "--data"
            Path.Combine(dir, "train.csv")
            "--json"
        ]

    Assert.True((code = 0), err)
    Assert.Contains("\"accuracy\"", out)
    let predictions = Path.Combine(dir, "p.csv")

    let code, _, err =
        nn [
            "predict"
            "--model"
            model
            "--data"
            Path.Combine(dir, "train.csv")
            "--out"
            predictions
        ]

    Assert.True((code = 0), err)
    let lines = File.ReadAllLines predictions
    Assert.Equal("p_0,p_1,class", lines[0])
    Assert.Equal(61, lines.Length)

/// Trains 5 epochs on the binary problem with a validation part and `--plot` to the given file name.
let private trainWithPlot (name: string) =
    let dir = scratch ()
    let data = write dir "train.csv" binaryCsv
    let plot = Path.Combine(dir, name)

    let result =
        nn (
            trainArgs data (Path.Combine(dir, "m.json"))
            @ [ "--validation"; "0.25"; "--plot"; plot ]
        )

    dir, plot, result

[<Fact>]
let ``train --plot loss.svg draws the training and validation losses with labelled axes and a legend`` () =
    let _, svg, (code, _, err) = trainWithPlot "loss.svg"
    Assert.True((code = 0), err)
    let doc = XDocument.Load svg
    Assert.Equal("svg", (nonNull doc.Root).Name.LocalName)
    // A series is one path through its five epochs: one move and four line segments.
    let series =
        doc.Descendants()
        |> Seq.filter (fun e -> e.Name.LocalName = "path")
        |> Seq.map (fun e -> (nonNull (e.Attribute "d")).Value)
        |> Seq.filter (fun d -> d.StartsWith 'M' && d.Split('M').Length = 2 && d.Split('L').Length = 5)
        |> Seq.length

    Assert.Equal(2, series)

    let texts =
        doc.Descendants()
        |> Seq.filter (fun e -> e.Name.LocalName = "text")
        |> Seq.map _.Value.Trim()
        |> Set.ofSeq

    for label in [ "training"; "validation"; "epoch"; "loss"; "train.csv: bce loss" ] do
        Assert.Contains(label, texts)

[<Fact>]
let ``train --plot loss.png writes a 720 by 440 PNG`` () =
    let _, png, (code, out, err) = trainWithPlot "loss.png"
    Assert.True((code = 0), err)
    let bytes = File.ReadAllBytes png
    Assert.Equal<byte>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |], bytes[..7])
    // The first chunk is IHDR: width and height as big-endian 32-bit integers.
    Assert.Equal("IHDR", Text.Encoding.ASCII.GetString(bytes[12..15]))

    let size (at: int) =
        Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, at, 4))

    Assert.Equal((720, 440), (size 16, size 20))
    Assert.True(bytes.Length > 4096, $"{bytes.Length} bytes is too small for a chart")
    Assert.Contains("\"epochs\":5", out)

[<Fact>]
let ``an unsupported --plot extension is one line before training starts`` () =
    let dir, _, result = trainWithPlot "loss.pdf"
    failsWith [ "--plot"; "loss.pdf"; ".svg or .png" ] result
    let _, out, _ = result
    Assert.Equal("", out)
    Assert.False(File.Exists(Path.Combine(dir, "m.json")), "no model may be written")

[<Fact>]
let ``an existing model file is not overwritten without force`` () =
    let dir = scratch ()
    let data = write dir "train.csv" binaryCsv
    let out = write dir "model.json" "precious"
    failsWith [ "model.json: the file exists"; "--force" ] (nn (trainArgs data out))
    Assert.Equal("precious", File.ReadAllText out)
    let code, _, err = nn (trainArgs data out @ [ "--force" ])
    Assert.True((code = 0), err)
    Assert.NotEqual<string>("precious", File.ReadAllText out)

let private badCsvCases: (string * string * string list) list = [
    "empty", "", [ "empty.csv, line 1"; "empty" ]
    "header-only", "x1,x2,label\n", [ "header-only.csv, line 2"; "no data rows" ]
    "ragged", "x1,x2,label\n1,2,0\n3,1\n", [ "ragged.csv, line 3, column 3" ]
    "non-numeric", "x1,x2,label\n1,2,0\n3,abc,1\n", [ "non-numeric.csv, line 3, column 2 (x2)"; "\"abc\"" ]
    "missing-label", "x1,x2,y\n1,2,0\n", [ "missing-label.csv, line 1"; "\"label\"" ]
    "nan", "x1,x2,label\n1,2,0\n3,NaN,1\n", [ "nan.csv, line 3, column 2 (x2)"; "not finite" ]
    "infinity", "x1,x2,label\n1,Infinity,0\n3,1,1\n", [ "infinity.csv, line 2, column 2 (x2)"; "not finite" ]
    "bce-label", "x1,x2,label\n1,2,0\n3,1,1\n2,2,2\n", [ "bce-label.csv, line 4, column 3 (label)"; "label 2"; "bce" ]
]

[<Fact>]
let ``each malformed training file gets one line naming file, line and column, and nothing is written`` () =
    for name, text, fragments in badCsvCases do
        let dir = scratch ()
        let data = write dir (name + ".csv") text
        let out = Path.Combine(dir, "model.json")

        let args =
            trainArgs data out @ (if name = "bce-label" then [ "--loss"; "bce" ] else [])

        failsWith fragments (nn args)
        Assert.False(File.Exists out, $"{name}: a model was written")
        Assert.Equal(1, Directory.GetFiles(dir).Length)

[<Fact>]
let ``an unreadable path is reported with its name`` () =
    let dir = scratch ()
    failsWith [ Path.Combine(dir, "nope.csv"); "no such file" ] (nn (trainArgs (Path.Combine(dir, "nope.csv")) (Path.Combine(dir, "m.json"))))
    failsWith [ dir; "directory" ] (nn (trainArgs dir (Path.Combine(dir, "m.json"))))

[<Fact>]
let ``a learning rate that makes training diverge stops with the epoch and step and writes nothing`` () =
    let dir = scratch ()
    let rows = [ for i in 0..39 -> $"{i * 1000},{i % 7},{i % 2}" ]
    let data = write dir "wild.csv" (String.Join("\n", "x1,x2,label" :: rows))
    let out = Path.Combine(dir, "model.json")

    failsWith
        [ "epoch"; "step"; "model.json was not written" ]
        (nn [
            "train"
            "--data"
            data
            "--out"
            out
            "--epochs"
            "50"
            "--optimizer"
            "sgd"
            "--lr"
            "1000"
            "--loss"
            "mse"
            "--json"
        ])

    Assert.False(File.Exists out)

[<Fact>]
let ``predicting with a different number of features is refused`` () =
    let dir = scratch ()
    let model = trainedModel dir
    let x = write dir "x.csv" "a,b,c\n1,2,3\n"
    let out = Path.Combine(dir, "p.csv")
    failsWith [ "x.csv has 3 feature columns but the model expects 2" ] (nn [ "predict"; "--model"; model; "--data"; x; "--out"; out ])
    Assert.False(File.Exists out)

[<Fact>]
let ``damaged model files are refused with one line naming the file`` () =
    let dir = scratch ()
    let model = trainedModel dir
    let text = File.ReadAllText model
    let data = Path.Combine(dir, "train.csv")

    let cases = [
        "truncated.json", text.Substring(0, text.Length / 2), [ "truncated.json" ]
        "not-json.json", "this is not JSON", [ "not-json.json" ]
        "newer.json", text.Replace("\"version\": 1", "\"version\": 99"), [ "newer.json"; "99" ]
        "nan.json",
        (let i = text.IndexOf("\"weights\"") in

         text.Substring(0, i)
         + text.Substring(i).Insert(text.Substring(i).IndexOf('[') + 2, "NaN, ")),
        [ "nan.json" ]
    ]

    for name, content, fragments in cases do
        let path = write dir name content
        failsWith fragments (nn [ "evaluate"; "--model"; path; "--data"; data ])

/// Trains a standardised model on the binary problem and exports it with `nn export`; returns the directory, the
/// training data, the model file and the ONNX file.
let private exported () =
    let dir = scratch ()
    let data = write dir "train.csv" binaryCsv
    let model = Path.Combine(dir, "model.json")
    let code, _, err = nn (trainArgs data model @ [ "--standardize" ])
    Assert.True((code = 0), err)
    let onnx = Path.Combine(dir, "model.onnx")
    let code, out, err = nn [ "export"; "--model"; model; "--onnx"; onnx ]
    Assert.True((code = 0), err)
    Assert.Contains("opset 13", out)
    dir, data, model, onnx

/// The raw inputs of the training file (features × samples) and the loaded model's predictions for them.
let private predictionsOf (data: string) (model: string) =
    let rows =
        File.ReadAllLines(data)
        |> Array.skip 1
        |> Array.map (fun l -> l.Split(',') |> Array.take 2 |> Array.map float)

    let x = MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseOfColumnArrays rows
    x, (Nn.Serialization.ModelFile.Load model).Predict x

[<Fact>]
let ``export writes an ONNX graph that ONNX Runtime evaluates like nn predict and refuses to overwrite it`` () =
    let _, data, model, onnx = exported ()
    failsWith [ "model.onnx: the file exists"; "--force" ] (nn [ "export"; "--model"; model; "--onnx"; onnx ])
    let x, predictions = predictionsOf data model
    let graph = File.ReadAllBytes onnx
    let runtime = Nn.TestSupport.OnnxRuntimeEvaluation.Run(graph, x)
    let difference = (runtime - predictions).Enumerate() |> Seq.map abs |> Seq.max
    // A model trained in float32 predicts in float32 (the file then says "precision": "float32"), whatever the graph's precision.
    let trainedInFloat32 =
        use json = Text.Json.JsonDocument.Parse(File.ReadAllText model)

        match json.RootElement.TryGetProperty "precision" with
        | true, precision -> precision.GetString() = "float32"
        | _ -> false

    let tolerance =
        if trainedInFloat32 then
            1e-5
        else
            Nn.TestSupport.OnnxRuntimeEvaluation.Tolerance graph

    Assert.True(difference <= tolerance, $"max |onnx runtime - nn| = {difference} > {tolerance}")

[<Nn.TestSupport.SystemFact(Nn.TestSupport.SystemPackage.PythonOnnx)>]
let ``export writes an ONNX graph that the official checker accepts`` () =
    let dir, data, model, onnx = exported ()
    let x, predictions = predictionsOf data model

    // In the validator's format: raw inputs [N, features] and predictions [N, outputs].
    let json =
        Text.Json.JsonSerializer.Serialize {|
            inputs = x.ToColumnArrays()
            predictions = predictions.ToColumnArrays()
        |}

    let dataJson = write dir "data.json" json

    use validator =
        nonNull
        <| Diagnostics.Process.Start(
            Diagnostics.ProcessStartInfo(
                Nn.TestSupport.SystemPackages.Python,
                [
                    Path.Combine(Nn.TestSupport.Repository.Root, "tests", "onnx", "validate.py")
                    onnx
                    dataJson
                ],
                RedirectStandardError = true,
                RedirectStandardOutput = true
            )
        )

    let stderr = validator.StandardError.ReadToEnd()
    validator.WaitForExit()
    Assert.True((validator.ExitCode = 0), $"validate.py exited {validator.ExitCode}: {stderr}")

[<Fact>]
let ``the version flag prints the version`` () =
    let code, out, _ = nn [ "--version" ]
    Assert.Equal(0, code)
    Assert.StartsWith("nn 0.", out)
    // The second line names the matrix-product backend chosen at start-up and why.
    Assert.Contains($"matrix products: {Nn.LinearAlgebra.Blas.Default.Name} (", out)
    Assert.Contains("NN_BLAS=", out)

[<Fact>]
let ``second-order optimizers train from the command line and beat one epoch of themselves`` () =
    for optimizer in [ "newton"; "lbfgs" ] do
        let dir = scratch ()
        let data = write dir "train.csv" binaryCsv

        let loss epochs =
            let out = Path.Combine(dir, $"{optimizer}-{epochs}.json")

            let code, json, err =
                nn [
                    "train"
                    "--data"
                    data
                    "--out"
                    out
                    "--optimizer"
                    optimizer
                    "--epochs"
                    string epochs
                    "--layers"
                    "4"
                    "--activation"
                    "tanh"
                    "--json"
                ]

            Assert.True((code = 0), $"{optimizer}: {err}")
            Assert.True(File.Exists out)
            Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("train_loss").GetDouble()

        let short, long = loss 1, loss 20
        Assert.True(long < short, $"{optimizer}: loss after 20 iterations {long} is not below the loss after 1, {short}")

[<Fact>]
let ``second-order optimizers take validation, early stopping and checkpoints, and resume to the same model`` () =
    for optimizer in [ "newton"; "lbfgs" ] do
        let dir = scratch ()
        let data = write dir "train.csv" binaryCsv
        let checkpoint = Path.Combine(dir, "ck.json")

        let train epochs out extra =
            let code, _, err =
                nn (
                    [
                        "train"
                        "--data"
                        data
                        "--out"
                        Path.Combine(dir, out)
                        "--optimizer"
                        optimizer
                        "--epochs"
                        string epochs
                        "--layers"
                        "3"
                        "--validation"
                        "0.25"
                        "--early-stopping"
                        "50"
                        "--precision"
                        "float64"
                        "--json"
                    ]
                    @ extra
                )

            Assert.True((code = 0), $"{optimizer}: {err}")

        let parameters name =
            (Nn.Serialization.ModelFile.Load(Path.Combine(dir, name))).Network.Parameters.ToArray()
            |> Array.map BitConverter.DoubleToInt64Bits

        train 6 "whole.json" []
        train 3 "first.json" [ "--checkpoint"; checkpoint ]
        train 6 "resumed.json" [ "--resume"; checkpoint ]
        Assert.Equal<int64>(parameters "whole.json", parameters "resumed.json")

        let notes =
            (Nn.Serialization.ModelFile.Load(Path.Combine(dir, "whole.json"))).Metadata.Notes
        // The optimizer chooses its step lengths and takes the full batch: no learning rate is recorded.
        Assert.False(notes.ContainsKey "learning_rate", optimizer)
        Assert.Equal("full", notes["batch"])
        Assert.Equal("float64", notes["precision"])

[<Fact>]
let ``options an optimizer does not use are refused, not ignored`` () =
    let dir = scratch ()
    let data = write dir "train.csv" binaryCsv

    let args extra =
        [ "train"; "--data"; data; "--out"; Path.Combine(dir, "m.json") ] @ extra

    failsWith [ "--lr 0.1"; "newton chooses its own step lengths" ] (nn (args [ "--optimizer"; "newton"; "--lr"; "0.1" ]))
    failsWith [ "--batch 8"; "lbfgs uses the full batch" ] (nn (args [ "--optimizer"; "lbfgs"; "--batch"; "8" ]))
    failsWith [ "--precision half"; "float32 or float64" ] (nn (args [ "--precision"; "half" ]))
    Assert.False(File.Exists(Path.Combine(dir, "m.json")))

[<Fact>]
let ``the precision is float32 unless asked, and the model file and its predictions keep it`` () =
    let dir = scratch ()
    let data = write dir "train.csv" binaryCsv

    for precision, expected in
        [
            None, Nn.Models.Precision.Float32
            Some "float64", Nn.Models.Precision.Float64
        ] do
        let out = Path.Combine(dir, $"{expected}.json")

        let extra =
            precision
            |> Option.map (fun p -> [ "--precision"; p ])
            |> Option.defaultValue []

        let code, _, err =
            nn (
                [
                    "train"
                    "--data"
                    data
                    "--out"
                    out
                    "--layers"
                    "4"
                    "--epochs"
                    "3"
                    "--json"
                ]
                @ extra
            )

        Assert.True((code = 0), err)
        let model = Nn.Serialization.ModelFile.Load out
        Assert.Equal(expected, model.Precision)

        if expected = Nn.Models.Precision.Float32 then
            // Every stored value is a float32 value.
            Assert.All(model.Network.Parameters.ToArray(), fun v -> Assert.Equal(v, float (float32 v)))

/// Writes an IDX images file (magic 0x00000803) and its labels file (0x00000801), big-endian as the format says.
let private writeIdx dir (images: byte[][]) (labels: byte[]) rows columns =
    let bigEndian (n: int) = [| byte (n >>> 24); byte (n >>> 16); byte (n >>> 8); byte n |]
    let imagesPath = Path.Combine(dir, "train-images-idx3-ubyte")
    let labelsPath = Path.Combine(dir, "train-labels-idx1-ubyte")

    File.WriteAllBytes(
        imagesPath,
        Array.concat [
            yield bigEndian 0x803
            yield bigEndian images.Length
            yield bigEndian rows
            yield bigEndian columns
            yield! images
        ]
    )

    File.WriteAllBytes(labelsPath, Array.concat [ bigEndian 0x801; bigEndian labels.Length; labels ])
    imagesPath

[<Fact>]
let ``train reads IDX images with the labels file beside them`` () =
    let dir = scratch ()
    // 2×2 images: class 0 is bright on the left, class 1 bright on the right.
    let images = [|
        for i in 0..39 ->
            if i % 2 = 0 then
                [| 250uy; 10uy; 240uy; 5uy |]
            else
                [| 10uy; 250uy; 5uy; 240uy |]
    |]

    let labels = [| for i in 0..39 -> byte (i % 2) |]
    let data = writeIdx dir images labels 2 2
    let out = Path.Combine(dir, "model.json")

    let code, json, err =
        nn [
            "train"
            "--data"
            data
            "--out"
            out
            "--epochs"
            "20"
            "--loss"
            "ce"
            "--json"
        ]

    Assert.True((code = 0), err)
    let summary = Text.Json.JsonDocument.Parse(json).RootElement
    Assert.True(summary.GetProperty("train_accuracy").GetDouble() = 1.0, json)
    let _, out2, _ = nn [ "summary"; "--model"; out ]
    Assert.Contains("4 inputs → 2 outputs", out2)

[<Fact>]
let ``training 6 epochs equals training 3 with a checkpoint and resuming to 6`` () =
    let dir = scratch ()
    let data = write dir "train.csv" binaryCsv
    let checkpoint = Path.Combine(dir, "ck.json")

    let train epochs out extra =
        let code, _, err =
            nn (
                [
                    "train"
                    "--data"
                    data
                    "--out"
                    Path.Combine(dir, out)
                    "--epochs"
                    string epochs
                    "--batch"
                    "7"
                    "--layers"
                    "4"
                    "--validation"
                    "0.2"
                    "--json"
                ]
                @ extra
            )

        Assert.True((code = 0), err)

    let parameters name =
        (Nn.Serialization.ModelFile.Load(Path.Combine(dir, name))).Network.Parameters.ToArray()
        |> Array.map BitConverter.DoubleToInt64Bits

    train 6 "whole.json" []
    train 3 "first.json" [ "--checkpoint"; checkpoint ]
    let at3 = Nn.Serialization.CheckpointFile.Load checkpoint
    Assert.Equal(3, at3.State.Epoch)
    // A copy of the checkpoint with its parameters halved: resuming from it must give another model, which shows
    // that a resumed run continues from the checkpoint's parameters rather than from a fresh initialisation.
    let halved = Path.Combine(dir, "halved.json")
    let network = at3.Model.Network
    Nn.Serialization.CheckpointFile.Save(Nn.Models.Checkpoint(at3.Model.WithNetwork(network.WithParameters(network.Parameters.Scale 0.5)), at3.State), halved)
    train 6 "from-halved.json" [ "--resume"; halved ]
    Assert.NotEqual<int64>(parameters "whole.json", parameters "from-halved.json")
    train 6 "resumed.json" [ "--resume"; checkpoint; "--checkpoint"; checkpoint ]
    Assert.Equal(6, (Nn.Serialization.CheckpointFile.Load checkpoint).State.Epoch)
    Assert.Equal<int64>(parameters "whole.json", parameters "resumed.json")
    Assert.NotEqual<int64>(parameters "first.json", parameters "resumed.json")

[<Fact>]
let ``resuming with other options, a second-order optimizer or too few epochs is refused in one line`` () =
    let dir = scratch ()
    let data = write dir "train.csv" binaryCsv
    let checkpoint = Path.Combine(dir, "ck.json")

    let args out = [ "train"; "--data"; data; "--out"; Path.Combine(dir, out); "--json" ]

    let code, _, err =
        nn (
            args "first.json"
            @ [ "--layers"; "4"; "--epochs"; "3"; "--checkpoint"; checkpoint ]
        )

    Assert.True((code = 0), err)

    let resumeWithLayers layers extra =
        nn (args "again.json" @ [ "--layers"; layers; "--resume"; checkpoint ] @ extra)

    let resume = resumeWithLayers "4"

    failsWith [ "--resume"; "ck.json"; "4 relu"; "5 relu" ] (resumeWithLayers "5" [ "--epochs"; "6" ])
    failsWith [ "--optimizer adam but this run has sgd" ] (resume [ "--epochs"; "6"; "--optimizer"; "sgd" ])
    failsWith [ "--lr 0.001 but this run has 0.01" ] (resume [ "--epochs"; "6"; "--lr"; "0.01" ])
    failsWith [ "--batch 32 but this run has 8" ] (resume [ "--epochs"; "6"; "--batch"; "8" ])
    failsWith [ "completed 3 epochs but --epochs is 2" ] (resume [ "--epochs"; "2" ])

    failsWith [ "--optimizer adam but this run has lbfgs" ] (resume [ "--epochs"; "6"; "--optimizer"; "lbfgs" ])
    failsWith [ "--resume"; "trained in Float32 but this run uses Float64" ] (resume [ "--epochs"; "6"; "--precision"; "float64" ])

    let other = write dir "other.csv" (binaryCsv.Replace("0.5", "0.25"))

    failsWith
        [ "other training data" ]
        (nn [
            "train"
            "--data"
            other
            "--out"
            Path.Combine(dir, "other.json")
            "--layers"
            "4"
            "--epochs"
            "6"
            "--resume"
            checkpoint
        ])

    failsWith [ "ck.json: the file exists"; "--force" ] (nn (args "fresh.json" @ [ "--layers"; "4"; "--checkpoint"; checkpoint ]))

[<Fact>]
let ``an unknown NN_BLAS backend is one line on standard error and exit code 1`` () =
    // The backend is chosen once per process, so this runs the built tool in a process of its own.
    let start =
        Diagnostics.ProcessStartInfo(
            "dotnet",
            [ Path.Combine(AppContext.BaseDirectory, "nn.dll"); "--version" ],
            RedirectStandardOutput = true,
            RedirectStandardError = true
        )

    start.Environment["NN_BLAS"] <- "bogus"
    use proc = nonNull (Diagnostics.Process.Start start)
    let stdout = proc.StandardOutput.ReadToEnd()
    let stderr = proc.StandardError.ReadToEnd()
    proc.WaitForExit()
    Assert.Equal(1, proc.ExitCode)
    Assert.Equal("nn: NN_BLAS=bogus is not a backend: use auto, openblas or managed.", stderr.Trim())
    Assert.StartsWith("nn 0.", stdout)

[<Fact>]
let ``bench xor prints one JSON object naming the backend and why it was chosen`` () =
    let code, out, _ = nn [ "bench"; "xor"; "--iterations"; "2000"; "--json" ]
    Assert.Equal(0, code)
    use json = Text.Json.JsonDocument.Parse out
    let root = json.RootElement
    let backend = Nn.LinearAlgebra.Blas.Default.Name
    Assert.Equal(backend, root.GetProperty("backend").GetString())
    Assert.StartsWith(backend + " (", root.GetProperty("backend_selection").GetString())
    Assert.Equal(2000, root.GetProperty("iterations").GetInt32())
    Assert.True(root.GetProperty("steps_per_second").GetDouble() > 0.0)
    let fits = root.GetProperty("seconds_per_fit")
    Assert.Equal(5, fits.GetArrayLength())

    for s in fits.EnumerateArray() do
        Assert.True(s.GetDouble() > 0.0)

    // Each fit's minor page faults where the system counts them (Linux), else null.
    let faults = root.GetProperty("minor_page_faults_per_fit")

    if OperatingSystem.IsLinux() then
        Assert.Equal(5, faults.GetArrayLength())

        for f in faults.EnumerateArray() do
            Assert.True(f.GetInt64() >= 0L)
    else
        Assert.Equal(Text.Json.JsonValueKind.Null, faults.ValueKind)

    // 2,000 steps of gradient descent at α = 0.5 move the 2-2-1 network below the loss of a constant ½ output (ln 2).
    Assert.True(root.GetProperty("final_loss").GetDouble() < log 2.0)

/// Writes gzip-compressed IDX files under the names Fashion-MNIST ships them with (prefix "train" or "t10k").
let private writeGzipIdx dir prefix (images: byte[][]) (labels: byte[]) rows columns =
    let bigEndian (n: int) = [| byte (n >>> 24); byte (n >>> 16); byte (n >>> 8); byte n |]

    let write (name: string) (bytes: byte[]) =
        use file = File.Create(Path.Combine(dir, name))

        use gzip =
            new IO.Compression.GZipStream(file, IO.Compression.CompressionLevel.Fastest)

        gzip.Write(bytes, 0, bytes.Length)

    write
        $"{prefix}-images-idx3-ubyte.gz"
        (Array.concat [
            yield bigEndian 0x803
            yield bigEndian images.Length
            yield bigEndian rows
            yield bigEndian columns
            yield! images
        ])

    write $"{prefix}-labels-idx1-ubyte.gz" (Array.concat [ bigEndian 0x801; bigEndian labels.Length; labels ])

[<Theory>]
[<InlineData(1)>]
[<InlineData(2)>]
let ``bench mlp prints valid JSON for any epoch count, with null for the figures of epochs 2 to N when there are none`` (epochs: int) =
    let dir = scratch ()
    let rng = Random 3

    let images n =
        Array.init n (fun _ -> Array.init 16 (fun _ -> byte (rng.Next 256)))

    let labels n = Array.init n (fun i -> byte (i % 10))
    writeGzipIdx dir "train" (images 200) (labels 200) 4 4
    writeGzipIdx dir "t10k" (images 50) (labels 50) 4 4

    let code, out, err =
        nn [
            "bench"
            "mlp"
            "--data"
            dir
            "--epochs"
            string epochs
            "--batch"
            "32"
            "--json"
        ]

    Assert.True((code = 0), err)
    use json = Text.Json.JsonDocument.Parse out
    let root = json.RootElement
    Assert.Equal(epochs, root.GetProperty("epochs").GetInt32())
    Assert.Equal(epochs, root.GetProperty("epoch_seconds").GetArrayLength())

    for name in [ "bytes_allocated_per_step"; "gen2_collections_per_epoch" ] do
        let value = root.GetProperty name

        if epochs = 1 then
            Assert.Equal(Text.Json.JsonValueKind.Null, value.ValueKind)
        else
            Assert.True(value.GetDouble() >= 0.0, name)
