module Nn.Tests.CliTests

open System.IO
open Xunit

[<Fact>]
let ``the demo learns the Aack/Beep table and XOR and prints the loss as it goes`` () =
    use out = new StringWriter()
    let code = Nn.Cli.Demo.run out
    let text = out.ToString()
    Assert.Equal(0, code)
    Assert.Contains("== Aack/Beep moods", text)
    Assert.Contains("== XOR", text)
    Assert.Equal(10, text.Split('\n') |> Array.filter (fun l -> l.StartsWith "iteration") |> Array.length)
    Assert.Contains("training accuracy 4/4", text)

[<Fact>]
let ``an unknown command exits with a usage error`` () =
    Assert.Equal(2, Nn.Cli.Program.main [| "frobnicate" |])
