namespace Nn.Pipeline

open System
open System.Numerics
open Nn.Layers
open Nn.LinearAlgebra
open Nn.Optimization

/// <summary>
/// The flat buffers a fused kernel works on for one step: the updates u (the gradient for the first stage), which
/// each stage transforms in place, and the parameters θ, which stages only read. Both hold the whole tree in the flat
/// order of <c>Parameters.ToArray</c>; <c>Offsets</c> mark where each of the tree's buffers starts (and, last, the
/// total), so a stage that reduces over the tree can add buffer by buffer exactly as the pure form does.
/// </summary>
/// <remarks>
/// A stage that only multiplies u by a factor calls <c>Scale</c>, which defers the pass: the factor is applied when a
/// later stage reads <c>Updates</c>, or folded into θ ← θ + c·u by the engine — each element rounded exactly as a
/// separate pass would round it, so deferring changes no bit.
/// </remarks>
[<Sealed>]
type FusedStep<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType>
    (updates: 'T[], parameters: 'T[], offsets: int[]) =

    // A factor not yet applied to `updates` (1: none).
    let mutable pending = 1.0

    // The engine's ‖g‖₂ of the incoming gradient: owed until taken, taken just before a stage first reads or changes u.
    let mutable normOwed = false
    let mutable gradientNorm = 'T.Zero

    let settle () =
        if normOwed then
            gradientNorm <- ParameterStep<'T>.Norm(ReadOnlySpan updates, ReadOnlySpan offsets)
            normOwed <- false

    let flush () =
        if pending <> 1.0 then
            settle ()
            UpdateRules.Scale(ReadOnlySpan updates, pending, Span updates)
            pending <- 1.0

    /// u, transformed in place by each stage (any deferred factor applied first).
    member _.Updates =
        settle ()
        flush ()
        updates

    /// Asks for ‖g‖₂ of u as it stands now (the gradient, before the stages run): taken before any stage reads u.
    member internal _.OweNorm() = normOwed <- true

    /// ‖g‖₂ asked for by <c>OweNorm</c> when a stage made it be taken; none when u is still untouched (the engine
    /// takes it then, alongside the update). Clears the request.
    member internal _.TakeNorm() =
        if normOwed then
            normOwed <- false
            ValueNone
        else
            ValueSome gradientNorm

    /// <summary>u ← c·u, deferred until u is next read (see the remarks).</summary>
    member _.Scale(factor: float) =
        flush ()
        pending <- factor

    /// The buffer and the factor still owed to it, for the engine's θ ← θ + c·u; clears the debt.
    member internal _.TakeScaled() =
        let factor = pending
        pending <- 1.0
        struct (updates, factor)

    /// θ (read only).
    member _.Parameters = parameters

    /// The start of each buffer of the tree, then the total length.
    member _.Offsets = offsets

    /// ‖u‖₂ over the whole tree, with the buffers' sums of squares added in order, exactly as <c>Parameters.Norm</c>.
    member _.UpdateNorm() : 'T =
        settle ()
        ParameterStep<'T>.Norm(ReadOnlySpan updates, ReadOnlySpan offsets)

    /// The offsets of a tree's buffers in flat order (each start, then the total).
    static member OffsetsOf(tree: Parameters<'T>) : int[] =
        tree.Buffers |> Seq.map _.Length |> Seq.scan (+) 0 |> Array.ofSeq

/// <summary>
/// The in-place form of an optimizer stage, which the training engine runs on buffers it owns: <c>Thaw</c> makes a
/// working copy of a state (never touching the state it is given), <c>Apply</c> advances it by one step while
/// transforming <c>FusedStep.Updates</c> in place, and <c>Freeze</c> returns the working copy as a new, immutable
/// state for parameters of θ's shape. Thaw → Apply → Freeze must give exactly what <c>Update</c> gives.
/// </summary>
type Fused<'T, 'State when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// A working copy of a state.
    Thaw: 'State -> objnull
    /// One step in place: u ← stage(u), working state advanced.
    Apply: objnull -> FusedStep<'T> -> unit
    /// The working copy as a new state (θ gives the tree's shape).
    Freeze: objnull -> Parameters<'T> -> 'State
}

