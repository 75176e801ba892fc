module Nn.Tests.OptimizerTests

open FsCheck.FSharp
open Nn.Layers
open Nn.Pipeline
open Nn.Tests.Support
open Xunit

let private constant = Schedules.constant

/// f(x, y) = ½(x − 3)² + 5(y + 2)², minimum at (3, −2), Hessian diag(1, 10).
let private quadraticGradient (p: Parameters<float>) =
    let a = p.ToArray()
    point (a[0] - 3.0) (10.0 * (a[1] + 2.0))

/// Rosenbrock f(x, y) = (1 − x)² + 100(y − x²)², minimum at (1, 1).
let private rosenbrockGradient (p: Parameters<float>) =
    let a = p.ToArray()
    let x, y = a[0], a[1]
    point (-2.0 * (1.0 - x) - 400.0 * x * (y - x * x)) (200.0 * (y - x * x))

let private minimise (optimizer: Optimizer<float, objnull>) gradient steps (start: Parameters<float>) =
    let rec go n (theta: Parameters<float>) state =
        if n = steps then
            theta
        else
            let u, state = update optimizer (gradient theta) state theta n
            go (n + 1) (theta.Add u) state

    (go 0 start (optimizer.Init start)).ToArray()

/// Each named optimizer with settings for the quadratic and for Rosenbrock.
let private named name : Optimizer<float, objnull> * Optimizer<float, objnull> =
    let e = Optimizer.erase

    match name with
    | "sgd" -> e (Optimizers.sgd (constant 0.1)), e (Optimizers.sgd (constant 1e-3))
    | "momentum" -> e (Optimizers.momentum 0.9 (constant 0.01)), e (Optimizers.momentum 0.9 (constant 1e-4))
    | "nesterov" -> e (Optimizers.nesterov 0.9 (constant 0.01)), e (Optimizers.nesterov 0.9 (constant 1e-4))
    | "adagrad" -> e (Optimizers.adagrad (constant 0.5)), e (Optimizers.adagrad (constant 0.5))
    | "rmsprop" ->
        // RMSProp's steps have size ≈ α near the optimum, so α decays to let it settle.
        e (Optimizers.rmsprop 0.9 (Schedules.exponential 1e-2 0.5 2000)), e (Optimizers.rmsprop 0.9 (Schedules.exponential 1e-2 0.5 2000))
    | "adam" -> e (Optimizers.adam (constant 1e-2)), e (Optimizers.adam (constant 1e-2))
    | "adamw" -> e (Optimizers.adamw 1e-4 (constant 1e-2)), e (Optimizers.adamw 1e-4 (constant 1e-2))
    | _ -> failwith $"unknown optimizer {name}"

[<Theory>]
[<InlineData("sgd"); InlineData("momentum"); InlineData("nesterov"); InlineData("adagrad"); InlineData("rmsprop"); InlineData("adam")>]
let ``every named optimizer converges on a convex quadratic`` (name: string) =
    let optimizer, _ = named name
    let theta = minimise optimizer quadraticGradient 5000 (point 0.0 0.0)
    Assert.InRange(abs (theta[0] - 3.0), 0.0, 1e-6)
    Assert.InRange(abs (theta[1] + 2.0), 0.0, 1e-6)

[<Fact>]
let ``adamw converges on a convex quadratic to within its weight decay's pull towards zero`` () =
    // Decoupled decay moves the fixed point to where m̂/(√v̂ + ε) = −λθ; with λ = 1e-4 that is within 1e-3 of (3, −2).
    let optimizer, _ = named "adamw"
    let theta = minimise optimizer quadraticGradient 5000 (point 0.0 0.0)
    Assert.InRange(abs (theta[0] - 3.0), 0.0, 1e-3)
    Assert.InRange(abs (theta[1] + 2.0), 0.0, 1e-3)

[<Theory>]
[<InlineData("sgd"); InlineData("momentum"); InlineData("nesterov"); InlineData("adagrad"); InlineData("rmsprop"); InlineData("adam"); InlineData("adamw")>]
let ``every named optimizer converges on Rosenbrock from (-1.2, 1)`` (name: string) =
    let _, optimizer = named name
    let theta = minimise optimizer rosenbrockGradient 20000 (point -1.2 1.0)
    Assert.InRange(abs (theta[0] - 1.0), 0.0, 1e-3)
    Assert.InRange(abs (theta[1] - 1.0), 0.0, 1e-3)

// Worked examples: two steps from θ₀ = (1, −2) with gradients g₁ = (0.5, −1) and g₂ = (0.1, 2), computed here from
// each paper's update rule, coordinate by coordinate, independently of the library's transforms.
let private theta0 = [| 1.0; -2.0 |]
let private g1 = [| 0.5; -1.0 |]
let private g2 = [| 0.1; 2.0 |]

