module Nn.Tests.BatchingTests

open FsCheck.FSharp
open FsCheck.Xunit
open Nn.Initialization
open Nn.Pipeline
open Nn.Tests.Support
open Xunit

[<Property(Replay = Replay)>]
let ``a permutation holds every index exactly once`` () =
    Prop.forAll (Arb.zip (between 0 300, seeds -100000 100000)) (fun (n, seed) ->
        let order, _ = Batching.permutation n (Rng.FromSeed seed)
        Array.sort order = Array.init n id)

[<Property(Replay = Replay)>]
let ``shuffling a data set reorders its samples and keeps each feature column with its label`` () =
    Prop.forAll (Arb.zip (between 1 60, seeds 0 100000)) (fun (n, seed) ->
        let data = randomData seed n 3 4
        let shuffled, _ = Batching.shuffle (Rng.FromSeed seed) data

        let samples (d: Dataset) =
            match d.Targets with
            | Targets.Classes(labels, _) ->
                [ for i in 0 .. d.Samples - 1 -> d.Features.Column(i).ToArray(), labels[i] ]
                |> List.sort
            | Targets.Values _ -> []

        samples shuffled = samples data)

[<Fact>]
let ``the same seed gives the same permutation and another seed usually another`` () =
    let first, _ = Batching.permutation 50 (Rng.FromSeed 7)
    let again, _ = Batching.permutation 50 (Rng.FromSeed 7)
    let other, _ = Batching.permutation 50 (Rng.FromSeed 8)
    Assert.Equal<int>(first, again)
    Assert.NotEqual<int>(first, other)

[<Property(Replay = Replay)>]
let ``minibatches partition each epoch and only the last batch may be smaller`` () =
    Prop.forAll (Arb.zip (Arb.zip (between 1 200, between 1 64), seeds 0 100000)) (fun ((n, batchSize), seed) ->
        let data = randomData seed n 2 3
        let y = Data.targetMatrix 3 data
        let batches, _ = Batching.minibatches batchSize (Rng.FromSeed seed) data.Features y
        let indices = batches |> List.collect (fun b -> List.ofSeq b.Indices)
        let sizes = batches |> List.map (fun b -> b.Indices.Length)

        let columnsMatch =
            batches
            |> List.forall (fun b ->
                b.Indices
                |> Seq.mapi (fun k i ->
                    b.Inputs.Column(k) = data.Features.Column(i)
                    && b.Targets.Column(k) = y.Column(i))
                |> Seq.forall id)

        List.sort indices = [ 0 .. n - 1 ]
        && List.length batches = (n + batchSize - 1) / batchSize
        && sizes |> List.take (List.length sizes - 1) |> List.forall ((=) batchSize)
        && List.last sizes = n - batchSize * (List.length sizes - 1)
        && columnsMatch)

[<Property(Replay = Replay)>]
let ``a stratified split keeps each class's proportion up to rounding`` () =
    Prop.forAll (Arb.zip (Arb.zip (between 20 200, between 2 5), seeds 0 100000)) (fun ((n, k), seed) ->
        // Unbalanced classes: label i mod k for most samples, plus extra samples of class 0.
        let random = System.Random seed
        let labels = Array.init n (fun i -> if i < n / 3 then 0 else i % k)
        let data = Data.ofRows (Array.init n (fun _ -> [| random.NextDouble() |])) labels
        let train, test = Batching.trainTest 0.25 true (Rng.FromSeed seed) data

        let counts (d: Dataset) =
            match d.Targets with
            | Targets.Classes(l, _) -> Array.init k (fun c -> l |> Seq.filter ((=) c) |> Seq.length)
            | Targets.Values _ -> [||]

        let whole, inTrain, inTest = counts data, counts train, counts test

        [ 0 .. k - 1 ]
        |> List.forall (fun c ->
            inTrain[c] + inTest[c] = whole[c]
            && inTest[c] = int (System.Math.Round(0.25 * float whole[c], System.MidpointRounding.AwayFromZero))))

[<Fact>]
let ``a stratified split of iris puts 13 of each 50-sample class in the test part`` () =
    let train, test = Batching.trainTest 0.25 true (Rng.FromSeed 0) (Data.iris ())
    Assert.Equal(111, train.Samples)
    Assert.Equal(39, test.Samples)

    match test.Targets with
    | Targets.Classes(labels, _) -> Assert.Equal<int list>([ 13; 13; 13 ], labels |> Seq.countBy id |> Seq.sortBy fst |> Seq.map snd |> List.ofSeq)
    | Targets.Values _ -> failwith "iris has class labels"

[<Fact>]
let ``a three-way split uses every sample exactly once`` () =
    let data = randomData 3 100 2 4

    let train, validation, test =
        Batching.trainValidationTest 0.2 0.1 false (Rng.FromSeed 1) data

    Assert.Equal(70, train.Samples)
    Assert.Equal(20, validation.Samples)
    Assert.Equal(10, test.Samples)
    let columns (d: Dataset) = [ for i in 0 .. d.Samples - 1 -> d.Features.Column(i).ToArray() ]
    Assert.Equal<float[] list>(List.sort (columns data), List.sort (columns train @ columns validation @ columns test))

[<Fact>]
let ``a batch size of zero is refused`` () =
    Assert.Throws<System.ArgumentOutOfRangeException>(fun () -> Batching.chunks 0 [| 1; 2 |] |> ignore)
    |> ignore
