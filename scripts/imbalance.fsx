// Class weights on imbalanced data, measured with the real `nn` CLI.
// For each data set and seed: a stratified 75/25 split of the rows (seeded Fisher–Yates per class), then 80 % of one
// class is dropped from the training part (its rows kept: every fifth in shuffled order, so the kept 20 % is the
// same for every run of the same seed); the test part stays as it is. `nn train` runs on the thinned training part
// with and without `--class-weight balanced`, and `nn evaluate --json` reports the balanced accuracy on the test part.
// Build first: dotnet build -c Release src/Cli.FSharp
// Run:         dotnet fsi scripts/imbalance.fsx [seeds]     (NN=path/to/nn to use another build)
open System
open System.Diagnostics
open System.IO
open System.Text.Json

let root = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, ".."))

let nn =
    match Environment.GetEnvironmentVariable "NN" with
    | null
    | "" -> Path.Combine(root, "src", "Cli.FSharp", "bin", "Release", "net10.0", "nn")
    | path -> path

let seeds =
    match fsi.CommandLineArgs |> Array.tryItem 1 with
    | Some s -> int s
    | None -> 5

/// Runs nn; returns standard output, or fails with its standard error.
let run (args: string list) =
    let start =
        ProcessStartInfo(nn, args, RedirectStandardOutput = true, RedirectStandardError = true)

    use p = Process.Start start
    let out = p.StandardOutput.ReadToEnd()
    let err = p.StandardError.ReadToEnd()
    p.WaitForExit()

    if p.ExitCode <> 0 then
        failwith $"nn {String.Join(' ', args)}: {err}"

    out

/// A permutation of 0 … n−1 by Fisher–Yates from System.Random(seed) (deterministic across platforms).
let shuffle (seed: int) (items: 'a[]) =
    let random = Random seed
    let a = Array.copy items

    for i in a.Length - 1 .. -1 .. 1 do
        let j = random.Next(i + 1)
        let t = a[i]
        a[i] <- a[j]
        a[j] <- t

    a

let work = Path.Combine(Path.GetTempPath(), $"nn-imbalance-{Environment.ProcessId}")
Directory.CreateDirectory work |> ignore

let experiment (file: string) (thinned: int) (extra: string list) =
    let lines = File.ReadAllLines(Path.Combine(root, "data", file))
    let header, rows = lines[0], lines[1..]

    let label (row: string) =
        int (row.Substring(row.LastIndexOf ',' + 1))

    let results = [
        for seed in 0 .. seeds - 1 ->
            let train, test =
                rows
                |> Array.groupBy label
                |> Array.map (fun (c, members) ->
                    let shuffled = shuffle (seed * 1000 + c) members
                    let testCount = int (Math.Round(0.25 * float shuffled.Length))
                    let test, train = Array.splitAt testCount shuffled
                    // 80 % of the thinned class leaves the training part: every fifth row stays.
                    let train =
                        if c = thinned then
                            train
                            |> Array.indexed
                            |> Array.filter (fun (i, _) -> i % 5 = 0)
                            |> Array.map snd
                        else
                            train

                    train, test)
                |> Array.unzip

            let trainPath = Path.Combine(work, $"train-{seed}.csv")
            let testPath = Path.Combine(work, $"test-{seed}.csv")
            File.WriteAllLines(trainPath, Array.append [| header |] (Array.concat train |> shuffle seed))
            File.WriteAllLines(testPath, Array.append [| header |] (Array.concat test))

            let balancedAccuracy (weighting: string list) =
                let model = Path.Combine(work, "model.json")

                run (
                    [
                        "train"
                        "--data"
                        trainPath
                        "--out"
                        model
                        "--force"
                        "--standardize"
                        "--seed"
                        string seed
                        "--json"
                    ]
                    @ extra
                    @ weighting
                )
                |> ignore

                let json = run [ "evaluate"; "--model"; model; "--data"; testPath; "--json" ]
                JsonDocument.Parse(json).RootElement.GetProperty("balanced_accuracy").GetDouble()

            let plain = balancedAccuracy []
            let weighted = balancedAccuracy [ "--class-weight"; "balanced" ]

            printfn
                "%s seed %d: %d training rows (%d of class %d); balanced accuracy %.4f without, %.4f with --class-weight balanced"
                file
                seed
                (Array.concat train).Length
                (train
                 |> Array.concat
                 |> Array.filter (fun r -> label r = thinned)
                 |> Array.length)
                thinned
                plain
                weighted

            plain, weighted
    ]

    let mean f = results |> List.averageBy f
    printfn "%s, class %d thinned: mean balanced accuracy %.4f without, %.4f with --class-weight balanced (%d seeds)" file thinned (mean fst) (mean snd) seeds

experiment "digits.csv" 3 [ "--layers"; "32"; "--epochs"; "30" ]
experiment "breast_cancer.csv" 0 [ "--layers"; "16"; "--epochs"; "30" ]
Directory.Delete(work, true)
