/// What the in-process CLI tests share: running `nn` with its standard streams captured, and scratch directories.
module Nn.Tests.CliSupport

open System
open System.IO
open Xunit

/// Standard output and error are the process's: two in-process runs at once (test classes run in parallel) would
/// write into each other's captures, so runs take this lock.
let private console = obj ()

/// Runs `nn` in-process with standard output and error captured; returns (exit code, stdout, stderr).
let nn (args: string list) =
    lock console (fun () ->
        let out = new StringWriter()
        let err = new StringWriter()
        let oldOut, oldErr = Console.Out, Console.Error
        Console.SetOut out
        Console.SetError err

        try
            let code = Nn.Cli.Program.execute (Array.ofList args)
            code, out.ToString(), err.ToString()
        finally
            Console.SetOut oldOut
            Console.SetError oldErr)

/// A fresh temporary directory whose name starts with `prefix`.
let scratchIn (prefix: string) =
    let dir = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    dir

/// A non-zero exit and exactly one line on standard error containing every fragment (standard output may hold
/// progress).
let failsWith (fragments: string list) (code: int, _: string, err: string) =
    Assert.NotEqual(0, code)
    let lines = err.Trim().Split('\n')
    Assert.True(lines.Length = 1, $"expected one line on standard error, got:\n{err}")

    for f in fragments do
        Assert.Contains(f, err)