/// <summary>
/// An optimizer, or one stage of one, in the style of optax's gradient transformations: pure functions with the
/// state passed in and returned. <c>Init θ</c> gives the initial state; <c>Update u s ctx</c> maps incoming updates u
/// (the gradient, for the first stage) to new updates and the next state, and may ask the step's <c>Context</c> for
/// θ, the loss at other points, or curvature products. Updates are always <em>added</em> to the parameters,
/// θ ← θ + u, so only a learning-rate stage flips the sign.
/// </summary>
/// <remarks>
/// <para>Stages never mutate their inputs; every tree they return is new. NaN in a gradient propagates to the updates
/// (training reports it as divergence). A stage that can find no step returns <c>Error</c> (second-order stages, when
/// damping reaches its limit).</para>
/// <para><c>Fused</c> is the same stage as an in-place kernel. Every built-in first-order stage has one, and a chain of
/// stages that all have one is fused too, so training runs it without allocating. A chain with a stage that has none
/// (a user's own stage, or a second-order stage) runs through <c>Update</c>: every step then copies θ, the gradient
/// and the updates into fresh trees — correct, and slower by those copies.</para>
/// </remarks>
type Optimizer<'T, 'State when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// The initial state for parameters θ.
    Init: Parameters<'T> -> 'State
    /// Incoming updates → state → the step's context → (updates, next state), or why no step exists.
    Update: Parameters<'T> -> 'State -> Context<'T> -> Result<Parameters<'T> * 'State, StepFailure>
    /// The in-place form, when the stage has one.
    Fused: Fused<'T, 'State> option
    /// The learning-rate schedule the optimizer follows, if it has one (recorded in the training history).
    LearningRate: Schedule option
}

