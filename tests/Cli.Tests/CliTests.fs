module Nn.Tests.CliTests

open Xunit

[<Fact>]
let ``the command exits with zero when asked for nothing`` () =
    Assert.Equal(0, Nn.Cli.Program.main [||])
