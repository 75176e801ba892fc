/// Hostile inputs, concurrency and size against the built `nn` tool: each test is a row of docs/reliability.md.
module Nn.Tests.ReliabilityTests

open System
open System.Diagnostics
open System.IO
open System.Text
open Xunit

/// The result of one run of the built tool in a process of its own.
type private Run = { Code: int; Out: string; Err: string }

/// Starts the built `nn` (nn.dll beside the tests) with `args` in `dir`, with extra environment variables.
let private start (dir: string) (environment: (string * string) list) (args: string list) =
    let info =
        ProcessStartInfo(
            "dotnet",
            Path.Combine(AppContext.BaseDirectory, "nn.dll") :: args,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir
        )

    for name, value in environment do
        info.Environment[name] <- value

    nonNull (Process.Start info)

/// Runs the built `nn` to completion.
let private runIn (dir: string) (environment: (string * string) list) (args: string list) =
    use proc = start dir environment args
    let out = proc.StandardOutput.ReadToEndAsync()
    let err = proc.StandardError.ReadToEndAsync()
    proc.WaitForExit()

    {
        Code = proc.ExitCode
        Out = out.Result
        Err = err.Result
    }

let private run dir args = runIn dir [] args

/// Exit code 1 (a handled failure, not a crash: 134 is an abort with a stack trace) and exactly one line on
/// standard error, starting `nn: `, containing every fragment.
let private refused (fragments: string list) (r: Run) =
    Assert.True(r.Code = 1, $"exit code {r.Code}, expected 1; stderr:\n{r.Err}")
    let lines = r.Err.Trim().Split('\n')
    Assert.True(lines.Length = 1, $"expected one line on standard error, got:\n{r.Err}")
    Assert.StartsWith("nn: ", lines[0])

    for f in fragments do
        Assert.Contains(f, lines[0])

let private succeeded (r: Run) =
    Assert.True(r.Code = 0, $"exit code {r.Code}; stderr:\n{r.Err}")

let private scratch () =
    Directory.CreateTempSubdirectory("nn-reliability-").FullName

let private write (dir: string) (name: string) (text: string) =
    let path = Path.Combine(dir, name)
    File.WriteAllText(path, text)
    path

/// Two features, label = 1 when x1 + x2 > 1.
let private binaryCsv =
    "x1,x2,label\n"
    + String.Join(
        "\n",
        [
            for i in 0..59 ->
                $"{float (i % 10) / 9.0},{float ((i * 7) % 11) / 10.0},{(if float (i % 10) / 9.0 + float ((i * 7) % 11) / 10.0 > 1.0 then
                                                                             1
                                                                         else
                                                                             0)}"
        ]
    )
    + "\n"

/// A directory this process cannot create files in: a subdirectory without write permission, or, for root (who
/// ignores permissions), /sys, where nobody can create regular files.
let private readOnlyDirectory (dir: string) =
    if Environment.UserName = "root" then
        "/sys"
    else
        let locked = Directory.CreateDirectory(Path.Combine(dir, "locked")).FullName
        File.SetUnixFileMode(locked, UnixFileMode.UserRead ||| UnixFileMode.UserExecute)
        locked

/// `nn train` with 3 epochs and one hidden layer of 4 units unless `extra` sets them.
let private train dir data out (extra: string list) =
    let defaults =
        [ "--epochs", "3"; "--layers", "4" ]
        |> List.filter (fun (flag, _) -> not (List.contains flag extra))
        |> List.collect (fun (flag, value) -> [ flag; value ])

    run dir ([ "train"; "--data"; data; "--out"; out; "--json" ] @ defaults @ extra)

/// A directory with the training data and a trained model.
let private trained () =
    let dir = scratch ()
    let data = write dir "d.csv" binaryCsv
    let model = Path.Combine(dir, "m.json")
    succeeded (train dir data model [])
    dir, data, model

// ---- sizes: checked before allocating; out of memory is one line -------------------------------------------------

