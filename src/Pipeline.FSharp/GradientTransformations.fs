namespace Nn.Training

open System
open System.Numerics
open System.Runtime.InteropServices
open Nn.Layers
open Nn.Pipeline

/// <summary>Learning-rate schedules for C#, as <c>Func&lt;int, double&gt;</c> of the update count t (see <c>Schedules</c>).</summary>
[<AbstractClass; Sealed>]
type LearningRates =
    /// <summary>α(t) = α.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α is not positive and finite.</exception>
    static member Constant(rate: float) =
        Func<int, float>(Schedules.constant rate)

    /// <summary>α(t) = α · γ^⌊t / k⌋.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α or γ is not positive and finite, or k is not positive.</exception>
    static member Step(rate: float, factor: float, every: int) =
        Func<int, float>(Schedules.step rate factor every)

    /// <summary>α(t) = α · γ^(t / k).</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α or γ is not positive and finite, or k is not positive.</exception>
    static member Exponential(rate: float, factor: float, every: int) =
        Func<int, float>(Schedules.exponential rate factor every)

    /// <summary>Cosine decay from α to floor·α over <paramref name="steps"/> updates (Loshchilov and Hutter 2017).</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α is not positive and finite, steps is not positive, or floor is outside [0, 1].</exception>
    static member Cosine(rate: float, steps: int, [<Optional; DefaultParameterValue(0.0)>] floor: float) =
        Func<int, float>(Schedules.cosine rate steps floor)

    /// <summary>Linear warm-up over <paramref name="steps"/> updates, then <paramref name="after"/> from its start (Goyal et al. 2017).</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">steps is not positive.</exception>
    static member Warmup(steps: int, after: Func<int, float>) =
        ArgumentNullException.ThrowIfNull after
        Func<int, float>(Schedules.warmup steps after.Invoke)

/// <summary>
/// An optimizer for C#: the same stages as the F# <c>Optimizer</c>, with the state held as an opaque object and
/// usable for float64 and float32 training alike (a transformation a user builds with <c>Create</c> serves the
/// precision it was built for). <c>Init</c> gives the state for parameters θ; <c>Update</c> maps gradients to updates
/// u and the next state, and the caller applies θ ← θ + u (<c>Parameters.Add</c>). Nothing is mutated, so a state can
/// be kept, compared or reused. Training with <c>Trainer.Fit</c> runs the fused in-place form of built-in stages.
/// </summary>
[<Sealed>]
type GradientTransformation internal (double: Optimizer<float, objnull> option, single: Optimizer<float32, objnull> option) =

    /// The stage chain for precision 'T.
    member internal _.For<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        ()
        : Optimizer<'T, objnull> =
        let chosen =
            if typeof<'T> = typeof<float> then Option.map box double
            elif typeof<'T> = typeof<float32> then Option.map box single
            else None

        match chosen with
        | Some o -> unbox<Optimizer<'T, objnull>> o
        | None ->
            let built = if double.IsSome then "float64" else "float32"
            invalidOp $"This transformation was built for {built} parameters, not {typeof<'T>.Name}."

    /// <summary>The initial state for float64 <paramref name="parameters"/>.</summary>
    member this.Init(parameters: Parameters<float>) : objnull =
        ArgumentNullException.ThrowIfNull parameters
        this.For<float>().Init parameters

    /// <summary>
    /// The updates for float64 <paramref name="gradients"/> (the shape of <paramref name="parameters"/>) and the next
    /// state. NaN in a gradient propagates to the updates.
    /// </summary>
    /// <exception cref="System.ArgumentException">The trees differ in shape.</exception>
    /// <exception cref="System.InvalidCastException"><paramref name="state"/> came from another optimizer.</exception>
    /// <exception cref="System.InvalidOperationException">A second-order stage, which needs a training step's batch: train with <c>Trainer.Fit</c>.</exception>
    member this.Update(gradients: Parameters<float>, state: objnull, parameters: Parameters<float>) : struct (Parameters<float> * objnull) =
        ArgumentNullException.ThrowIfNull gradients
        ArgumentNullException.ThrowIfNull parameters
        gradients.CheckSameShape parameters

        match this.For<float>().Update gradients state (Context.ofParameters 0 parameters) with
        | Ok(updates, next) -> struct (updates, next)
        | Error e -> raise (InvalidOperationException e.Message)

    /// <summary>This transformation followed by <paramref name="next"/> (optax <c>chain</c>).</summary>
    member this.Then(next: GradientTransformation) : GradientTransformation =
        ArgumentNullException.ThrowIfNull next
        GradientTransformation.Chain [ this; next ]

    static member internal Chain(stages: GradientTransformation list) =
        let both (pick: GradientTransformation -> 'O option) =
            let picked = stages |> List.map pick

            if picked |> List.forall Option.isSome then
                Some(picked |> List.map Option.get)
            else
                None

        GradientTransformation(both (fun s -> s.Double) |> Option.map Optimizer.chainAll, both (fun s -> s.Single) |> Option.map Optimizer.chainAll)

    member internal _.Double = double
    member internal _.Single = single

    /// A built-in stage in both precisions.
    static member internal Of(wide: Optimizer<float, 'A>, narrow: Optimizer<float32, 'B>) =
        GradientTransformation(Some(Optimizer.erase wide), Some(Optimizer.erase narrow))

    /// <summary>
    /// A transformation of a user's own, from its two pure functions for parameters of precision T: <c>init</c> gives
    /// the state for θ, <c>update(g, state, θ)</c> the updates and the next state. It has no fused kernel, so training
    /// copies θ, the gradient and the updates into trees each step (correct, and slower by those copies).
    /// </summary>
    /// <exception cref="System.ArgumentException">T is neither double nor float.</exception>
    static member Create<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
        (init: Func<Parameters<'T>, objnull>, update: Func<Parameters<'T>, objnull, Parameters<'T>, struct (Parameters<'T> * objnull)>)
        : GradientTransformation =
        ArgumentNullException.ThrowIfNull init
        ArgumentNullException.ThrowIfNull update

        let optimizer: Optimizer<'T, objnull> =
            Optimizer.create init.Invoke (fun g s theta ->
                let struct (u, next) = update.Invoke(g, s, theta)
                u, next)

        match box optimizer with
        | :? Optimizer<float, objnull> as wide -> GradientTransformation(Some wide, None)
        | :? Optimizer<float32, objnull> as narrow -> GradientTransformation(None, Some narrow)
        | _ -> invalidArg (nameof init) $"A transformation works on float or double parameters, not {typeof<'T>.Name}."

