/// The output-path policy every `nn` command applies to the files it writes, checked before any work starts.
module Nn.Cli.Outputs

open System
open System.IO
open Nn.Cli.Common
open Nn.IO

/// A file a command reads: its option (e.g. `--data`) and path.
type Input = { Option: string; Path: string }

/// A file a command writes.
type Output = {
    /// The option that names it, e.g. `--out`.
    Option: string
    /// The path as given.
    Path: string
    /// Whether an existing file may be replaced (`--force`, or a run's own checkpoint).
    Overwrite: bool
    /// Whether `-` means standard output for this option.
    AllowStdout: bool
    /// Options of inputs this output may legitimately be (a `--checkpoint` that continues its own `--resume`).
    MayReplace: string list
}

/// Where a checked output goes.
type Target =
    /// Standard output (the path was `-`).
    | Stdout
    /// A file, written atomically with `AtomicFile` to the path as given.
    | FileTarget of path: string * overwrite: bool

/// An output with the defaults: no stdout, nothing it may replace.
let output (option: string) (path: string) (overwrite: bool) = {
    Option = option
    Path = path
    Overwrite = overwrite
    AllowStdout = false
    MayReplace = []
}

/// The identity of the file at a path (following links), or None when nothing is there.
let identity (path: string) = FileIdentity.Of path |> Option.ofObj

/// What names a file for comparisons between outputs that may not exist yet: the identity of its directory and its
/// name, after following its symbolic links.
let private slot (target: string) =
    let directory =
        Path.GetDirectoryName target |> Option.ofObj |> Option.defaultValue "/"

    match identity directory with
    | Some identity -> $"{identity.Key}/{Path.GetFileName target}"
    | None -> target

/// <summary>
/// Checks every output of a command before it does any work, and fails with one line naming the option, the path
/// and the fix when: a path is empty; <c>-</c> is given where standard output makes no sense; a path names an
/// existing non-regular file (device, pipe, directory), a missing or unwritable directory, or an existing file
/// without <c>--force</c> (see <c>AtomicFile.Check</c>); an output is the same file as one of the command's inputs,
/// however spelled (device and inode, so symbolic and hard links count); or two outputs are the same file.
/// </summary>
let check (inputs: Input list) (outputs: Output list) : Target list =
    let inputs =
        inputs
        |> List.choose (fun i ->
            try
                identity i.Path |> Option.map (fun id -> i, id)
            with :? IOException ->
                None)

    let targets =
        outputs
        |> List.map (fun o ->
            if String.IsNullOrWhiteSpace o.Path then
                fail $"{o.Option} '{o.Path}': the path is empty; give a file name"
            elif o.Path = "-" then
                if o.AllowStdout then
                    o, Stdout, None
                else
                    fail $"{o.Option} -: standard output is not available for this option; give a file name"
            else
                let resolved =
                    try
                        AtomicFile.Check(o.Path, o.Overwrite)
                    with
                    | :? TargetExistsException -> fail $"{o.Option} {o.Path}: the file exists; pass --force to replace it"
                    | :? DirectoryNotFoundException as e -> fail $"{o.Option} {e.Message}; create it first or choose another path"
                    | :? IOException as e when o.AllowStdout && e.Message.Contains "not a regular file" ->
                        fail $"{o.Option} {e.Message}; pass - to write to standard output"
                    | :? IOException as e -> fail $"{o.Option} {e.Message}"

                match identity o.Path with
                | Some written ->
                    match
                        inputs
                        |> List.tryFind (fun (i, id) -> id = written && not (List.contains i.Option o.MayReplace))
                    with
                    | Some(i, _) ->
                        fail $"{o.Option} {o.Path} is the same file as {i.Option} {i.Path}; writing it would destroy the input: choose another output path"
                    | None -> ()
                | None -> ()

                o, FileTarget(o.Path, o.Overwrite), Some(slot resolved))

    targets
    |> List.choose (fun (o, _, key) -> key |> Option.map (fun k -> o, k))
    |> List.groupBy snd
    |> List.iter (fun (_, same) ->
        match same with
        | (first, _) :: (second, _) :: _ ->
            fail $"{second.Option} {second.Path} is the same file as {first.Option} {first.Path}; give each output its own path"
        | _ -> ())

    targets |> List.map (fun (_, target, _) -> target)

/// <summary>
/// Writes one output: to standard output (flushed, left open), or atomically to its file. Failures of the write
/// itself (a file created meanwhile by another writer, a full disk) become one-line errors naming the option.
/// </summary>
let write (option: string) (target: Target) (writeTo: Stream -> unit) =
    match target with
    | Stdout ->
        use stdout = Console.OpenStandardOutput()
        writeTo stdout
        stdout.Flush()
    | FileTarget(path, overwrite) ->
        try
            AtomicFile.Write(path, Action<Stream> writeTo, overwrite)
        with
        | :? TargetExistsException as e -> fail $"{option} {e.Message}; pass --force to replace it"
        | :? IOException as e when e.Message.StartsWith(path, StringComparison.Ordinal) -> fail $"{option} {e.Message}"
