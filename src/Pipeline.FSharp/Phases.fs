namespace Nn.Pipeline

open Nn.Layers

/// <summary>
/// One phase of a mixed run: a function from the network so far and the training data to the trained network and
/// its history. First-order fits, second-order fits and L-BFGS are all phases, so they compose as a chain.
/// </summary>
type Phase = Network<float> -> Dataset -> Result<Trained, SecondOrderError>

/// <summary>
/// Mixed training as a chain of phases, for example a few Adam epochs and then Newton refinement:
/// <c>Phases.run [ Phases.firstOrder adamConfig; Phases.secondOrder newtonConfig ]</c>. Each phase starts from the
/// network the previous one returned; the histories are concatenated.
/// </summary>
[<RequireQualifiedAccess>]
module Phases =

    /// <summary>A <c>Training.fit</c> run as a phase; its <c>TrainingError</c> comes back as <c>FirstOrderPhase</c>.</summary>
    let firstOrder (config: Config<'State>) : Phase =
        fun network data -> Training.fit config network data |> Result.mapError FirstOrderPhase

    /// <summary>A <c>SecondOrder.fit</c> run as a phase.</summary>
    let secondOrder (config: SecondOrderConfig<'State>) : Phase =
        fun network data -> SecondOrder.fit config network data

    /// <summary>
    /// A full-batch <c>SecondOrder.lbfgs</c> run as a phase. Its history is one epoch: one step per evaluation of
    /// J and ∇J (line-search trials included, <c>LearningRate</c> recorded as 1), and the final training loss; the
    /// epoch's gradient norm is the mean over the evaluations.
    /// </summary>
    let lbfgs (settings: LbfgsSettings) (loss: Nn.Losses.Loss) : Phase =
        fun network data ->
            SecondOrder.lbfgs settings loss network data
            |> Result.map (fun run ->
                let steps =
                    List.zip run.Evaluations run.GradientNorms
                    |> List.mapi (fun i (value, norm) -> {
                        Epoch = 1
                        Step = i + 1
                        BatchSize = data.Samples
                        Loss = value
                        GradientNorm = norm
                        LearningRate = 1.0
                    })

                let trainLoss, trainAccuracy = Training.evaluate loss run.Network data

                {
                    Network = run.Network
                    History = {
                        Steps = steps
                        Epochs = [
                            {
                                Epoch = 1
                                Steps = steps.Length
                                TrainLoss = trainLoss
                                TrainAccuracy = trainAccuracy
                                ValidationLoss = None
                                ValidationAccuracy = None
                                GradientNorm =
                                    (if steps.IsEmpty then
                                         0.0
                                     else
                                         steps |> List.averageBy (fun s -> s.GradientNorm))
                                LearningRate = 1.0
                            }
                        ]
                    }
                    BestEpoch = None
                    StoppedEarly = false
                })

    /// <summary>
    /// <paramref name="later"/> after <paramref name="earlier"/>: epochs and steps of the later history renumbered to
    /// continue the earlier ones (epoch e becomes e + E, step s becomes s + S, and each epoch's step count gains S).
    /// </summary>
    let append (earlier: History) (later: History) : History =
        let epochs =
            earlier.Epochs
            |> List.tryLast
            |> Option.map (fun e -> e.Epoch)
            |> Option.defaultValue 0

        let steps =
            earlier.Steps
            |> List.tryLast
            |> Option.map (fun s -> s.Step)
            |> Option.defaultValue 0

        {
            Steps =
                earlier.Steps
                @ (later.Steps
                   |> List.map (fun s -> {
                       s with
                           Epoch = s.Epoch + epochs
                           Step = s.Step + steps
                   }))
            Epochs =
                earlier.Epochs
                @ (later.Epochs
                   |> List.map (fun e -> {
                       e with
                           Epoch = e.Epoch + epochs
                           Steps = e.Steps + steps
                   }))
        }

    /// <summary>
    /// Runs the phases in order, each from the previous one's network, and concatenates their histories with
    /// <c>append</c>. <c>BestEpoch</c> is the last phase's that has one (renumbered); <c>StoppedEarly</c> is true when
    /// any phase stopped early. The first failing phase ends the run with its error. No phases: the network
    /// unchanged with an empty history.
    /// </summary>
    let run (phases: Phase list) : Phase =
        fun network data ->
            let start = {
                Network = network
                History = { Steps = []; Epochs = [] }
                BestEpoch = None
                StoppedEarly = false
            }

            phases
            |> List.fold
                (fun acc phase ->
                    acc
                    |> Result.bind (fun (so_far: Trained) ->
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
