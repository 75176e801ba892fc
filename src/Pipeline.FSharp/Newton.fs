/// Newton's method in one dimension, for roots and for minimisation, as functions returning Result.
/// Root finding iterates x ← x − f(x)/f′(x); minimising g iterates x ← x − g′(x)/g″(x) (lecture notes 003).
/// The iteration itself is Nn.Newton.NewtonMethod of the core; this module gives it an F# face where
/// the expected failures are cases of a discriminated union.
module Nn.Pipeline.Newton

open Nn.Newton

/// A converged run: every iterate x₀ … xₙ with the residual f(xₖ) (g′ when minimising) and slope f′(xₖ) (g″).
type NewtonTrace = {
    /// The iterates in order; the last one is the solution.
    Iterates: NewtonIterate list
    /// The solution xₙ.
    Solution: float
    /// The number of Newton steps taken, n.
    Steps: int
}

/// Why a Newton run failed. Every case carries the trace up to the point of failure.
type NewtonError =
    /// f′(x) = 0 at this iterate, so no Newton step exists.
    | ZeroDerivative of x: float * trace: NewtonIterate list
    /// Iterate number `iteration` (or f, f′ there) is NaN or infinite.
    | NonFiniteIterate of iteration: int * trace: NewtonIterate list
    /// No stopping test held after this many steps.
    | NoConvergence of steps: int * trace: NewtonIterate list

/// The default stopping rules: |step| ≤ 1e-10, at most 100 steps.
let defaults: NewtonOptions = NewtonOptions.Default

let private toResult (r: NewtonResult) : Result<NewtonTrace, NewtonError> =
    let iterates = List.ofSeq r.Trace

    match r.Outcome with
    | NewtonOutcome.Converged ->
        Ok {
            Iterates = iterates
            Solution = r.X
            Steps = r.Iterations
        }
    | NewtonOutcome.ZeroDerivative -> Error(ZeroDerivative(r.X, iterates))
    | NewtonOutcome.NonFiniteIterate -> Error(NonFiniteIterate(r.Iterations, iterates))
    | NewtonOutcome.NoConvergence -> Error(NoConvergence(r.Iterations, iterates))
    | other -> invalidOp $"Unknown Newton outcome {other}."

/// Finds a root of f from x0, given its derivative f′.
/// NaN or infinity in an iterate or value gives NonFiniteIterate.
/// Throws ArgumentNullException for a null function and ArgumentException when both tolerances of options are off.
let root (options: NewtonOptions) (f: float -> float) (derivative: float -> float) (x0: float) : Result<NewtonTrace, NewtonError> =
    NewtonMethod.Root(System.Func<_, _> f, System.Func<_, _> derivative, x0, options)
    |> toResult

/// Finds a root of f from x0, f′ estimated by central differences with step ε^(1/3)·max(1, |x|).
/// Same failures and exceptions as `root`.
let rootNumeric (options: NewtonOptions) (f: float -> float) (x0: float) : Result<NewtonTrace, NewtonError> =
    NewtonMethod.Root(System.Func<_, _> f, x0, options) |> toResult

/// Finds a stationary point of g from x0, given g′ and g″; it is a minimum when the last slope (g″) is positive.
/// Same failures and exceptions as `root`; the residual test applies to |g′|.
let minimize (options: NewtonOptions) (gradient: float -> float) (curvature: float -> float) (x0: float) : Result<NewtonTrace, NewtonError> =
    NewtonMethod.Minimize(System.Func<_, _> gradient, System.Func<_, _> curvature, x0, options)
    |> toResult

/// Finds a stationary point of g from x0, with g′ (step ε^(1/3)·max(1, |x|)) and g″ (step ε^(1/4)·max(1, |x|))
/// estimated by central differences. Same failures and exceptions as `minimize`.
let minimizeNumeric (options: NewtonOptions) (g: float -> float) (x0: float) : Result<NewtonTrace, NewtonError> =
    NewtonMethod.Minimize(System.Func<_, _> g, x0, options) |> toResult
