/// The `nn` command.
module Nn.Cli.Program

let private usage = "usage: nn demo"

/// Entry point: dispatches on the first argument and returns the process exit code.
[<EntryPoint>]
let main argv =
    match List.ofArray argv with
    | [ "demo" ] -> Demo.run stdout
    | [ "--version" ] ->
        printfn "nn %s" Nn.About.Version
        0
    | _ ->
        eprintfn "%s" usage
        2