let private library (optimizer: Optimizer<float, 'S>) =
    iterate optimizer (point theta0[0] theta0[1]) [ point g1[0] g1[1]; point g2[0] g2[1] ]
    |> List.map (fun p -> p.ToArray())

let private assertSteps (expected: float[] list) (actual: float[] list) =
    List.zip expected actual
    |> List.iter (fun (e: float[], a: float[]) ->
        Assert.Equal(e[0], a[0], 14)
        Assert.Equal(e[1], a[1], 14)
        Assert.Equal(0.0, a[2]))

[<Fact>]
let ``sgd matches theta minus alpha times the gradient on a worked example`` () =
    let alpha = 0.1
    let t1 = Array.map2 (fun t g -> t - alpha * g) theta0 g1
    let t2 = Array.map2 (fun t g -> t - alpha * g) t1 g2
    assertSteps [ theta0; t1; t2 ] (library (Optimizers.sgd (constant alpha)))
    Assert.Equal(0.95, t1[0], 15)

[<Fact>]
let ``momentum matches the heavy-ball update on a worked example`` () =
    let alpha, mu = 0.1, 0.9
    let v1 = g1
    let t1 = Array.map2 (fun t v -> t - alpha * v) theta0 v1
    let v2 = Array.map2 (fun g v -> g + mu * v) g2 v1
    let t2 = Array.map2 (fun t v -> t - alpha * v) t1 v2
    assertSteps [ theta0; t1; t2 ] (library (Optimizers.momentum mu (constant alpha)))

[<Fact>]
let ``nesterov matches Sutskever's look-ahead update at the look-ahead point on a worked example`` () =
    // Sutskever et al. 2013: V ← μV − α∇f(θ + μV), θ ← θ + V. The library keeps the look-ahead point φ = θ + μV
    // (Bengio et al. 2013's reformulation), so compare its parameters with φ. The gradients here do not depend on
    // the point, so ∇f(θₜ + μVₜ) = gₜ.
    let alpha, mu = 0.1, 0.9

    let step (theta: float[], velocity: float[]) (g: float[]) =
        let velocity = Array.map2 (fun v g -> mu * v - alpha * g) velocity g
        Array.map2 (+) theta velocity, velocity

    let s0 = theta0, [| 0.0; 0.0 |]
    let s1 = step s0 g1
    let s2 = step s1 g2

    let lookAhead (theta, velocity) =
        Array.map2 (fun t v -> t + mu * v) theta velocity

    assertSteps [ lookAhead s0; lookAhead s1; lookAhead s2 ] (library (Optimizers.nesterov mu (constant alpha)))

[<Fact>]
let ``adagrad matches Duchi et al.'s diagonal update on a worked example`` () =
    let alpha, eps = 0.1, 1e-10
    let s1 = Array.map (fun g -> g * g) g1
    let t1 = Array.map3 (fun t g s -> t - alpha * g / (sqrt s + eps)) theta0 g1 s1
    let s2 = Array.map2 (fun s g -> s + g * g) s1 g2
    let t2 = Array.map3 (fun t g s -> t - alpha * g / (sqrt s + eps)) t1 g2 s2
    assertSteps [ theta0; t1; t2 ] (library (Optimizers.adagrad (constant alpha)))
    // The first step has size α in every coordinate: g / |g|.
    Assert.Equal(0.9, t1[0], 9)

[<Fact>]
let ``rmsprop matches Tieleman and Hinton's update on a worked example`` () =
    let alpha, rho, eps = 0.01, 0.9, 1e-8
    let v1 = Array.map (fun g -> (1.0 - rho) * g * g) g1
    let t1 = Array.map3 (fun t g v -> t - alpha * g / (sqrt v + eps)) theta0 g1 v1
    let v2 = Array.map2 (fun v g -> rho * v + (1.0 - rho) * g * g) v1 g2
    let t2 = Array.map3 (fun t g v -> t - alpha * g / (sqrt v + eps)) t1 g2 v2
    assertSteps [ theta0; t1; t2 ] (library (Optimizers.rmsprop rho (constant alpha)))

let private adamSteps alpha lambda =
    // Kingma and Ba 2015, Algorithm 1, plus Loshchilov and Hutter 2019's decoupled decay −αλθ when λ > 0.
    let b1, b2, eps = 0.9, 0.999, 1e-8

    let step (theta: float[], m: float[], v: float[], t: int) (g: float[]) =
        let t = t + 1
        let m = Array.map2 (fun m g -> b1 * m + (1.0 - b1) * g) m g
        let v = Array.map2 (fun v g -> b2 * v + (1.0 - b2) * g * g) v g
        let mHat = m |> Array.map (fun m -> m / (1.0 - b1 ** float t))
        let vHat = v |> Array.map (fun v -> v / (1.0 - b2 ** float t))

        let theta =
            Array.init 2 (fun i -> theta[i] - alpha * (mHat[i] / (sqrt vHat[i] + eps) + lambda * theta[i]))

        theta, m, v, t

    let s0 = theta0, [| 0.0; 0.0 |], [| 0.0; 0.0 |], 0
    let s1 = step s0 g1
    let s2 = step s1 g2
    [ s0; s1; s2 ] |> List.map (fun (theta, _, _, _) -> theta)

[<Fact>]
let ``adam matches Kingma and Ba's bias-corrected update on a worked example`` () =
    let expected = adamSteps 0.1 0.0
    assertSteps expected (library (Optimizers.adam (constant 0.1)))
    // With bias correction the first step is α·sign(g) up to ε.
    Assert.Equal(0.9, expected[1][0], 7)

[<Fact>]
let ``adamw matches Adam plus decoupled weight decay on a worked example`` () =
    assertSteps (adamSteps 0.1 0.01) (library (Optimizers.adamw 0.01 (constant 0.1)))

[<Fact>]
let ``chaining the identity transform on either side changes nothing`` () =
    let gen = Gen.zip treeValues (Gen.listOfLength 4 treeValues)

    Prop.forAll (Arb.fromGen gen) (fun (theta, gradients) ->
        let run optimizer =
            iterate optimizer (tree theta) (List.map tree gradients)
            |> List.map (fun p -> p.ToArray())

        let adam = Optimizers.adam (constant 0.05)

        run adam = run (Transform.identity () >-> adam)
        && run adam = run (adam >-> Transform.identity ()))
    |> check 100

[<Fact>]
let ``chaining is associative in effect`` () =
    let gen = Gen.zip treeValues (Gen.listOfLength 4 treeValues)

    Prop.forAll (Arb.fromGen gen) (fun (theta, gradients) ->
        let run optimizer =
            iterate optimizer (tree theta) (List.map tree gradients)
            |> List.map (fun p -> p.ToArray())

        let a, b, c =
            Transform.clipByGlobalNorm 5.0, Transform.scaleByAdam 0.9 0.999 1e-8, Transform.scaleByLearningRate (constant 0.1)

        let erased =
            Optimizer.chainAll [ Optimizer.erase a; Optimizer.erase b; Optimizer.erase c ]

        run ((a >-> b) >-> c) = run (a >-> (b >-> c))
        && run (a >-> (b >-> c)) = run erased)
    |> check 100

[<Fact>]
let ``zero gradients leave plain sgd parameters exactly where they are`` () =
    Prop.forAll (Arb.fromGen treeValues) (fun theta ->
        let start = tree theta

        iterate (Optimizers.sgd (constant 0.5)) start (List.replicate 3 (start.ZerosLike()))
        |> List.forall (fun p -> p.ToArray() = theta))
    |> check 100

[<Fact>]
let ``only the learning-rate stage flips the sign of the update`` () =
    let g = point 2.0 -4.0

    let up, _ =
        update (Transform.scaleByAdam 0.9 0.999 1e-8) g (0, g.ZerosLike(), g.ZerosLike()) g 0

    let down, _ = update (Transform.scaleByLearningRate (constant 0.5)) g 0 g 0
    Assert.Equal<float>([| 1.0; -1.0; 0.0 |], up.ToArray() |> Array.map (fun v -> System.Math.Round(v, 7)))
    Assert.Equal<float>([| -1.0; 2.0; -0.0 |], down.ToArray())

[<Fact>]
let ``clipping by global norm rescales long gradients and keeps short ones`` () =
    let clip = Transform.clipByGlobalNorm 1.0
    let long, _ = update clip (point 3.0 4.0) () (point 0.0 0.0) 0
    let short, _ = update clip (point 0.3 0.4) () (point 0.0 0.0) 0
    Assert.Equal<float>([| 0.6; 0.8; 0.0 |], long.ToArray() |> Array.map (fun v -> System.Math.Round(v, 15)))
    Assert.Equal<float>([| 0.3; 0.4; 0.0 |], short.ToArray())

[<Fact>]
let ``an l2 penalty before adam differs from decoupled weight decay after it`` () =
    // Both add λθ, but before Adam's scaling it is normalised away with the gradient; after it, it is not.
    let theta, g = point 10.0 10.0, point 1.0 1.0
    let coupled = Transform.addL2Penalty 0.1 >-> Optimizers.adam (constant 0.1)
    let decoupled = Optimizers.adamw 0.1 (constant 0.1)

    let stepOf (o: Optimizer<float, 'S>) =
        (fst (update o g (o.Init theta) theta 0)).ToArray()[0]

    Assert.Equal(-0.1, stepOf coupled, 7)
    Assert.Equal(-0.1 * (1.0 + 0.1 * 10.0), stepOf decoupled, 7)

[<Fact>]
let ``schedules follow their formulas`` () =
    Assert.Equal(0.1, Schedules.constant 0.1 1000)
    Assert.Equal(0.1 * 0.5 * 0.5, Schedules.step 0.1 0.5 10 25, 15)
    Assert.Equal(0.1 * 0.5 ** 2.5, Schedules.exponential 0.1 0.5 10 25, 15)
    Assert.Equal(0.1, Schedules.cosine 0.1 100 0.0 0, 15)
    Assert.Equal(0.05, Schedules.cosine 0.1 100 0.0 50, 15)
    Assert.Equal(0.01, Schedules.cosine 0.1 100 0.1 100, 15)
    Assert.Equal(0.01, Schedules.cosine 0.1 100 0.1 500, 15)
    let warm = Schedules.warmup 4 (Schedules.constant 0.2)
    List.iteri (fun t expected -> Assert.Equal(expected, warm t, 15)) [ 0.05; 0.1; 0.15; 0.2; 0.2 ]
