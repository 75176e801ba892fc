namespace Nn.Pipeline

open System
open System.Collections.Immutable
open System.Numerics
open Nn.Layers

/// <summary>
/// One phase of a mixed run: a function from the network so far and the training data to the trained network and
/// its history. A <c>Training.fit</c> run with any optimizer — Adam, damped Newton, L-BFGS — is a phase, so phases
/// compose as a chain.
/// </summary>
type Phase<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> =
    Network<'T> -> Dataset<'T> -> Result<Trained<'T>, TrainingError>

/// <summary>
/// Mixed training as a chain of phases, for example a few Adam epochs and then Newton refinement:
/// <c>Phases.run [ Phases.fit adamConfig; Phases.fit newtonConfig ]</c>. Each phase starts from the network the
/// previous one returned; the histories are concatenated.
/// </summary>
[<RequireQualifiedAccess>]
module Phases =

    /// <summary>A <c>Training.fit</c> run as a phase.</summary>
    let fit (config: Config<'T, 'State>) : Phase<'T> =
        fun network data -> Training.fit config network data

    /// <summary>
    /// <paramref name="later"/> after <paramref name="earlier"/>: epochs and steps of the later history renumbered to
    /// continue the earlier ones (epoch e becomes e + E, step s becomes s + S, and each epoch's step count gains S).
    /// </summary>
    let append (earlier: History) (later: History) : History =
        let epochs = earlier.Epochs.Length
        let steps = earlier.Steps.Length

        {
            Steps =
                earlier.Steps.AddRange(
                    later.Steps
                    |> Seq.map (fun s -> {
                        s with
                            Epoch = s.Epoch + epochs
                            Step = s.Step + steps
                    })
                )
            Epochs =
                earlier.Epochs.AddRange(
                    later.Epochs
                    |> Seq.map (fun e -> {
                        e with
                            Epoch = e.Epoch + epochs
                            Steps = e.Steps + steps
                    })
                )
        }

    /// <summary>
    /// Runs the phases in order, each from the previous one's network, and concatenates their histories with
    /// <c>append</c>. <c>BestEpoch</c> is the last phase's that has one (renumbered); <c>StoppedEarly</c> is true when
    /// any phase stopped early. The first failing phase ends the run with its error. No phases: the network
    /// unchanged with an empty history.
    /// </summary>
    let run (phases: Phase<'T> list) : Phase<'T> =
        fun network data ->
            let start = {
                Network = network
                History = {
                    Steps = ImmutableArray.Empty
                    Epochs = ImmutableArray.Empty
                }
                BestEpoch = None
                StoppedEarly = false
            }

            phases
            |> List.fold
                (fun acc phase ->
                    acc
                    |> Result.bind (fun (so_far: Trained<'T>) ->
                        phase so_far.Network data
                        |> Result.map (fun next ->
                            let offset = so_far.History.Epochs.Length

                            {
                                Network = next.Network
                                History = append so_far.History next.History
                                BestEpoch = next.BestEpoch |> Option.map ((+) offset) |> Option.orElse so_far.BestEpoch
                                StoppedEarly = so_far.StoppedEarly || next.StoppedEarly
                            })))
                (Ok start)
