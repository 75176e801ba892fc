namespace Nn.Pipeline

open System
open Nn.Layers

/// <summary>
/// A learning-rate schedule: the rate α(t) for update number t = 0, 1, 2, … (the count of updates already
/// applied). A plain function, so <c>fun _ -> 0.1</c> is a schedule too.
/// </summary>
type Schedule = int -> float

/// <summary>
/// Learning-rate schedules. Each validates its arguments once, when built, and then is a pure function of t.
/// A negative t is treated as 0.
/// </summary>
[<RequireQualifiedAccess>]
module Schedules =

    let private positive name (v: float) =
        if not (Double.IsFinite v && v > 0.0) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be positive and finite but is {v}."))

    let private positiveSteps name (v: int) =
        if v <= 0 then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be positive but is {v}."))

    /// <summary>α(t) = α.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α is not positive and finite.</exception>
    let constant (rate: float) : Schedule =
        positive (nameof rate) rate
        fun _ -> rate

    /// <summary>Step decay: α(t) = α · γ^⌊t / k⌋, the rate multiplied by γ every k updates.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α or γ is not positive and finite, or k is not positive.</exception>
    let step (rate: float) (factor: float) (every: int) : Schedule =
        positive (nameof rate) rate
        positive (nameof factor) factor
        positiveSteps (nameof every) every
        fun t -> rate * factor ** float (max t 0 / every)

    /// <summary>Exponential decay: α(t) = α · γ^(t / k), smooth (γ per k updates).</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α or γ is not positive and finite, or k is not positive.</exception>
    let exponential (rate: float) (factor: float) (every: int) : Schedule =
        positive (nameof rate) rate
        positive (nameof factor) factor
        positiveSteps (nameof every) every
        fun t -> rate * factor ** (float (max t 0) / float every)

    /// <summary>
    /// Cosine decay (Loshchilov and Hutter 2017, SGDR, without restarts): for t ≤ T,
    /// α(t) = α_min + (α − α_min) · ½(1 + cos(π t / T)), and α_min after T, with α_min = floor · α.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">α is not positive and finite, T is not positive, or floor is outside [0, 1].</exception>
    let cosine (rate: float) (steps: int) (floor: float) : Schedule =
        positive (nameof rate) rate
        positiveSteps (nameof steps) steps

        if not (floor >= 0.0 && floor <= 1.0) then
            raise (ArgumentOutOfRangeException(nameof floor, floor, $"floor must be in [0, 1] but is {floor}."))

        fun t ->
            let progress = float (min (max t 0) steps) / float steps
            rate * (floor + (1.0 - floor) * 0.5 * (1.0 + Math.Cos(Math.PI * progress)))

    /// <summary>
    /// Linear warm-up (Goyal et al. 2017): α(t) = after(0) · (t + 1) / W for t &lt; W, then after(t − W), so the rate
    /// climbs from after(0)/W to after(0) over W updates and the wrapped schedule starts afresh.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">W is not positive.</exception>
    let warmup (steps: int) (after: Schedule) : Schedule =
        positiveSteps (nameof steps) steps

        fun t ->
            let t = max t 0

            if t < steps then
                after 0 * float (t + 1) / float steps
            else
                after (t - steps)

/// <summary>
/// An optimizer, or one stage of one, in the style of optax's gradient transformations: two pure functions with the
/// state passed in and returned. <c>Init θ</c> gives the initial state; <c>Update g s θ</c> maps gradients g (the
/// shape of θ) to updates u and the next state. Updates are always <em>added</em> to the parameters,
/// θ ← θ + u, so only a learning-rate stage flips the sign.
/// </summary>
/// <remarks>
/// Float64 only: the pipeline trains <c>Network&lt;float&gt;</c>. Stages never mutate their inputs; every tree they
/// return is new. NaN in a gradient propagates to the updates (the training loop reports it as divergence).
/// </remarks>
type Optimizer<'State> = {
    /// The initial state for parameters θ.
    Init: Parameters<float> -> 'State
    /// Gradients → state → parameters → (updates, next state).
    Update: Parameters<float> -> 'State -> Parameters<float> -> Parameters<float> * 'State
}

