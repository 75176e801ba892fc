module Nn.Cli.Program

[<EntryPoint>]
let main _ =
    printfn "nn %s" Nn.About.Version
    0