[<Fact>]
let ``oversized layers and label values are refused with the figure, never a crash`` () =
    let dir = scratch ()
    let data = write dir "d.csv" binaryCsv
    let out = Path.Combine(dir, "m.json")
    refused [ "--layers 200000000"; "800,000,001 parameters"; "GB of memory"; "available" ] (train dir data out [ "--layers"; "200000000" ])
    refused [ "--layers 40000,60000"; "2,400,240,001 parameters"; "at most 2,147,483,647" ] (train dir data out [ "--layers"; "40000,60000" ])
    refused [ "--layers 70000,70000"; "4,900,350,001 parameters" ] (train dir data out [ "--layers"; "70000,70000" ])
    let big = write dir "big.csv" "x,label\n1,0\n2,100000000\n3,0\n4,1\n"
    refused [ "big.csv"; "largest class label is 100000000"; "100000001 output units" ] (train dir big out [])
    let huge = write dir "huge.csv" "x,label\n1,0\n2,1000000000\n"
    refused [ "huge.csv"; "largest class label is 1000000000" ] (train dir huge out [])
    Assert.False(File.Exists out)

[<Fact>]
let ``running out of memory is one line and exit code 1, not an abort`` () =
    // A heap limit of 48 MB and 5 million values to read (20 MB even in float32, with the reader's blocks on top): the
    // runtime throws OutOfMemoryException while reading or training.
    let dir = scratch ()

    let rows = [
        for r in 0..99999 -> String.Join(",", [ for i in 0..49 -> string ((r * i) % 97) ]) + $",{r % 2}"
    ]

    let data =
        write
            dir
            "wide.csv"
            (String.Join(",", [ for i in 0..49 -> $"x{i}" ])
             + ",label\n"
             + String.Join("\n", rows))

    let r =
        runIn dir [ "DOTNET_GCHeapHardLimit", "0x3000000" ] [ "train"; "--data"; data; "--out"; "m.json"; "--epochs"; "1"; "--json" ]

    refused [ "out of memory"; "this process may use" ] r

// ---- outputs: devices, pipes and links ------------------------------------------------------------------------------

[<Fact>]
let ``a device or standard output by name is refused even with force and stays what it was`` () =
    let dir, data, model = trained ()

    for device in [ "/dev/full"; "/dev/null"; "/dev/stdout" ] do
        refused [ $"--out {device}"; "not a regular file" ] (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; device; "--force" ])

    refused [ "/dev/full"; "pass - to write to standard output" ] (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; "/dev/full"; "--force" ])
    refused [ "--out /dev/full" ] (train dir data "/dev/full" [ "--force" ])
    Assert.Equal(Nn.IO.FileKind.CharacterDevice, (nonNull (Nn.IO.FileIdentity.Of "/dev/full")).Kind)

[<Fact>]
let ``a named pipe as output is refused`` () =
    let dir, data, model = trained ()
    let fifo = Path.Combine(dir, "pipe")
    use mkfifo = Process.Start("mkfifo", [ fifo ])
    mkfifo.WaitForExit()
    refused [ "--out"; "pipe"; "named pipe" ] (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; fifo; "--force" ])

[<Fact>]
let ``a dash writes predictions and ONNX to standard output`` () =
    let dir, data, model = trained ()
    let r = run dir [ "predict"; "--model"; model; "--data"; data; "--out"; "-" ]
    succeeded r
    let lines = r.Out.Trim().Split('\n')
    Assert.Equal("p_0,p_1,class", lines[0])
    Assert.Equal(61, lines.Length)
    let onnx = run dir [ "export"; "--model"; model; "--onnx"; "-" ]
    succeeded onnx
    Assert.True(onnx.Out.Length > 100)
    refused [ "--plot -: standard output is not available" ] (train dir data (Path.Combine(dir, "n.json")) [ "--plot"; "-" ])