/// <summary>
/// Elementary gradient transformations. Each maps the incoming updates u (gradients, for the first stage) to new
/// ones; the formulas below use g for the incoming values and θ for the parameters.
/// </summary>
[<RequireQualifiedAccess>]
module Transform =

    let private map (f: float -> float) (p: Parameters<float>) =
        p.Map(
            SpanMap<float>(fun x r ->
                for i in 0 .. r.Length - 1 do
                    r[i] <- f x[i])
        )

    let private map2 (f: float -> float -> float) (p: Parameters<float>) (q: Parameters<float>) =
        p.Map2(
            q,
            SpanMap2<float>(fun x y r ->
                for i in 0 .. r.Length - 1 do
                    r[i] <- f x[i] y[i])
        )

    let private map3 (f: float -> float -> float -> float) (p: Parameters<float>) (q: Parameters<float>) (s: Parameters<float>) =
        p.Map3(
            q,
            s,
            SpanMap3<float>(fun x y z r ->
                for i in 0 .. r.Length - 1 do
                    r[i] <- f x[i] y[i] z[i])
        )

    let private finite name (v: float) =
        if not (Double.IsFinite v) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be finite but is {v}."))

    let private inRange name (v: float) =
        if not (v >= 0.0 && v < 1.0) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be in [0, 1) but is {v}."))

    let private nonNegative name (v: float) =
        if not (Double.IsFinite v && v >= 0.0) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be non-negative and finite but is {v}."))

    /// <summary>u = g. The neutral stage of <c>chain</c>; its state is unit.</summary>
    let identity: Optimizer<unit> = {
        Init = ignore
        Update = fun g () _ -> g, ()
    }

    /// <summary>u = c · g for a fixed finite factor c.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">c is not finite.</exception>
    let scale (factor: float) : Optimizer<unit> =
        finite (nameof factor) factor

        {
            Init = ignore
            Update = fun g () _ -> g.Scale factor, ()
        }

    /// <summary>u = s(t) · g, where t counts the updates made so far (the state, starting at 0).</summary>
    let scaleBySchedule (schedule: Schedule) : Optimizer<int> = {
        Init = fun _ -> 0
        Update = fun g t _ -> g.Scale(schedule t), t + 1
    }

    /// <summary>
    /// u = −α(t) · g: the learning-rate stage, the only one that flips the sign, so that adding u to θ descends
    /// (lecture 001: θ ← θ − α ∇J). The state counts updates.
    /// </summary>
    let scaleByLearningRate (learningRate: Schedule) : Optimizer<int> =
        scaleBySchedule (fun t -> -(learningRate t))

    /// <summary>
    /// Momentum as a trace (optax <c>trace</c>): v ← g + μ·v, u = v; with <paramref name="nesterov"/>,
    /// u = g + μ·v (the look-ahead form of Nesterov 1983 as used by Sutskever et al. 2013). State v starts at 0.
    /// After a learning-rate stage this is heavy-ball SGD: θ ← θ − α(g + μ v).
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">μ is outside [0, 1).</exception>
    let trace (decay: float) (nesterov: bool) : Optimizer<Parameters<float>> =
        inRange (nameof decay) decay

        {
            Init = fun p -> p.ZerosLike()
            Update =
                fun g v _ ->
                    let v = g.AddScaled(decay, v)
                    (if nesterov then g.AddScaled(decay, v) else v), v
        }

    /// <summary>
    /// AdaGrad scaling (Duchi, Hazan and Singer 2011, diagonal form): s ← s + g², u = g / (√s + ε), elementwise,
    /// with s starting at <paramref name="initial"/>. A coordinate that has only seen zero gradients gets u = 0.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">The initial accumulator or ε is negative or not finite.</exception>
    let scaleByRss (initial: float) (epsilon: float) : Optimizer<Parameters<float>> =
        nonNegative (nameof initial) initial
        nonNegative (nameof epsilon) epsilon

        {
            Init = fun p -> map (fun _ -> initial) p
            Update =
                fun g s _ ->
                    let s = map2 (fun s g -> s + g * g) s g
                    map2 (fun g s -> if g = 0.0 then 0.0 else g / (sqrt s + epsilon)) g s, s
        }

    /// <summary>
    /// RMSProp scaling (Tieleman and Hinton 2012, lecture 6.5): v ← ρ·v + (1 − ρ)·g², u = g / (√v + ε),
    /// elementwise, v starting at 0.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">ρ is outside [0, 1), or ε is negative or not finite.</exception>
    let scaleByRms (decay: float) (epsilon: float) : Optimizer<Parameters<float>> =
        inRange (nameof decay) decay
        nonNegative (nameof epsilon) epsilon

        {
            Init = fun p -> p.ZerosLike()
            Update =
                fun g v _ ->
                    let v = map2 (fun v g -> decay * v + (1.0 - decay) * g * g) v g
                    map2 (fun g v -> if g = 0.0 then 0.0 else g / (sqrt v + epsilon)) g v, v
        }

    /// <summary>
    /// Adam's bias-corrected moments (Kingma and Ba 2015, Algorithm 1): with t the update number from 1,
    /// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), u = m̂ / (√v̂ + ε).
    /// The state is (t, m, v), starting at (0, 0, 0).
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">β₁ or β₂ is outside [0, 1), or ε is negative or not finite.</exception>
    let scaleByAdam (beta1: float) (beta2: float) (epsilon: float) : Optimizer<int * Parameters<float> * Parameters<float>> =
        inRange (nameof beta1) beta1
        inRange (nameof beta2) beta2
        nonNegative (nameof epsilon) epsilon

        {
            Init = fun p -> 0, p.ZerosLike(), p.ZerosLike()
            Update =
                fun g (t, m, v) _ ->
                    let t = t + 1
                    let m = map2 (fun m g -> beta1 * m + (1.0 - beta1) * g) m g
                    let v = map2 (fun v g -> beta2 * v + (1.0 - beta2) * g * g) v g
                    let c1, c2 = 1.0 - beta1 ** float t, 1.0 - beta2 ** float t
                    map2 (fun m v -> (m / c1) / (sqrt (v / c2) + epsilon)) m v, (t, m, v)
        }

    /// <summary>
    /// u = g + λ·θ. Placed after an adaptive scaling and before the learning-rate stage this is decoupled weight
    /// decay (Loshchilov and Hutter 2019): θ ← θ − α(û + λθ), the decay untouched by Adam's per-coordinate scaling.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    let addDecayedWeights (weightDecay: float) : Optimizer<unit> =
        nonNegative (nameof weightDecay) weightDecay

        {
            Init = ignore
            Update = fun g () theta -> g.AddScaled(weightDecay, theta), ()
        }

    /// <summary>
    /// An L2 penalty ½λ‖θ‖² added to the cost: g ← g + λ·θ. The same sum as <c>addDecayedWeights</c>, but placed
    /// <em>first</em> in a chain, so adaptive stages (AdaGrad, RMSProp, Adam) rescale the penalty along with the
    /// gradient — which is why it differs from decoupled decay for those optimizers.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    let addL2Penalty (lambda: float) : Optimizer<unit> =
        nonNegative (nameof lambda) lambda

        {
            Init = ignore
            Update = fun g () theta -> g.AddScaled(lambda, theta), ()
        }

    /// <summary>
    /// Clipping by global norm (Pascanu et al. 2013): u = g · min(1, c / ‖g‖₂), the norm taken over the whole tree,
    /// so the direction is kept. A NaN norm leaves g unchanged (NaN reaches the parameters and is reported as
    /// divergence rather than hidden).
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">c is not positive and finite.</exception>
    let clipByGlobalNorm (maxNorm: float) : Optimizer<unit> =
        if not (Double.IsFinite maxNorm && maxNorm > 0.0) then
            raise (ArgumentOutOfRangeException(nameof maxNorm, maxNorm, $"maxNorm must be positive and finite but is {maxNorm}."))

        {
            Init = ignore
            Update =
                fun g () _ ->
                    let norm = g.Norm()
                    (if norm > maxNorm then g.Scale(maxNorm / norm) else g), ()
        }

