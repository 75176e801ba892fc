module Nn.Tests.AboutTests

open Xunit

[<Fact>]
let ``the library reports a semantic version`` () =
    let parts = Nn.About.Version.Split '.'
    Assert.Equal(3, parts.Length)
    Assert.All(parts, fun p -> Assert.True(fst (System.Int32.TryParse p), p))