[<Fact>]
let ``a symbolic link as output is written through and stays a link`` () =
    let dir, data, model = trained ()
    let real = write dir "real.csv" "old"
    let link = Path.Combine(dir, "link.csv")
    File.CreateSymbolicLink(link, "real.csv") |> ignore
    refused [ "link.csv: the file exists"; "--force" ] (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; link ])
    succeeded (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; link; "--force" ])
    Assert.Equal("real.csv", (nonNull (File.ResolveLinkTarget(link, false))).Name)
    Assert.StartsWith("p_0,p_1,class", File.ReadAllText real)

// ---- outputs: concurrency and kills -------------------------------------------------------------------------------

[<Fact>]
let ``two trainings writing one model at once: exactly one wins and the loser says so, every time`` () =
    // Before the kernel's no-replace rename both runs exited 0 in about a third of trials and one model was lost.
    for trial in 1..8 do
        let dir = scratch ()
        let data = write dir "d.csv" binaryCsv

        let args = [
            "train"
            "--data"
            data
            "--out"
            "same.json"
            "--epochs"
            "2"
            "--layers"
            "3"
            "--json"
        ]

        let a = start dir [] (args @ [ "--seed"; "1" ])
        let b = start dir [] (args @ [ "--seed"; "2" ])
        let errors = [ a; b ] |> List.map (fun p -> p.StandardError.ReadToEndAsync())
        let outs = [ a; b ] |> List.map (fun p -> p.StandardOutput.ReadToEndAsync())
        a.WaitForExit()
        b.WaitForExit()
        let codes = [ a.ExitCode; b.ExitCode ]
        ignore outs
        Assert.True(List.sort codes = [ 0; 1 ], $"trial {trial}: exit codes {codes}; {errors[0].Result} {errors[1].Result}")
        let loser = errors[List.findIndex ((=) 1) codes].Result
        Assert.Contains("same.json", loser)
        Assert.Contains("--force", loser)
        // The file on disk is the winner's complete model.
        let winnerSeed = if codes[0] = 0 then 1L else 2L
        Assert.Equal(Nullable winnerSeed, (Nn.Serialization.ModelFile.Load(Path.Combine(dir, "same.json"))).Metadata.Seed)
        Assert.Equal<string>([| "same.json"; "d.csv" |] |> Array.sort, Directory.GetFiles dir |> Array.map (Path.GetFileName >> string) |> Array.sort)

[<Fact>]
let ``killing a run while it writes never leaves a half-written file, and its temporary files are cleaned up`` () =
    let dir = scratch ()
    // 60,000 rows: predicting and writing takes long enough to be killed in the middle.
    let rows = [
        for i in 0..59999 -> $"{float (i % 10) / 9.0},{float ((i * 7) % 11) / 10.0},{i % 2}"
    ]

    let data = write dir "big.csv" ("x1,x2,label\n" + String.Join("\n", rows) + "\n")
    let model = Path.Combine(dir, "m.json")
    succeeded (train dir (write dir "d.csv" binaryCsv) model [])
    let out = Path.Combine(dir, "p.csv")
    succeeded (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; out ])
    let complete = File.ReadAllText out
    let random = Random(13)
    let mutable killed = 0

    for _ in 1..10 do
        use proc =
            start dir [] [ "predict"; "--model"; model; "--data"; data; "--out"; out; "--force" ]

        Threading.Thread.Sleep(random.Next(150, 900))

        if not proc.HasExited then
            proc.Kill()
            killed <- killed + 1

        proc.WaitForExit()
        // Whatever moment the kill came, the file is the complete old or new predictions.
        Assert.Equal(complete, File.ReadAllText out)

    Assert.True(killed > 0, "no run was killed while it worked")
    succeeded (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; out; "--force" ])

    let leftovers =
        Directory.GetFiles dir
        |> Array.map (Path.GetFileName >> string)
        |> Array.filter (fun name -> name.Contains ".nn-" || name.EndsWith ".tmp")

    Assert.Empty leftovers

// ---- outputs: never an input, never another output, checked before work -------------------------------------------