/// <summary>The chaining operator, opened with the <c>Nn.Pipeline</c> namespace.</summary>
[<AutoOpen>]
module Chaining =

    /// <summary>
    /// Runs <paramref name="first"/>, then feeds its updates to <paramref name="second"/> (optax <c>chain</c>):
    /// <c>Transform.scaleByAdam 0.9 0.999 1e-8 >-> Transform.scaleByLearningRate lr</c>. The state is the pair of
    /// both states, so the composition stays fully typed; the operator is left-associative, so
    /// <c>a >-> b >-> c</c> has state <c>('A * 'B) * 'C</c>.
    /// </summary>
    let (>->) (first: Optimizer<'A>) (second: Optimizer<'B>) : Optimizer<'A * 'B> = {
        Init = fun p -> first.Init p, second.Init p
        Update =
            fun g (a, b) p ->
                let u, a = first.Update g a p
                let u, b = second.Update u b p
                u, (a, b)
    }

/// <summary>
/// Composition of gradient transformations and the named optimizers, each a short recipe of <c>Transform</c>
/// stages ending in the learning-rate stage. Recipes take the learning rate last, as a <c>Schedule</c>
/// (<c>Schedules.constant 1e-3</c> for a fixed rate), so <c>Optimizers.momentum 0.9</c> is a
/// <c>Schedule -> Optimizer</c> ready for a training configuration.
/// </summary>
[<RequireQualifiedAccess>]
module Optimizers =

    /// <summary>The prefix form of <c>>-></c>: <paramref name="first"/>, then <paramref name="second"/>.</summary>
    let chain (first: Optimizer<'A>) (second: Optimizer<'B>) : Optimizer<'A * 'B> = first >-> second

    /// <summary>
    /// The same optimizer with its state boxed, for holding optimizers of different state types in one list or
    /// passing them across a language boundary. <c>Update</c> throws <c>InvalidCastException</c> when given a
    /// state that another optimizer created.
    /// </summary>
    let erase (optimizer: Optimizer<'S>) : Optimizer<objnull> = {
        Init = fun p -> box (optimizer.Init p)
        Update =
            fun g s p ->
                let u, s = optimizer.Update g (unbox<'S> s) p
                u, box s
    }

    /// <summary>Chains any number of erased stages in order; the state is the list of their states.</summary>
    let chainAll (stages: Optimizer<objnull> list) : Optimizer<objnull> = {
        Init = fun p -> stages |> List.map (fun s -> s.Init p) |> box
        Update =
            fun g state p ->
                let states = unbox<objnull list> state

                if List.length states <> List.length stages then
                    invalidArg (nameof state) $"The state holds {List.length states} stages but the chain has {List.length stages}."

                let step (u, acc) (stage: Optimizer<objnull>, s) =
                    let u, s = stage.Update u s p
                    u, s :: acc

                let u, reversed = List.fold step (g, []) (List.zip stages states)
                u, box (List.rev reversed)
    }

    /// <summary>Stochastic gradient descent: θ ← θ − α(t)·g.</summary>
    let sgd (learningRate: Schedule) =
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
