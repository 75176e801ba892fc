namespace Nn.Pipeline

open System
open System.Collections.Immutable
open System.Numerics
open MathNet.Numerics.LinearAlgebra
open Nn.Initialization
open Nn.LinearAlgebra
open Nn.Training

/// One minibatch in the batch layout: inputs × k and targets × k, one observation per column.
type Batch<'T when 'T: unmanaged and 'T :> IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType> = {
    /// Inputs × k (a fresh matrix; frozen).
    Inputs: Matrix<'T>
    /// Targets × k (a fresh matrix; frozen).
    Targets: Matrix<'T>
    /// The k sample indices of the source data, in batch order.
    Indices: ImmutableArray<int>
}

/// <summary>
/// Seeded shuffling, splits and minibatches. Randomness comes in as an <c>Rng</c> (an immutable generator) and
/// the advanced generator goes out, so the same seed always gives the same permutation.
/// </summary>
[<RequireQualifiedAccess>]
module Batching =

    /// <summary>
    /// A uniformly random permutation of 0 … n−1 — the identity shuffled by <c>Nn.Training.Permutation.Shuffle</c>
    /// (Fisher–Yates, Durstenfeld 1964) — and the advanced generator. Training draws each epoch's order the same way.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    let permutation (n: int) (rng: Rng) : int[] * Rng =
        if n < 0 then
            raise (ArgumentOutOfRangeException(nameof n, n, $"n must be non-negative but is {n}."))

        let order = Array.init n id
        let next = Permutation.Shuffle(Span order, rng)
        order, next

    /// <summary>The data set with its samples in a random order, and the advanced generator.</summary>
    let shuffle (rng: Rng) (data: Dataset<'T>) : Dataset<'T> * Rng =
        let order, next = permutation data.Samples rng
        Data.subset order data, next

    /// <summary>
    /// Cuts an order of sample indices into consecutive chunks of <paramref name="batchSize"/>. Every index lands
    /// in exactly one chunk; when the count is not a multiple of the batch size the last chunk is kept as a smaller
    /// batch (it is never dropped or padded).
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    let chunks (batchSize: int) (order: int[]) : int[] list =
        if batchSize <= 0 then
            raise (ArgumentOutOfRangeException(nameof batchSize, batchSize, $"batchSize must be positive but is {batchSize}."))

        order |> Array.chunkBySize batchSize |> List.ofArray

    /// <summary>
    /// One epoch of minibatches over inputs × m and targets × m matrices: a seeded permutation cut by
    /// <c>chunks</c> (the last batch may be smaller), each batch gathered as contiguous column copies.
    /// </summary>
    /// <exception cref="System.ArgumentException">The matrices have different sample counts, or the batch size is not positive.</exception>
    let minibatches (batchSize: int) (rng: Rng) (inputs: Matrix<'T>) (targets: Matrix<'T>) : Batch<'T> list * Rng =
        if inputs.ColumnCount <> targets.ColumnCount then
            invalidArg (nameof targets) $"inputs have {inputs.ColumnCount} samples but targets have {targets.ColumnCount}."

        let order, next = permutation inputs.ColumnCount rng

        let batches =
            chunks batchSize order
            |> List.map (fun indices -> {
                Inputs = Dense.GatherColumns(inputs, ReadOnlySpan indices)
                Targets = Dense.GatherColumns(targets, ReadOnlySpan indices)
                Indices = ImmutableArray.Create<int> indices
            })

        batches, next

    /// <summary>
    /// The indices of a split into parts of the given fractions (test first, then validation; training takes the
    /// rest), from one seeded permutation. Stratified: each class is split on its own, taking
    /// round(fraction · class size) of it (halves away from zero), so every part keeps the class proportions up to
    /// rounding. Each index lands in exactly one part.
    /// </summary>
    let private splitIndices (fractions: float list) (stratified: bool) (rng: Rng) (data: Dataset<'T>) =
        let order, _ = permutation data.Samples rng
        let parts = List.length fractions + 1

        let assign (members: int[]) =
            // Sizes of the fractional parts for a group, the remainder going to training (part 0).
            let sizes =
                fractions
                |> List.map (fun f -> int (Math.Round(f * float members.Length, MidpointRounding.AwayFromZero)))

            let rec partOf position k start remaining =
                match remaining with
                | [] -> 0
                | size :: rest ->
                    if position < start + size then
                        k
                    else
                        partOf position (k + 1) (start + size) rest

            members |> Array.mapi (fun position index -> index, partOf position 1 0 sizes)

        let assigned =
            match stratified, data.Targets with
            | false, _ -> assign order
            | true, Targets.Classes(labels, _) -> order |> Array.groupBy (fun i -> labels[i]) |> Array.collect (snd >> assign)
            | true, Targets.Values _ -> invalidArg (nameof stratified) "A stratified split needs class labels, but the data has regression targets."

        let inOrder = Map.ofArray assigned
        Array.init parts (fun p -> order |> Array.filter (fun i -> inOrder[i] = p))

    let private checkFraction name (f: float) =
        if not (f >= 0.0 && f < 1.0) then
            raise (ArgumentOutOfRangeException(name, f, $"{name} must be in [0, 1) but is {f}."))

    let private part (name: string) (indices: int[]) (data: Dataset<'T>) =
        if indices.Length = 0 then
            invalidArg name $"The {name} part of the {data.Samples} samples would be empty: change the fraction."

        Data.subset indices data

    /// <summary>
    /// Splits into (training, test) with round(testFraction · m) test samples, from a permutation seeded by
    /// <paramref name="rng"/>. With <paramref name="stratified"/>, each class is split on its own so both parts
    /// keep the class proportions (up to rounding per class). Samples keep their permuted order.
    /// </summary>
    /// <exception cref="System.ArgumentException">The fraction is outside [0, 1), a part would be empty, or stratification is asked of regression data.</exception>
    let trainTest (testFraction: float) (stratified: bool) (rng: Rng) (data: Dataset<'T>) : Dataset<'T> * Dataset<'T> =
        checkFraction (nameof testFraction) testFraction
        let parts = splitIndices [ testFraction ] stratified rng data
        part "training" parts[0] data, part "test" parts[1] data

    /// <summary>
    /// Splits into (training, validation, test), as <c>trainTest</c> but with two fractions of the whole set.
    /// </summary>
    /// <exception cref="System.ArgumentException">A fraction is outside [0, 1), they sum to 1 or more, a part would be empty, or stratification is asked of regression data.</exception>
    let trainValidationTest (validationFraction: float) (testFraction: float) (stratified: bool) (rng: Rng) (data: Dataset<'T>) =
        checkFraction (nameof validationFraction) validationFraction
        checkFraction (nameof testFraction) testFraction

        if validationFraction + testFraction >= 1.0 then
            invalidArg (nameof testFraction) $"validation {validationFraction} and test {testFraction} leave nothing to train on."

        let parts = splitIndices [ testFraction; validationFraction ] stratified rng data
        part "training" parts[0] data, part "validation" parts[2] data, part "test" parts[1] data