[<Fact>]
let ``an output that is an input under any spelling is refused and the input survives`` () =
    let dir, data, model = trained ()
    let sub = Directory.CreateDirectory(Path.Combine(dir, "sub")).FullName
    let link = Path.Combine(dir, "link.csv")
    File.CreateSymbolicLink(link, data) |> ignore
    let hard = Path.Combine(dir, "hard.csv")
    use ln = Process.Start("ln", [ data; hard ])
    ln.WaitForExit()
    let before = File.ReadAllText data

    for spelling in [ data; Path.Combine(sub, "..", "d.csv"); "./d.csv"; link; hard ] do
        refused [ "--out"; "is the same file as --data" ] (train dir data spelling [ "--force" ])
        refused [ "--checkpoint"; "is the same file as --data" ] (train dir data (Path.Combine(dir, "n.json")) [ "--force"; "--checkpoint"; spelling ])
        refused [ "--plot"; "is the same file as --data" ] (train dir data (Path.Combine(dir, "n.json")) [ "--force"; "--plot"; spelling ])

    refused [ "--out"; "is the same file as --model" ] (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; "./m.json"; "--force" ])
    refused [ "--out"; "is the same file as --data" ] (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; link; "--force" ])

    refused
        [ "--onnx"; "is the same file as --model" ]
        (run dir [
            "export"
            "--model"
            model
            "--onnx"
            Path.Combine(sub, "..", "m.json")
            "--force"
        ])

    Assert.Equal(before, File.ReadAllText data)
    Assert.NotNull(Nn.Serialization.ModelFile.Load model)

[<Fact>]
let ``output problems are found before training, not after it`` () =
    let dir = scratch ()
    let data = write dir "d.csv" binaryCsv
    // 100,000 epochs would take minutes: each refusal must come before the first.
    let slow = [ "--epochs"; "100000" ]
    let missing = Path.Combine(dir, "missing", "m.json")
    refused [ $"--out {missing}: the directory"; "does not exist" ] (train dir data missing slow)
    let out = Path.Combine(dir, "m.json")
    refused [ "--plot"; "does not exist" ] (train dir data out (slow @ [ "--plot"; Path.Combine(dir, "missing", "loss.svg") ]))
    refused [ "--plot"; "is the same file as --out" ] (train dir data out (slow @ [ "--plot"; "./m.json" ]))
    refused [ "--checkpoint"; "is the same file as --out" ] (train dir data out (slow @ [ "--checkpoint"; out ]))
    refused [ "--out '': the path is empty" ] (train dir data "" slow)
    let locked = readOnlyDirectory dir
    let r = train dir data (Path.Combine(locked, "m.json")) slow
    refused [ "--out"; $"cannot create files in {locked}" ] r
    Assert.DoesNotContain(".tmp", r.Err)
    Assert.Equal<string>([| "d.csv" |], Directory.GetFiles dir |> Array.map (Path.GetFileName >> string))
    Assert.False(File.Exists(Path.Combine(locked, "m.json")))

// ---- silent wrong answers -------------------------------------------------------------------------------------------

[<Fact>]
let ``a repeated column, a single class and swapped feature columns are refused`` () =
    let dir, _, model = trained ()
    let out = Path.Combine(dir, "x.json")
    let repeated = write dir "rep.csv" "x0,label,label\n1,0,1\n2,1,0\n"
    refused [ "rep.csv, line 1, column 3"; "\"label\" is also column 2" ] (train dir repeated out [])

    for value in [ "0"; "1"; "2" ] do
        let single =
            write dir $"single{value}.csv" $"x,label\n1,{value}\n2,{value}\n3,{value}\n"

        refused [ $"every label is {value}"; "at least two classes" ] (train dir single out [])

    let swapped =
        write dir "swapped.csv" (binaryCsv.Replace("x1,x2,label", "x2,x1,label"))

    refused
        [
            "swapped.csv, line 1, column 1"
            "\"x2\""
            "\"x1\""
            "another order"
            "--by-position"
        ]
        (run dir [ "evaluate"; "--model"; model; "--data"; swapped ])

    refused [ "swapped.csv"; "--by-position" ] (run dir [ "predict"; "--model"; model; "--data"; swapped; "--out"; "p.csv" ])

    let renamed =
        write dir "renamed.csv" (binaryCsv.Replace("x1,x2,label", "a,b,label"))

    refused [ "renamed.csv, line 1, column 1"; "trained on x1,x2" ] (run dir [ "evaluate"; "--model"; model; "--data"; renamed ])
    succeeded (run dir [ "evaluate"; "--model"; model; "--data"; renamed; "--by-position" ])
    Assert.False(File.Exists(Path.Combine(dir, "p.csv")))

