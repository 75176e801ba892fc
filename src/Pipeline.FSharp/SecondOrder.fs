namespace Nn.Pipeline

open System
open System.Numerics
open MathNet.Numerics.LinearAlgebra
open Nn.Layers

/// <summary>The curvature a Newton-type stage models J with.</summary>
type CurvatureModel =
    /// The exact Hessian H = ∇²J (Pearlmutter 1994); may be indefinite away from a minimum.
    | ExactHessian
    /// The generalised Gauss–Newton matrix G (Schraudolph 2002); positive semi-definite.
    | GaussNewton

/// <summary>
/// What the second-order stages (<c>DampedNewton</c>, <c>HessianFree</c>, <c>LevenbergMarquardt</c>, <c>Lbfgs</c>)
/// share: they compute in float64 whatever the training precision — a float32 run's θ, gradient and curvature
/// products are widened exactly, and the step is rounded back once — and they accept a step only when it lowers J on
/// the batch (or return a zero update at a point stationary to working precision): never an uphill step.
/// </summary>
[<RequireQualifiedAccess>]
module SecondOrder =

    /// <summary>
    /// True when a model decrease is below 4ε·max(|J|, 1) (ε = 2⁻⁵²). The losses are sums of terms of order one (a nat
    /// of cross-entropy, a squared residual of unit-scale targets), each evaluated with an absolute rounding error of
    /// order ε, so such a decrease cannot be told from rounding: θ is stationary to working precision.
    /// </summary>
    let negligible (predicted: float) (value: float) =
        predicted <= 4.0 * (Math.BitIncrement 1.0 - 1.0) * max (abs value) 1.0

    /// <summary>Throws unless <paramref name="v"/> is positive and finite.</summary>
    let positive name (v: float) =
        if not (Double.IsFinite v && v > 0.0) then
            raise (ArgumentOutOfRangeException(name, v, $"{name} must be positive and finite but is {v}."))

    /// <summary>Checks J(θ) and ∇J(θ) before a stage uses them.</summary>
    let checkPoint (context: Context<float>) =
        if not (Double.IsFinite context.Loss) then
            Error(NonFiniteValue(context.Loss, "the loss at the current parameters is not finite"))
        elif not (context.Gradient.IsFinite()) then
            Error(NonFiniteValue(context.Loss, "the gradient at the current parameters is not finite"))
        else
            Ok()

    /// <summary>The dense curvature matrix, symmetrised ((B + Bᵀ)/2 removes rounding asymmetry before Cholesky).</summary>
    let denseCurvature (model: CurvatureModel) (context: Context<float>) =
        let b =
            match model with
            | ExactHessian -> context.Hessian()
            | GaussNewton -> context.GaussNewton()

        let s = (b + b.Transpose()) * 0.5

        if s.Enumerate() |> Seq.forall Double.IsFinite then
            Ok s
        else
            Error(NonFiniteValue(context.Loss, "the curvature matrix at the current parameters is not finite"))

    /// <summary>d = −(B + λ·diag(D))⁻¹ g by Cholesky, or None when B + λD is not numerically positive definite.</summary>
    let solveDamped (b: Matrix<float>) (scaling: float[]) (lambda: float) (g: Vector<float>) : Vector<float> option =
        let a = b.Clone()

        for i in 0 .. a.RowCount - 1 do
            a[i, i] <- a[i, i] + lambda * scaling[i]

        try
            let d = -(a.Cholesky().Solve g)
            if d |> Seq.forall Double.IsFinite then Some d else None
        with :? ArgumentException ->
            // MathNet signals a non-positive pivot this way.
            None

    // The context of a run in precision 'T seen in float64: trees widened, products and costs evaluated in 'T.
    let private widen (context: Context<'T>) : Context<float> =
        match box context with
        | :? Context<float> as same -> same
        | _ ->
            let narrow (p: Parameters<float>) = p.Convert<'T>()
            let wide (p: Parameters<'T>) = p.Convert<float>()

            {
                Parameters = wide context.Parameters
                Step = context.Step
                Loss = context.Loss
                Gradient = wide context.Gradient
                Cost = narrow >> context.Cost
                HessianVector = narrow >> context.HessianVector >> wide
                GaussNewtonVector = narrow >> context.GaussNewtonVector >> wide
                Hessian = fun () -> Nn.LinearAlgebra.Dense.Convert<'T, float>(context.Hessian())
                GaussNewton = fun () -> Nn.LinearAlgebra.Dense.Convert<'T, float>(context.GaussNewton())
            }

    /// <summary>
    /// A second-order stage from its float64 step: the stage reads the gradient from the context (it ignores the
    /// incoming updates, so it belongs first in a chain; first-order stages may follow it, clipping a Newton step, say)
    /// and has no fused form. Its state must not depend on 'T (scalars, or float64 trees).
    /// </summary>
    let stage (init: Parameters<float> -> 'State) (step: Context<float> -> 'State -> Result<Parameters<float> * 'State, StepFailure>) : Optimizer<'T, 'State> = {
        Init = fun p -> init (p.Convert<float>())
        Update =
            fun _ state context ->
                step (widen context) state
                |> Result.map (fun (u, s) ->
                    (match box u with
                     | :? Parameters<'T> as same -> same
                     | _ -> u.Convert<'T>()),
                    s)
        Fused = None
        LearningRate = None
    }
