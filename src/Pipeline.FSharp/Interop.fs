namespace Nn.Pipeline.Interop

open System
open System.Runtime.InteropServices
open Nn.Layers
open Nn.Pipeline

/// <summary>
/// An optimizer for C# and other .NET languages: the same two pure functions as the F# <c>Optimizer</c> record,
/// with the state held as an opaque object. <c>Init</c> gives the state for parameters θ; <c>Update</c> maps
/// gradients to updates u and the next state, and the caller applies θ ← θ + u (<c>Parameters.Add</c>). Nothing
/// is mutated, so a state can be kept, compared or reused.
/// </summary>
[<Sealed>]
type GradientTransformation(optimizer: Optimizer<float, objnull>) =

    /// <summary>The initial state for <paramref name="parameters"/>.</summary>
    member _.Init(parameters: Parameters<float>) : objnull =
        ArgumentNullException.ThrowIfNull parameters
        optimizer.Init parameters

    /// <summary>
    /// The updates for <paramref name="gradients"/> (the shape of <paramref name="parameters"/>) and the next state.
    /// NaN in a gradient propagates to the updates.
    /// </summary>
    /// <exception cref="System.ArgumentException">The trees differ in shape.</exception>
    /// <exception cref="System.InvalidCastException"><paramref name="state"/> came from another optimizer.</exception>
    member _.Update(gradients: Parameters<float>, state: objnull, parameters: Parameters<float>) : struct (Parameters<float> * objnull) =
        ArgumentNullException.ThrowIfNull gradients
        ArgumentNullException.ThrowIfNull parameters
        gradients.CheckSameShape parameters

        match optimizer.Update gradients state (Context.ofParameters 0 parameters) with
        | Ok(updates, next) -> struct (updates, next)
        | Error e -> raise (InvalidOperationException e.Message)

    /// <summary>This transformation followed by <paramref name="next"/> (optax <c>chain</c>).</summary>
    member _.Then(next: GradientTransformation) : GradientTransformation =
        ArgumentNullException.ThrowIfNull next
        GradientTransformation(Optimizer.chainAll [ optimizer; next.ToFSharp() ])

    /// <summary>The F# optimizer with its state boxed.</summary>
    member _.ToFSharp() : Optimizer<float, objnull> = optimizer