[<Fact>]
let ``a model file without feature names still loads and is checked by count only`` () =
    let dir, _, model = trained ()
    let text = File.ReadAllText model
    // The file as an older Nn wrote it: no "feature_names" field.
    let start = text.IndexOf "\"feature_names\""
    let stop = text.IndexOf("],", start) + 2
    let old = write dir "old.json" (text.Remove(start, stop - start))

    let renamed =
        write dir "renamed.csv" (binaryCsv.Replace("x1,x2,label", "a,b,label"))

    succeeded (run dir [ "evaluate"; "--model"; old; "--data"; renamed ])
    refused [ "has 1 feature columns but the model expects 2" ] (run dir [ "evaluate"; "--model"; old; "--data"; write dir "one.csv" "a,label\n1,0\n" ])

// ---- quadratic checks ------------------------------------------------------------------------------------------------

[<Fact>]
let ``a hundred thousand hidden units and three hundred thousand classes are checked in linear time`` () =
    // All-pairs checks took 45 s (symmetric units) and over 12 minutes (class names) on these.
    let dir = scratch ()
    let data = write dir "d.csv" "x,label\n1,0\n2,1\n3,0\n4,1\n"
    // float64: in float32, 100,000 draws of one weight each repeat by chance (the birthday bound of a 24-bit mantissa).
    succeeded (
        run dir [
            "train"
            "--data"
            data
            "--out"
            "wide.json"
            "--layers"
            "100000"
            "--epochs"
            "1"
            "--precision"
            "float64"
            "--json"
        ]
    )

    let many = write dir "many.csv" "x,label\n1,0\n2,300000\n3,0\n4,1\n"

    succeeded (
        run dir [
            "train"
            "--data"
            many
            "--out"
            "many.json"
            "--layers"
            "1"
            "--epochs"
            "1"
            "--optimizer"
            "sgd"
            "--json"
        ]
    )

    let r = run dir [ "evaluate"; "--model"; "many.json"; "--data"; many ]
    succeeded r
    Assert.Contains("no confusion matrix for 300001 classes", r.Out)

// ---- prediction files --------------------------------------------------------------------------------------------

[<Fact>]
let ``class names with commas, quotes and line breaks give a valid CSV`` () =
    let dir, data, model = trained ()
    let loaded = Nn.Serialization.ModelFile.Load model

    let named =
        Nn.Models.Model(
            loaded.Network,
            loaded.Loss,
            loaded.Metadata,
            loaded.Standardization,
            [ "no, never"; "say \"yes\"\nloudly" ],
            loaded.Precision,
            loaded.FeatureNames
        )

    let namedPath = Path.Combine(dir, "named.json")
    Nn.Serialization.ModelFile.Save(named, namedPath)
    let out = Path.Combine(dir, "p.csv")
    succeeded (run dir [ "predict"; "--model"; namedPath; "--data"; data; "--out"; out ])
    // Read back by CsvHelper: every record has three cells and the names come back intact.
    use reader =
        CsvHelper.CsvReader.FromFile(out, CsvHelper.CsvReaderOptions(HasHeader = false), FileOptions.None)

    let rows = ResizeArray()

    while reader.Read() do
        rows.Add(Array.init reader.FieldCount reader.GetString)

    Assert.Equal(61, rows.Count)
    Assert.Equal<string>([| "p_no, never"; "p_say \"yes\"\nloudly"; "class" |], rows[0])
    Assert.All(rows, fun row -> Assert.Equal(3, row.Length))
    Assert.All(rows |> Seq.skip 1, fun row -> Assert.Contains(row[2], [ "no, never"; "say \"yes\"\nloudly" ]))

