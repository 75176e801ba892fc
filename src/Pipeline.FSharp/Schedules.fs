namespace Nn.Pipeline

open System


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