/// <summary>
/// The named optimizers and stages of <c>Nn.Pipeline.Optimizers</c>, <c>Transform</c> and the second-order stages for
/// C#, with a constant learning rate or a schedule (<c>LearningRates</c>). Defaults follow the papers.
/// </summary>
[<AbstractClass; Sealed>]
type GradientTransformations =

    /// <summary>SGD: θ ← θ − α·g.</summary>
    static member Sgd(learningRate: float) =
        GradientTransformations.Sgd(LearningRates.Constant learningRate)

    /// <summary>SGD following a schedule α(t), t counting updates from 0.</summary>
    static member Sgd(learningRate: Func<int, float>) =
        ArgumentNullException.ThrowIfNull learningRate
        GradientTransformation.Of(Optimizers.sgd learningRate.Invoke, Optimizers.sgd learningRate.Invoke)

    /// <summary>Heavy-ball momentum: v ← g + μv, θ ← θ − α·v.</summary>
    static member Momentum(learningRate: float, [<Optional; DefaultParameterValue(0.9)>] decay: float) =
        let s = Schedules.constant learningRate
        GradientTransformation.Of(Optimizers.momentum decay s, Optimizers.momentum decay s)

    /// <summary>Nesterov momentum: v ← g + μv, θ ← θ − α·(g + μv).</summary>
    static member Nesterov(learningRate: float, [<Optional; DefaultParameterValue(0.9)>] decay: float) =
        let s = Schedules.constant learningRate
        GradientTransformation.Of(Optimizers.nesterov decay s, Optimizers.nesterov decay s)

    /// <summary>AdaGrad: s ← s + g², θ ← θ − α·g / (√s + 1e-10).</summary>
    static member AdaGrad(learningRate: float) =
        let s = Schedules.constant learningRate
        GradientTransformation.Of(Optimizers.adagrad s, Optimizers.adagrad s)

    /// <summary>RMSProp: v ← ρv + (1 − ρ)g², θ ← θ − α·g / (√v + 1e-8).</summary>
    static member RmsProp(learningRate: float, [<Optional; DefaultParameterValue(0.9)>] decay: float) =
        let s = Schedules.constant learningRate
        GradientTransformation.Of(Optimizers.rmsprop decay s, Optimizers.rmsprop decay s)

    /// <summary>Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8.</summary>
    static member Adam(learningRate: float) =
        GradientTransformations.Adam(LearningRates.Constant learningRate)

    /// <summary>Adam following a schedule α(t), t counting updates from 0.</summary>
    static member Adam(learningRate: Func<int, float>) =
        ArgumentNullException.ThrowIfNull learningRate
        GradientTransformation.Of(Optimizers.adam learningRate.Invoke, Optimizers.adam learningRate.Invoke)

    /// <summary>AdamW: θ ← θ − α·(m̂ / (√v̂ + ε) + λθ).</summary>
    static member AdamW(learningRate: float, [<Optional; DefaultParameterValue(1e-4)>] weightDecay: float) =
        let s = Schedules.constant learningRate
        GradientTransformation.Of(Optimizers.adamw weightDecay s, Optimizers.adamw weightDecay s)

    /// <summary>AdamW following a schedule α(t): θ ← θ − α(t)·(m̂ / (√v̂ + ε) + λθ).</summary>
    static member AdamW(learningRate: Func<int, float>, weightDecay: float) =
        ArgumentNullException.ThrowIfNull learningRate
        GradientTransformation.Of(Optimizers.adamw weightDecay learningRate.Invoke, Optimizers.adamw weightDecay learningRate.Invoke)

    /// <summary>
    /// Adam's scaling alone, u = m̂ / (√v̂ + ε), for chains such as clipping → Adam → <c>WeightDecay</c> →
    /// <c>ScaleByLearningRate</c>.
    /// </summary>
    static member ScaleByAdam
        (
            [<Optional; DefaultParameterValue(0.9)>] beta1: float,
            [<Optional; DefaultParameterValue(0.999)>] beta2: float,
            [<Optional; DefaultParameterValue(1e-8)>] epsilon: float
        ) =
        GradientTransformation.Of(Transform.scaleByAdam beta1 beta2 epsilon, Transform.scaleByAdam beta1 beta2 epsilon)

    /// <summary>Momentum's scaling alone, v ← g + μv (u = v, or g + μv with Nesterov), for chains.</summary>
    static member ScaleByMomentum([<Optional; DefaultParameterValue(0.9)>] decay: float, [<Optional; DefaultParameterValue(false)>] nesterov: bool) =
        GradientTransformation.Of(Transform.trace decay nesterov, Transform.trace decay nesterov)

    /// <summary>Clipping by global norm: u = g · min(1, c / ‖g‖₂).</summary>
    static member ClipByGlobalNorm(maxNorm: float) =
        GradientTransformation.Of(Transform.clipByGlobalNorm maxNorm, Transform.clipByGlobalNorm maxNorm)

    /// <summary>An L2 penalty ½λ‖θ‖² on the cost: g ← g + λθ (first in a chain).</summary>
    static member L2Penalty(lambda: float) =
        GradientTransformation.Of(Transform.addL2Penalty lambda, Transform.addL2Penalty lambda)

    /// <summary>Decoupled weight decay u ← u + λθ (after an adaptive stage, before the learning rate).</summary>
    static member WeightDecay(weightDecay: float) =
        GradientTransformation.Of(Transform.addDecayedWeights weightDecay, Transform.addDecayedWeights weightDecay)

    /// <summary>The learning-rate stage u = −α(t)·g.</summary>
    static member ScaleByLearningRate(learningRate: Func<int, float>) =
        ArgumentNullException.ThrowIfNull learningRate
        GradientTransformation.Of(Transform.scaleByLearningRate learningRate.Invoke, Transform.scaleByLearningRate learningRate.Invoke)

    /// <summary>u = g: changes nothing.</summary>
    static member Identity() =
        GradientTransformation.Of(Transform.identity (), Transform.identity ())

    /// <summary>Damped exact Newton (dense Hessian; networks of at most 4,096 parameters), with its defaults.</summary>
    static member DampedNewton() =
        GradientTransformation.Of(DampedNewton.optimizer DampedNewton.defaults, DampedNewton.optimizer DampedNewton.defaults)

    /// <summary>Hessian-free (truncated Newton-CG on Gauss–Newton products), with its defaults.</summary>
    static member HessianFree() =
        GradientTransformation.Of(HessianFree.optimizer HessianFree.defaults, HessianFree.optimizer HessianFree.defaults)

    /// <summary>Levenberg–Marquardt (dense Gauss–Newton matrix), with its defaults.</summary>
    static member LevenbergMarquardt() =
        GradientTransformation.Of(LevenbergMarquardt.optimizer LevenbergMarquardt.defaults, LevenbergMarquardt.optimizer LevenbergMarquardt.defaults)

    /// <summary>L-BFGS with memory 10 (for the full batch).</summary>
    static member Lbfgs() =
        GradientTransformation.Of(Lbfgs.optimizer Lbfgs.defaults, Lbfgs.optimizer Lbfgs.defaults)

    /// <summary>The stages in order, each feeding its updates to the next.</summary>
    static member Chain([<ParamArray>] stages: GradientTransformation[]) =
        ArgumentNullException.ThrowIfNull stages
        GradientTransformation.Chain(List.ofArray stages)