/// <summary>Building optimizer stages.</summary>
[<RequireQualifiedAccess>]
module Optimizer =

    /// <summary>
    /// A stage from its two pure functions; it has no fused form, so a chain containing it trains through the pure
    /// path. <c>update g s θ</c> gets the incoming updates, its state and the parameters.
    /// </summary>
    let create (init: Parameters<'T> -> 'State) (update: Parameters<'T> -> 'State -> Parameters<'T> -> Parameters<'T> * 'State) : Optimizer<'T, 'State> = {
        Init = init
        Update = fun g s context -> Ok(update g s context.Parameters)
        Fused = None
        LearningRate = None
    }

    /// <summary>
    /// A stage defined by its fused kernel: <c>Update</c> is the kernel run on fresh copies (thaw the state, apply to a
    /// copy of the updates and θ, freeze), so the pure and the in-place forms are one definition and agree bit for bit.
    /// </summary>
    let ofFused (init: Parameters<'T> -> 'State) (fused: Fused<'T, 'State>) : Optimizer<'T, 'State> = {
        Init = init
        Update =
            fun g state context ->
                let working = fused.Thaw state

                let step =
                    FusedStep(g.ToArray(), context.Parameters.ToArray(), FusedStep.OffsetsOf g)

                fused.Apply working step
                Ok(g.FromArray(ReadOnlySpan step.Updates), fused.Freeze working context.Parameters)
        Fused = Some fused
        LearningRate = None
    }

    /// <summary>The same stage without its fused form, so training takes the pure path (for comparisons and tests).</summary>
    let withoutFused (optimizer: Optimizer<'T, 'State>) : Optimizer<'T, 'State> = { optimizer with Fused = None }

    /// <summary>
    /// The same optimizer with its state boxed, for holding optimizers of different state types in one list or
    /// passing them across a language boundary. <c>Update</c> throws <c>InvalidCastException</c> when given a state
    /// that another optimizer created.
    /// </summary>
    let erase (optimizer: Optimizer<'T, 'S>) : Optimizer<'T, objnull> = {
        Init = fun p -> box (optimizer.Init p)
        Update = fun g s context -> optimizer.Update g (unbox<'S> s) context |> Result.map (fun (u, s) -> u, box s)
        Fused =
            optimizer.Fused
            |> Option.map (fun f -> {
                Thaw = fun s -> f.Thaw(unbox<'S> s)
                Apply = f.Apply
                Freeze = fun w p -> box (f.Freeze w p)
            })
        LearningRate = optimizer.LearningRate
    }

    /// <summary>Chains any number of erased stages in order; the state is the list of their states.</summary>
    let chainAll (stages: Optimizer<'T, objnull> list) : Optimizer<'T, objnull> =
        let checkCount (states: objnull list) =
            if List.length states <> List.length stages then
                invalidArg "state" $"The state holds {List.length states} stages but the chain has {List.length stages}."

        let fused =
            if stages |> List.forall _.Fused.IsSome then
                let kernels = stages |> List.map _.Fused.Value |> Array.ofList

                Some {
                    Thaw =
                        fun state ->
                            let states = unbox<objnull list> state
                            checkCount states
                            box (Array.map2 (fun (k: Fused<'T, objnull>) s -> k.Thaw s) kernels (Array.ofList states))
                    Apply =
                        fun working step ->
                            let parts = unbox<objnull[]> working

                            for i in 0 .. kernels.Length - 1 do
                                kernels[i].Apply parts[i] step
                    Freeze =
                        fun working theta ->
                            let parts = unbox<objnull[]> working
                            box (List.init kernels.Length (fun i -> kernels[i].Freeze parts[i] theta))
                }
            else
                None

        {
            Init = fun p -> stages |> List.map (fun s -> s.Init p) |> box
            Update =
                fun g state context ->
                    let states = unbox<objnull list> state
                    checkCount states

                    let step acc (stage: Optimizer<'T, objnull>, s) =
                        acc
                        |> Result.bind (fun (u, reversed) -> stage.Update u s context |> Result.map (fun (u, s) -> u, s :: reversed))

                    List.fold step (Ok(g, [])) (List.zip stages states)
                    |> Result.map (fun (u, reversed) -> u, box (List.rev reversed))
            Fused = fused
            LearningRate = stages |> List.rev |> List.tryPick _.LearningRate
        }

/// <summary>The chaining operator, opened with the <c>Nn.Pipeline</c> namespace.</summary>
[<AutoOpen>]
module Chaining =

    /// <summary>
    /// Runs <paramref name="first"/>, then feeds its updates to <paramref name="second"/> with the same context
    /// (optax <c>chain</c>; the first failure ends the step): <c>Transform.scaleByAdam 0.9 0.999 1e-8 >->
    /// Transform.scaleByLearningRate lr</c>. The state is the pair of both states, so the composition stays fully typed;
    /// the operator is left-associative, so <c>a >-> b >-> c</c> has state <c>('A * 'B) * 'C</c>. The chain is fused
    /// when both sides are.
    /// </summary>
    let (>->) (first: Optimizer<'T, 'A>) (second: Optimizer<'T, 'B>) : Optimizer<'T, 'A * 'B> = {
        Init = fun p -> first.Init p, second.Init p
        Update =
            fun g (a, b) context ->
                first.Update g a context
                |> Result.bind (fun (u, a) -> second.Update u b context |> Result.map (fun (u, b) -> u, (a, b)))
        Fused =
            match first.Fused, second.Fused with
            | Some f, Some s ->
                Some {
                    Thaw = fun (a, b) -> box (f.Thaw a, s.Thaw b)
                    Apply =
                        fun working step ->
                            let wa, wb = unbox<objnull * objnull> working
                            f.Apply wa step
                            s.Apply wb step
                    Freeze =
                        fun working theta ->
                            let wa, wb = unbox<objnull * objnull> working
                            f.Freeze wa theta, s.Freeze wb theta
                }
            | _ -> None
        LearningRate = second.LearningRate |> Option.orElse first.LearningRate
    }

/// <summary>
/// Elementary gradient transformations, each one definition: its initial state and its fused kernel (an
/// <c>Nn.Optimization.UpdateRules</c> formula over flat buffers), with the pure <c>Update</c> derived from the kernel
/// (<c>Optimizer.ofFused</c>). The formulas below use g for the incoming updates and θ for the parameters.
/// </summary>
[<RequireQualifiedAccess>]
module Transform =

    let private finite name (v: float) =
        if not (Double.IsFinite v) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be finite but is {v}."))

    let private inRange name (v: float) =
        if not (v >= 0.0 && v < 1.0) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be in [0, 1) but is {v}."))

    let private nonNegative name (v: float) =
        if not (Double.IsFinite v && v >= 0.0) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be non-negative and finite but is {v}."))

    let private span (a: 'T[]) = Span<'T>(a)
    let private read (a: 'T[]) = ReadOnlySpan<'T>(a)

    // A stateless stage: its working state is nothing.
    let private stateless (apply: FusedStep<'T> -> unit) : Optimizer<'T, unit> =
        Optimizer.ofFused ignore {
            Thaw = fun () -> null
            Apply = fun _ step -> apply step
            Freeze = fun _ _ -> ()
        }

    // A stage whose state is one tree, held flat while fused.
    let private withTree (init: Parameters<'T> -> Parameters<'T>) (apply: 'T[] -> FusedStep<'T> -> unit) : Optimizer<'T, Parameters<'T>> =
        Optimizer.ofFused init {
            Thaw = fun tree -> box (tree.ToArray())
            Apply = fun working step -> apply (unbox<'T[]> working) step
            Freeze = fun working theta -> theta.FromArray(ReadOnlySpan(unbox<'T[]> working))
        }

    /// <summary>u = g. The neutral stage of a chain; its state is unit.</summary>
    let identity () : Optimizer<'T, unit> = stateless ignore

    /// <summary>u = c · g for a fixed finite factor c.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">c is not finite.</exception>
    let scale (factor: float) : Optimizer<'T, unit> =
        finite (nameof factor) factor
        stateless (fun step -> step.Scale factor)

    /// <summary>u = s(t) · g, where t counts the updates made so far (the state, starting at 0).</summary>
    let scaleBySchedule (schedule: Schedule) : Optimizer<'T, int> =
        Optimizer.ofFused (fun _ -> 0) {
            Thaw = fun t -> box (ref t)
            Apply =
                fun working step ->
                    let t = unbox<int ref> working
                    step.Scale(schedule t.Value)
                    t.Value <- t.Value + 1
            Freeze = fun working _ -> (unbox<int ref> working).Value
        }

    /// <summary>
    /// u = −α(t) · g: the learning-rate stage, the only one that flips the sign, so that adding u to θ descends
    /// (lecture 001: θ ← θ − α ∇J). The state counts updates.
    /// </summary>
    let scaleByLearningRate (learningRate: Schedule) : Optimizer<'T, int> = {
        scaleBySchedule (fun t -> -(learningRate t)) with
            LearningRate = Some learningRate
    }

    /// <summary>
    /// Momentum as a trace (optax <c>trace</c>): v ← g + μ·v, u = v; with <paramref name="nesterov"/>,
    /// u = g + μ·v (the look-ahead form of Nesterov 1983 as used by Sutskever et al. 2013). State v starts at 0.
    /// After a learning-rate stage this is heavy-ball SGD: θ ← θ − α(g + μ v).
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">μ is outside [0, 1).</exception>
    let trace (decay: float) (nesterov: bool) : Optimizer<'T, Parameters<'T>> =
        inRange (nameof decay) decay
        withTree (fun p -> p.ZerosLike()) (fun v step -> UpdateRules.Trace(read step.Updates, read v, decay, nesterov, span v, span step.Updates))

    /// <summary>
    /// AdaGrad scaling (Duchi, Hazan and Singer 2011, diagonal form): s ← s + g², u = g / (√s + ε), elementwise,
    /// with s starting at <paramref name="initial"/>. A coordinate that has only seen zero gradients gets u = 0.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">The initial accumulator or ε is negative or not finite.</exception>
    let scaleByRss (initial: float) (epsilon: float) : Optimizer<'T, Parameters<'T>> =
        nonNegative (nameof initial) initial
        nonNegative (nameof epsilon) epsilon
        withTree (fun p -> p.FullLike initial) (fun s step -> UpdateRules.SumOfSquares(read step.Updates, read s, epsilon, span s, span step.Updates))

    /// <summary>
    /// RMSProp scaling (Tieleman and Hinton 2012, lecture 6.5): v ← ρ·v + (1 − ρ)·g², u = g / (√v + ε),
    /// elementwise, v starting at 0 (u = 0 where g = 0).
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">ρ is outside [0, 1), or ε is negative or not finite.</exception>
    let scaleByRms (decay: float) (epsilon: float) : Optimizer<'T, Parameters<'T>> =
        inRange (nameof decay) decay
        nonNegative (nameof epsilon) epsilon
        withTree (fun p -> p.ZerosLike()) (fun v step -> UpdateRules.RootMeanSquare(read step.Updates, read v, decay, epsilon, span v, span step.Updates))

    /// Adam's working state: the update count and both moments, flat.
    type private AdamMoments<'T> = {
        mutable Count: int
        First: 'T[]
        Second: 'T[]
    }

    /// <summary>
    /// Adam's bias-corrected moments (Kingma and Ba 2015, Algorithm 1): with t the update number from 1,
    /// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², u = (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
    /// The state is (t, m, v), starting at (0, 0, 0).
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">β₁ or β₂ is outside [0, 1), or ε is negative or not finite.</exception>
    let scaleByAdam (beta1: float) (beta2: float) (epsilon: float) : Optimizer<'T, int * Parameters<'T> * Parameters<'T>> =
        inRange (nameof beta1) beta1
        inRange (nameof beta2) beta2
        nonNegative (nameof epsilon) epsilon

        Optimizer.ofFused (fun p -> 0, p.ZerosLike(), p.ZerosLike()) {
            Thaw =
                fun (t, m, v) ->
                    box {
                        Count = t
                        First = m.ToArray()
                        Second = v.ToArray()
                    }
            Apply =
                fun working step ->
                    let w = unbox<AdamMoments<'T>> working
                    w.Count <- w.Count + 1
                    let g = step.Updates
                    UpdateRules.Adam(read g, read w.First, read w.Second, beta1, beta2, epsilon, w.Count, span w.First, span w.Second, span g)
            Freeze =
                fun working theta ->
                    let w = unbox<AdamMoments<'T>> working
                    w.Count, theta.FromArray(ReadOnlySpan w.First), theta.FromArray(ReadOnlySpan w.Second)
        }

    /// <summary>
    /// u = g + λ·θ. Placed after an adaptive scaling and before the learning-rate stage this is decoupled weight
    /// decay (Loshchilov and Hutter 2019): θ ← θ − α(û + λθ), the decay untouched by Adam's per-coordinate scaling.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    let addDecayedWeights (weightDecay: float) : Optimizer<'T, unit> =
        nonNegative (nameof weightDecay) weightDecay
        stateless (fun step -> UpdateRules.AddScaled(read step.Updates, weightDecay, read step.Parameters, span step.Updates))

    /// <summary>
    /// An L2 penalty ½λ‖θ‖² added to the cost: g ← g + λ·θ. The same sum as <c>addDecayedWeights</c>, but placed
    /// <em>first</em> in a chain, so adaptive stages (AdaGrad, RMSProp, Adam) rescale the penalty along with the
    /// gradient — which is why it differs from decoupled decay for those optimizers.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    let addL2Penalty (lambda: float) : Optimizer<'T, unit> =
        nonNegative (nameof lambda) lambda
        stateless (fun step -> UpdateRules.AddScaled(read step.Updates, lambda, read step.Parameters, span step.Updates))

    /// <summary>
    /// Clipping by global norm (Pascanu et al. 2013): u = g · min(1, c / ‖g‖₂), the norm taken over the whole tree,
    /// so the direction is kept. A NaN norm leaves g unchanged (NaN reaches the parameters and is reported as
    /// divergence rather than hidden).
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">c is not positive and finite.</exception>
    let clipByGlobalNorm (maxNorm: float) : Optimizer<'T, unit> =
        if not (Double.IsFinite maxNorm && maxNorm > 0.0) then
            raise (ArgumentOutOfRangeException(nameof maxNorm, maxNorm, $"maxNorm must be positive and finite but is {maxNorm}."))

        stateless (fun step ->
            let norm = Double.CreateTruncating(step.UpdateNorm())

            if norm > maxNorm then
                step.Scale(maxNorm / norm))

/// <summary>
/// The named optimizers, each a short recipe of <c>Transform</c> stages ending in the learning-rate stage. Recipes
/// take the learning rate last, as a <c>Schedule</c> (<c>Schedules.constant 1e-3</c> for a fixed rate), so
/// <c>Optimizers.momentum 0.9</c> is a <c>Schedule -> Optimizer</c>. Every recipe is fused.
/// </summary>
[<RequireQualifiedAccess>]
module Optimizers =

    /// <summary>Stochastic gradient descent: θ ← θ − α(t)·g.</summary>
    let sgd (learningRate: Schedule) : Optimizer<'T, int> =
        Transform.scaleByLearningRate learningRate

    /// <summary>Heavy-ball momentum (Polyak 1964): v ← g + μv, θ ← θ − α(t)·v.</summary>
    let momentum (decay: float) (learningRate: Schedule) =
        Transform.trace decay false >-> Transform.scaleByLearningRate learningRate

    /// <summary>Nesterov momentum (Nesterov 1983; Sutskever et al. 2013): v ← g + μv, θ ← θ − α(t)·(g + μv).</summary>
    let nesterov (decay: float) (learningRate: Schedule) =
        Transform.trace decay true >-> Transform.scaleByLearningRate learningRate

    /// <summary>AdaGrad (Duchi et al. 2011): s ← s + g², θ ← θ − α(t)·g / (√s + 1e-10), s starting at 0.</summary>
    let adagrad (learningRate: Schedule) =
        Transform.scaleByRss 0.0 1e-10 >-> Transform.scaleByLearningRate learningRate

    /// <summary>RMSProp (Tieleman and Hinton 2012): v ← ρv + (1 − ρ)g², θ ← θ − α(t)·g / (√v + 1e-8).</summary>
    let rmsprop (decay: float) (learningRate: Schedule) =
        Transform.scaleByRms decay 1e-8 >-> Transform.scaleByLearningRate learningRate

    /// <summary>Adam (Kingma and Ba 2015) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8: θ ← θ − α(t)·m̂ / (√v̂ + ε).</summary>
    let adam (learningRate: Schedule) =
        Transform.scaleByAdam 0.9 0.999 1e-8
        >-> Transform.scaleByLearningRate learningRate

    /// <summary>
    /// AdamW (Loshchilov and Hutter 2019): Adam's step plus decoupled weight decay, θ ← θ − α(t)·(m̂ / (√v̂ + ε) + λθ),
    /// with β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (the decay is multiplied by α(t), as in optax and PyTorch).
    /// </summary>
    let adamw (weightDecay: float) (learningRate: Schedule) =
        Transform.scaleByAdam 0.9 0.999 1e-8
        >-> Transform.addDecayedWeights weightDecay
        >-> Transform.scaleByLearningRate learningRate
