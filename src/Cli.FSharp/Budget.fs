/// How much memory training a network needs, estimated from its sizes before anything is allocated.
module Nn.Cli.Budget

open System
open Nn.Cli.Common
open Nn.Layers

/// The memory this process may use: the machine's, or a container's or `DOTNET_GCHeapHardLimit`'s limit.
let available () =
    GC.GetGCMemoryInfo().TotalAvailableMemoryBytes

/// Bytes as a short figure for people: "4.9 GB".
let gigabytes (bytes: float) =
    if bytes >= 1e9 then
        $"{bytes / 1e9:F1} GB"
    else
        $"{bytes / 1e6:F0} MB"

/// <summary>
/// An estimate, in bytes, of the peak memory of `nn train` for values of b bytes (4 in float32, 8 in float64), P
/// parameters, samples × features of data, the hidden and output layer sizes, the batch and the optimizer:
/// <list type="bullet">
/// <item>parameters: b·P bytes for each of the parameters, the gradient, the working copy, the best weights kept
/// for early stopping and the optimizer state (none for sgd, one copy for momentum, two for adam and adamw, about 20
/// vectors for lbfgs and Hessian-free), plus about 60 bytes per parameter for the model file's JSON text;</item>
/// <item>a dense Hessian (8·P² bytes, three copies for the factorisation) for newton when P ≤
/// <c>Curvature.MaxDenseParameters</c>, and about 20 vectors of P for lbfgs and Hessian-free;</item>
/// <item>activations: the forward trace and backward deltas, 4·b bytes per unit per sample of a batch;</item>
/// <item>data: two more copies of the features (the split and the standardised copy).</item>
/// </list>
/// It errs on the high side by design: it is used to refuse a run that cannot fit, before it starts.
/// </summary>
let trainingBytes (valueBytes: int) (parameters: int64) (samples: int) (features: int) (units: int list) (batch: int) (optimizer: string) =
    let p = float parameters
    let b = float valueBytes

    let state =
        match optimizer with
        | "sgd" -> 0.0
        | "momentum" -> 1.0
        | "newton"
        | "lbfgs" -> 20.0
        | _ -> 2.0

    let hessian =
        if
            optimizer = "newton"
            && parameters <= int64 Nn.Layers.Curvature.MaxDenseParameters
        then
            3.0 * 8.0 * p * p
        else
            0.0

    let rows = float (min batch samples)
    let activations = 4.0 * b * rows * float (List.sum units)
    let data = 2.0 * b * float samples * float features
    b * p * (4.0 + state) + 60.0 * p + hessian + activations + data

/// <summary>
/// Refuses, with one line, a network too large to build or to train in the memory available: more parameters than
/// <c>Network.MaxParameters</c>, a layer larger than one array, or an estimate (see <c>trainingBytes</c>) above what
/// this process may use. <paramref name="blame"/> names what to change, e.g. "--layers 70000,70000".
/// </summary>
let checkTraining (blame: string) (valueBytes: int) (inputs: int) (units: int list) (samples: int) (batch: int) (optimizer: string) =
    let parameters = Network.CountParameters(inputs, units)
    let shape = String.Join(" → ", string inputs :: (units |> List.map string))

    if parameters > Network.MaxParameters then
        fail $"{blame}: a {shape} network has {parameters:N0} parameters; at most {Network.MaxParameters:N0} are supported"

    let widest =
        List.zip (inputs :: units |> List.take units.Length) units
        |> List.map (fun (fanIn, n) -> int64 fanIn * int64 n)
        |> List.max

    if widest > int64 Array.MaxLength then
        fail $"{blame}: a {shape} network has a layer of {widest:N0} weights, more than one array holds ({Array.MaxLength:N0})"

    let need = trainingBytes valueBytes parameters samples inputs units batch optimizer
    let have = available ()

    if need > float have then
        fail
            $"{blame}: training a {shape} network ({parameters:N0} parameters) needs about {gigabytes need} of memory but {gigabytes (float have)} are available; use fewer or smaller layers"
