/// Training's steady state allocates nothing. These tests run alone (a collection with parallelisation off): the
/// matrix products' helper threads are shared by the process, and other tests' products on them would change what this
/// run's thread does.
module Nn.Tests.AllocationTests

open System
open Nn.Activations
open Nn.Initialization
open Nn.Layers
open Nn.Pipeline
open Nn.Tests.Support
open Xunit

/// Tests that must not run beside others.
[<CollectionDefinition("alone", DisableParallelization = true)>]
type Alone() = class end

let private unwrap result =
    match result with
    | Ok trained -> trained
    | Error(e: TrainingError) -> failwith e.Message

[<Collection("alone")>]
type Steps() =

    [<Theory>]
    [<InlineData("sgd", "float32", 0.0)>]
    [<InlineData("sgd", "float64", 0.0)>]
    [<InlineData("adam", "float32", 0.0)>]
    [<InlineData("adam", "float64", 0.0)>]
    [<InlineData("sgd", "float32", 0.5)>]
    [<InlineData("adam", "float64", 0.5)>]
    member _.``steady-state steps allocate nothing``(optimizer: string, precision: string, dropout: float) =
        // 3,000 samples in batches of 8 is 375 steps an epoch. In each of three epochs the allocations of steps 25 to 325 are
        // read with the runtime's per-thread counter; the epoch's record and the result are built outside those windows.
        // A garbage collection can move the counter by the unused end of this thread's allocation buffer, so a window during
        // which a collection ran says nothing: at least one window must be free of collections, and every such window must
        // show no allocation. (The test runs alone: another test's products on the shared helper threads would make this
        // run's caller wait for them, and a wait that blocks allocates its event once.)
        let measure (network: Network<'T>) (data: Dataset<'T>) (optimizer: Optimizer<'T, 'S>) =
            let windows = Collections.Generic.List<int64 * bool>()
            let mutable start = 0L
            let mutable collections = 0

            let config = {
                Training.defaults optimizer with
                    Epochs = 3
                    BatchSize = 8
                    OnStep =
                        fun s ->
                            let inEpoch = (s.Step - 1) % 375 + 1

                            if inEpoch = 25 then
                                collections <- GC.CollectionCount 0
                                start <- GC.GetAllocatedBytesForCurrentThread()
                            elif inEpoch = 325 then
                                let allocated = GC.GetAllocatedBytesForCurrentThread() - start
                                windows.Add((allocated, GC.CollectionCount 0 = collections))
            }

            // A background collection left over from earlier tests would reset this thread's allocation buffer mid-window.
            GC.Collect(2, GCCollectionMode.Forced, true, true)
            GC.WaitForPendingFinalizers()
            GC.Collect()
            Training.fit config network data |> unwrap |> ignore
            let clean = windows |> Seq.filter snd |> Seq.map fst |> List.ofSeq
            Assert.True(not clean.IsEmpty, "every window saw a garbage collection")
            clean |> List.max

        let data = randomData 7 3000 20 4

        let network () =
            Network.Create<'T>([ 20; 16; 4 ], Activation.Relu, Activation.Softmax, Initializer.He, 7).WithDropout [ dropout ]

        let allocated =
            match optimizer, precision with
            | "sgd", "float32" -> measure (network ()) (Data.convert<float32, float> data) (Optimizers.sgd (Schedules.constant 0.05))
            | "sgd", _ -> measure (network ()) data (Optimizers.sgd (Schedules.constant 0.05))
            | _, "float32" -> measure (network ()) (Data.convert<float32, float> data) (Optimizers.adam (Schedules.constant 1e-3))
            | _ -> measure (network ()) data (Optimizers.adam (Schedules.constant 1e-3))

        Assert.Equal(0L, allocated)