/// <summary>
/// The named optimizers and stages of <c>Nn.Pipeline.Optimizers</c> and <c>Transform</c> for C#, with a constant
/// learning rate or a schedule given as <c>Func&lt;int, double&gt;</c>. Defaults follow the papers.
/// </summary>
[<AbstractClass; Sealed>]
type GradientTransformations =

    static member private Wrap(optimizer: Optimizer<float, 'S>) =
        GradientTransformation(Optimizer.erase optimizer)

    /// <summary>A constant learning rate α as a schedule.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α is not positive and finite.</exception>
    static member Constant(learningRate: float) : Func<int, float> =
        let schedule = Schedules.constant learningRate
        Func<int, float>(schedule)

    /// <summary>SGD: θ ← θ − α·g.</summary>
    static member Sgd(learningRate: float) =
        GradientTransformations.Wrap(Nn.Pipeline.Optimizers.sgd (Schedules.constant learningRate))

    /// <summary>Heavy-ball momentum: v ← g + μv, θ ← θ − α·v.</summary>
    static member Momentum(learningRate: float, [<Optional; DefaultParameterValue(0.9)>] decay: float) =
        GradientTransformations.Wrap(Nn.Pipeline.Optimizers.momentum decay (Schedules.constant learningRate))

    /// <summary>Nesterov momentum: v ← g + μv, θ ← θ − α·(g + μv).</summary>
    static member Nesterov(learningRate: float, [<Optional; DefaultParameterValue(0.9)>] decay: float) =
        GradientTransformations.Wrap(Nn.Pipeline.Optimizers.nesterov decay (Schedules.constant learningRate))

    /// <summary>AdaGrad: s ← s + g², θ ← θ − α·g / (√s + 1e-10).</summary>
    static member AdaGrad(learningRate: float) =
        GradientTransformations.Wrap(Nn.Pipeline.Optimizers.adagrad (Schedules.constant learningRate))

    /// <summary>RMSProp: v ← ρv + (1 − ρ)g², θ ← θ − α·g / (√v + 1e-8).</summary>
    static member RmsProp(learningRate: float, [<Optional; DefaultParameterValue(0.9)>] decay: float) =
        GradientTransformations.Wrap(Nn.Pipeline.Optimizers.rmsprop decay (Schedules.constant learningRate))

    /// <summary>Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8.</summary>
    static member Adam(learningRate: float) =
        GradientTransformations.Wrap(Nn.Pipeline.Optimizers.adam (Schedules.constant learningRate))

    /// <summary>Adam following a schedule α(t), t counting updates from 0.</summary>
    static member Adam(learningRate: Func<int, float>) =
        ArgumentNullException.ThrowIfNull learningRate
        GradientTransformations.Wrap(Nn.Pipeline.Optimizers.adam learningRate.Invoke)

    /// <summary>AdamW: θ ← θ − α·(m̂ / (√v̂ + ε) + λθ).</summary>
    static member AdamW(learningRate: float, [<Optional; DefaultParameterValue(1e-4)>] weightDecay: float) =
        GradientTransformations.Wrap(Nn.Pipeline.Optimizers.adamw weightDecay (Schedules.constant learningRate))

    /// <summary>Clipping by global norm: u = g · min(1, c / ‖g‖₂).</summary>
    static member ClipByGlobalNorm(maxNorm: float) =
        GradientTransformations.Wrap(Transform.clipByGlobalNorm maxNorm)

    /// <summary>u = g: changes nothing.</summary>
    static member Identity() =
        GradientTransformations.Wrap(Transform.identity ())

    /// <summary>The stages in order, each feeding its updates to the next.</summary>
    static member Chain([<ParamArray>] stages: GradientTransformation[]) =
        ArgumentNullException.ThrowIfNull stages
        GradientTransformation(Optimizer.chainAll [ for s in stages -> s.ToFSharp() ])

/// <summary>Raised by <c>Trainer.Fit</c> when training cannot produce a model (divergence, identical hidden units).</summary>
type TrainingFailedException(message: string) =
    inherit Exception(message)

/// <summary>What <c>Trainer.Fit</c> returns: the trained network and the per-epoch losses.</summary>
[<Sealed>]
type TrainingRun(network: Network<float>, epochLosses: float[], stoppedEarly: bool) =
    /// The trained network (the input network is untouched).
    member _.Network = network

    /// The mean training loss of each epoch (the batches' losses, each measured before its update, averaged over the samples).
    member _.EpochLosses: Collections.Generic.IReadOnlyList<float> =
        Array.AsReadOnly epochLosses

    /// True when early stopping ended the run.
    member _.StoppedEarly = stoppedEarly

/// <summary>
/// The training loop for C#: the same fold as the F# <c>Training.fit</c> (seeded shuffles, minibatches that cover
/// every sample once per epoch, the last one smaller), driven by a <c>GradientTransformation</c>.
/// </summary>
[<AbstractClass; Sealed>]
type Trainer =
    /// <summary>
    /// Trains a classifier on <paramref name="features"/> (features × samples, one observation per column) and
    /// class labels 0 … k−1, with the loss that fits the output layer: binary cross-entropy for one sigmoid output,
    /// softmax cross-entropy for a softmax output.
    /// </summary>
    /// <exception cref="System.ArgumentException">Shapes or labels that do not fit the network.</exception>
    /// <exception cref="TrainingFailedException">Training diverged (the message names the epoch and step).</exception>
    static member Fit
        (
            network: Network<float>,
            features: MathNet.Numerics.LinearAlgebra.Matrix<float>,
            labels: int[],
            optimizer: GradientTransformation,
            epochs: int,
            batchSize: int,
            [<Optional; DefaultParameterValue(0)>] seed: int
        ) : TrainingRun =
        ArgumentNullException.ThrowIfNull network
        ArgumentNullException.ThrowIfNull optimizer
        let classes = if network.Outputs = 1 then 2 else network.Outputs

        let loss =
            if network.Outputs = 1 then
                Nn.Losses.Loss.BinaryCrossEntropy
            else
                Nn.Losses.Loss.SoftmaxCrossEntropy

        let names = Seq.init features.RowCount (fun i -> $"x{i + 1}")

        let data =
            Data.create features (Targets.Classes(Collections.Immutable.ImmutableArray.Create<int> labels, classes)) names

        let config = {
            Training.defaults (optimizer.ToFSharp()) with
                Epochs = epochs
                BatchSize = batchSize
                Seed = seed
                Loss = loss
        }

        match Training.fit config network data with
        | Ok trained -> TrainingRun(trained.Network, [| for e in trained.History.Epochs -> e.TrainLoss |], trained.StoppedEarly)
        | Error e -> raise (TrainingFailedException e.Message)

    /// <summary>The class labels of a data set built by <c>Nn.Pipeline.Data</c> (empty for regression targets).</summary>
    static member Labels(data: Dataset) : int[] =
        match data.Targets with
        | Targets.Classes(labels, _) -> Seq.toArray labels
        | Targets.Values _ -> [||]

    /// <summary>The fraction of columns of <paramref name="features"/> whose predicted class equals the label.</summary>
    static member Accuracy(network: Network<float>, features: MathNet.Numerics.LinearAlgebra.Matrix<float>, labels: int[]) : float =
        Metrics.accuracy (Training.predictClasses network features) labels