// ---- messages -----------------------------------------------------------------------------------------------------

[<Fact>]
let ``each hostile input of the message list gets one line naming the place and the fix`` () =
    let dir, data, _ = trained ()
    let out = Path.Combine(dir, "x.json")
    refused [ "label.csv, line 1"; "only column is the label" ] (train dir (write dir "label.csv" "label\n0\n1\n") out [])
    refused [ "--validation 0.99"; "training part"; "would be empty"; "smaller fraction" ] (train dir data out [ "--validation"; "0.99" ])
    let huge = write dir "huge.csv" "x1,x2,label\n1,2,0\n1e308,3,1\n-1e308,4,0\n5,1,1\n"

    refused
        [
            "huge.csv, line 3, column 1 (x1)"
            "does not fit float32"
            "--precision float64"
        ]
        (train dir huge out [])

    refused [ "huge.csv, line 3, column 1 (x1)"; "--standardize" ] (train dir huge out [ "--precision"; "float64" ])
    succeeded (train dir huge out [ "--precision"; "float64"; "--standardize" ])
    refused [ "column 2 (label)"; "2147483647 is too large" ] (train dir (write dir "max.csv" "x,label\n1,0\n2,2147483647\n") out [ "--force" ])
    refused [ $"--model {dir} is a directory" ] (run dir [ "evaluate"; "--model"; dir; "--data"; data ])
    let quoted = write dir "quoted.csv" "\"x1\",\"x2\",\"label\"\n1,2,0\n2,1,1\n"
    succeeded (train dir quoted (Path.Combine(dir, "q.json")) [ "--force" ])

    let lbfgs =
        run dir [
            "train"
            "--data"
            data
            "--out"
            "l.json"
            "--optimizer"
            "lbfgs"
            "--epochs"
            "3"
            "--layers"
            "3"
        ]

    succeeded lbfgs
    Assert.Contains("trained 3 epochs", lbfgs.Out)

[<Fact>]
let ``a run that diverges after writing checkpoints says the last checkpoint remains`` () =
    let dir = scratch ()

    let data =
        write
            dir
            "wild.csv"
            ("x1,x2,label\n"
             + String.Join("\n", [ for i in 0..39 -> $"{i},{i % 7},{i % 2}" ]))

    let r =
        run dir [
            "train"
            "--data"
            data
            "--out"
            "m.json"
            "--epochs"
            "200"
            "--optimizer"
            "sgd"
            "--lr"
            "0.1"
            "--loss"
            "mse"
            "--batch"
            "40"
            "--layers"
            "none"
            "--checkpoint"
            "ck.json"
            "--json"
        ]

    refused [ "diverged"; "m.json was not written"; "the last checkpoint ck.json is kept" ] r
    Assert.False(File.Exists(Path.Combine(dir, "m.json")))

    Assert.True(
        Nn.Serialization.CheckpointFile.Load(Path.Combine(dir, "ck.json")).State.Epoch
        >= 1
    )

/// The repository's iris data (150 rows, 4 features, 3 classes).
let private iris =
    let rec up (d: DirectoryInfo | null) =
        match d with
        | null -> failwith $"no Nn.sln above {AppContext.BaseDirectory}"
        | d when File.Exists(Path.Combine(d.FullName, "Nn.sln")) -> Path.Combine(d.FullName, "data", "iris.csv")
        | d -> up d.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

[<Fact>]
let ``a loss that explodes without overflowing stops training with the divergence error and writes no model`` () =
    // SGD at lr 1e6 on standardised iris used to exit 0 with losses 4e58, 1e118, … 8e293 that never reach ∞.
    for precision in [ "float32"; "float64" ] do
        let dir = scratch ()

        let r =
            run dir [
                "train"
                "--data"
                iris
                "--out"
                "m.json"
                "--optimizer"
                "sgd"
                "--lr"
                "1e6"
                "--standardize"
                "--epochs"
                "5"
                "--precision"
                precision
                "--json"
            ]

        refused [ "diverged at epoch"; "m.json was not written" ] r
        Assert.False(File.Exists(Path.Combine(dir, "m.json")))

// ---- minor faults -------------------------------------------------------------------------------------------------

[<Fact>]
let ``empty layer lists and repeated options are refused, and a model file with a byte-order mark loads`` () =
    let dir, data, model = trained ()
    let out = Path.Combine(dir, "x.json")

    for layers, fragment in
        [
            "", "--layers ''"
            ",", "entry 1 is empty"
            "4,,4", "entry 2 is empty"
            "4,x", "\"x\" is not a positive whole number"
        ] do
        refused [ fragment; "none for no hidden layer" ] (train dir data out [ "--layers"; layers ])

    succeeded (train dir data out [ "--layers"; "none" ])

    let twice =
        run dir [ "train"; "--data"; data; "--out"; "y.json"; "--lr"; "0.1"; "--lr"; "0.2" ]

    Assert.Equal(2, twice.Code)
    Assert.Contains("'--lr' has been specified more than once", twice.Err)
    let bom = Path.Combine(dir, "bom.json")
    File.WriteAllBytes(bom, Array.append [| 0xEFuy; 0xBBuy; 0xBFuy |] (File.ReadAllBytes model))
    succeeded (run dir [ "summary"; "--model"; bom ])

// ---- streaming ------------------------------------------------------------------------------------------------------

[<Fact>]
let ``evaluate and predict over many blocks agree with the model on the whole file`` () =
    let dir = scratch ()
    let model = Path.Combine(dir, "m.json")
    succeeded (train dir (write dir "d.csv" binaryCsv) model [])
    // 10,000 rows: three blocks of 4,096 and a remainder.
    let rows = [
        for i in 0..9999 -> (float (i % 10) / 9.0, float ((i * 7) % 11) / 10.0, i % 2)
    ]

    let data =
        write
            dir
            "many.csv"
            ("x1,x2,label\n"
             + String.Join("\n", [ for a, b, l in rows -> $"{a},{b},{l}" ])
             + "\n")

    let loaded = Nn.Serialization.ModelFile.Load model

    let x =
        MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseOfColumnArrays [ for a, b, _ in rows -> [| a; b |] ]

    let classes = loaded.PredictClasses x

    let expected =
        Seq.zip classes rows |> Seq.filter (fun (c, (_, _, l)) -> c = l) |> Seq.length

    let r = run dir [ "evaluate"; "--model"; model; "--data"; data; "--json" ]
    succeeded r
    use json = Text.Json.JsonDocument.Parse r.Out
    Assert.Equal(10000, json.RootElement.GetProperty("samples").GetInt32())
    Assert.Equal(float expected / 10000.0, json.RootElement.GetProperty("accuracy").GetDouble())
    // The printed confusion matrix keeps counts apart however large, and they add up to the samples.
    let text = run dir [ "evaluate"; "--model"; model; "--data"; data ]
    succeeded text

    let rows =
        text.Out.Split('\n')
        |> Array.skipWhile (fun l -> not (l.StartsWith "confusion"))
        |> Array.skip 1
        |> Array.filter (fun l -> l.Trim().Length > 0)
        |> Array.map (fun l -> l.Split(' ', StringSplitOptions.RemoveEmptyEntries) |> Array.map int)

    Assert.Equal(2, rows.Length)
    Assert.All(rows, fun r -> Assert.Equal(3, r.Length))
    Assert.Equal(10000, rows |> Array.sumBy (fun r -> r[1] + r[2]))
    let out = Path.Combine(dir, "p.csv")
    succeeded (run dir [ "predict"; "--model"; model; "--data"; data; "--out"; out ])
    let lines = File.ReadAllLines out
    Assert.Equal(10001, lines.Length)
    Assert.Equal<string>([| for c in classes -> string c |], lines |> Array.skip 1 |> Array.map (fun l -> l.Split(',')[2]))
