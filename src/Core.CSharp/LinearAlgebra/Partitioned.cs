using System.Diagnostics;

namespace Nn.LinearAlgebra;

/// <summary>A piece of work split into parts that may run on different threads.</summary>
internal interface IPartitionedJob
{
    /// <summary>Does part <paramref name="part"/> (0-based) of <paramref name="parts"/>; parts must not write to the same memory.</summary>
    void Run(int part, int parts);
}

/// <summary>
/// Runs the parts of a job on the calling thread and on dedicated helper threads (one per further core) and returns
/// when all are done, without allocating in the steady state. A helper that has just finished spins for a short while
/// (<see cref="SpinTicks"/>) before it sleeps, so the products of one training step or one prediction — tens of
/// microseconds apart — find it awake instead of paying a wake-up each. Each thread has a home share of every job's
/// parts — the caller the first, helper h the (h + 1)-th of equal consecutive shares — and claims those first, in
/// order, then whatever is left of the others' (from their ends); so a thread that is late or absent costs nothing but
/// its share's time, and the caller finishes the job alone if no helper is free.
/// </summary>
/// <remarks>
/// Jobs that cut the same memory into parts in the same order — the first layer's weight columns in the product, its
/// gradient and the update — thereby find their share in the core's own cache step after step: reading 400 KiB that
/// another core has just written runs at about a fifth of the speed of reading it from one's own L2 (25 against 114–139
/// GB/s on the machine of docs/performance.md; <c>Nn.Benchmarks.dll crosscore</c>).
/// </remarks>
internal static class Partitioned
{
    /// <summary>How long an idle helper keeps polling for the next job before it blocks: 200 µs.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    private static readonly Lazy<Helper[]> Helpers = new(() => [.. Enumerable.Range(1, Math.Max(0, Math.Min(Environment.ProcessorCount, 64) - 1)).Select(i => new Helper(i))], LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>From this many values on, an elementwise or copying job is worth splitting over the cores.</summary>
    private const long ParallelElements = 1L << 15;

    /// <summary>Work a helper can run: the claimed parts of one job.</summary>
    private interface IWork
    {
        void Work(int thread);
    }

    /// <summary>
    /// Threads for an elementwise or copying job over <paramref name="elements"/> values of <typeparamref name="T"/>:
    /// every core from <see cref="ParallelElements"/> values on, else one — and one while OpenBLAS runs the products
    /// (<see cref="Blas.HelpersWelcome"/>).
    /// </summary>
    public static int ThreadsFor<T>(long elements) =>
        elements >= ParallelElements && Blas.HelpersWelcome() ? Environment.ProcessorCount : 1;

    /// <summary>
    /// Runs parts 0 … <paramref name="parts"/> − 1 of <paramref name="job"/> on the calling thread and up to
    /// <paramref name="threads"/> − 1 helper threads; a failure in any part is rethrown here once all have ended.
    /// More parts than threads keep every thread busy when one starts late: whoever is free claims a part left.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Run<TJob>(TJob job, int parts, int threads)
        where TJob : struct, IPartitionedJob
    {
        if (parts <= 1 || threads <= 1 || Helpers.Value.Length == 0)
        {
            RunHere(job, parts);
            return;
        }

        Runner<TJob>.Execute(job, parts, Math.Min(parts, threads));
    }

    /// <summary>
    /// Starts parts 0 … <paramref name="parts"/> − 1 of <paramref name="job"/> on up to <paramref name="threads"/> − 1
    /// helper threads and returns at once, so that the caller can do other work meanwhile; <see cref="Started{TJob}.Finish"/>
    /// then runs every part no helper has claimed on the calling thread and waits for the rest. Until then the helpers
    /// are busy with this job, so products split in between would run on the calling thread alone. Without helpers (or
    /// with <paramref name="threads"/> ≤ 1) nothing starts here and Finish runs every part.
    /// </summary>
    public static Started<TJob> Start<TJob>(TJob job, int parts, int threads)
        where TJob : struct, IPartitionedJob =>
        new(job, parts, parts > 0 && threads > 1 && Helpers.Value.Length > 0 ? Runner<TJob>.Begin(job, parts, Math.Min(parts + 1, threads)) : null);

    /// <summary>Runs every part of <paramref name="job"/> on the calling thread, in order.</summary>
    private static void RunHere<TJob>(TJob job, int parts)
        where TJob : struct, IPartitionedJob
    {
        for (var part = 0; part < parts; part++)
        {
            job.Run(part, parts);
        }
    }

    /// <summary>A job begun by <see cref="Start{TJob}"/>; finish it exactly once, on the thread that started it.</summary>
    public readonly struct Started<TJob>
        where TJob : struct, IPartitionedJob
    {
        private readonly TJob job;
        private readonly int parts;
        private readonly Runner<TJob>? runner;

        internal Started(TJob job, int parts, Runner<TJob>? runner) => (this.job, this.parts, this.runner) = (job, parts, runner);

        /// <summary>Runs the parts not yet claimed here and returns when every part has ended; a failure in any is rethrown here.</summary>
        public void Finish()
        {
            if (runner is null)
            {
                RunHere(job, parts);
                return;
            }

            runner.End();
        }
    }

    /// <summary>One job in flight: its parts, the claim counter and the completion signal; reused per calling thread.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The event is only waited on, never asked for its WaitHandle, so it holds no kernel object; runners live as long as their thread.")]
    internal sealed class Runner<TJob> : IWork
        where TJob : struct, IPartitionedJob
    {
        /// <summary>Runners per calling thread: a helper may still be leaving the previous one when the next job starts.</summary>
        private const int Reusable = 4;

        [ThreadStatic]
        private static Runner<TJob>?[]? cached;

        private readonly ManualResetEventSlim finished = new(false, spinCount: 2000);
        private TJob job;
        private int parts;
        private int threads;
        private int[] claims = [];
        private int unfinished;
        private int inside;
        private Exception? failure;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public static void Execute(TJob job, int parts, int threads)
        {
            // A runner that a helper has not left yet may still touch its counters: take an idle one, or, when every
            // cached runner still has a helper on its way out, run all parts here (no new runner, nothing allocated).
            if (Begin(job, parts, threads) is not { } run)
            {
                RunHere(job, parts);
                return;
            }

            run.End();
        }

        /// <summary>Posts the job to up to <paramref name="threads"/> − 1 helpers; null when no cached runner is idle (then nothing was posted).</summary>
        public static Runner<TJob>? Begin(TJob job, int parts, int threads)
        {
            if (Idle() is not { } run)
            {
                return null;
            }

            run.job = job;
            run.parts = parts;
            run.threads = threads;
            if (run.claims.Length < parts)
            {
                run.claims = new int[Math.Max(parts, 16)];
            }
            else
            {
                Array.Clear(run.claims, 0, parts);
            }

            run.unfinished = parts;
            run.failure = null;
            run.finished.Reset();
            var helpers = Helpers.Value;
            for (var h = 0; h < helpers.Length && h < threads - 1; h++)
            {
                Interlocked.Increment(ref run.inside);
                if (!helpers[h].TryPost(run))
                {
                    Interlocked.Decrement(ref run.inside);
                }
            }

            return run;
        }

        /// <summary>Runs the parts left on the calling thread, waits for the helpers' and rethrows a failure.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void End()
        {
            Work(0);
            finished.Wait();
            if (failure is { } error)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
        }

        /// <summary>Claims and runs parts until none is left; called by the owner (thread 0) and by helpers (1, 2, …).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Work(int thread)
        {
            var (count, of) = (parts, threads);
            var home = thread % of;
            for (var p = Home(home, count, of); p < Home(home + 1, count, of); p++)
            {
                if (TryClaim(p))
                {
                    RunPart(p);
                }
            }

            for (var d = 1; d < of; d++)
            {
                var other = (home + d) % of;
                for (var p = Home(other + 1, count, of) - 1; p >= Home(other, count, of); p--)
                {
                    if (TryClaim(p))
                    {
                        RunPart(p);
                    }
                }
            }
        }

        private static int Home(int thread, int parts, int threads) => (int)((long)thread * parts / threads);

        private bool TryClaim(int part) => Volatile.Read(ref claims[part]) == 0 && Interlocked.Exchange(ref claims[part], 1) == 0;

        private void RunPart(int t)
        {
            // A failure (out of memory) is rethrown on the calling thread once every part has finished.
            try
            {
                job.Run(t, parts);
            }
            catch (Exception error)
            {
                failure = error;
            }

            if (Interlocked.Decrement(ref unfinished) == 0)
            {
                finished.Set();
            }
        }

        /// <summary>Called by a helper once it has left <see cref="Work"/> for good.</summary>
        public void Leave() => Interlocked.Decrement(ref inside);

        void IWork.Work(int thread)
        {
            Work(thread);
            Leave();
        }

        private static Runner<TJob>? Idle()
        {
            var items = cached ??= new Runner<TJob>?[Reusable];
            for (var i = 0; i < items.Length; i++)
            {
                if (items[i] is not { } item)
                {
                    return items[i] = new Runner<TJob>();
                }

                if (Volatile.Read(ref item.inside) == 0)
                {
                    return item;
                }
            }

            return null;
        }
    }

    /// <summary>A background thread that runs posted work, spinning briefly between jobs before it sleeps.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Helpers live as long as the process; the semaphore is only waited on and released, never asked for its WaitHandle.")]
    private sealed class Helper
    {
        /// <summary>Tries at posting work while the helper is still leaving its previous job.</summary>
        private const int PostAttempts = 64;

        private readonly SemaphoreSlim wake = new(0);

        // The helper's allowed CPUs before its waker narrowed them (CoreAffinity.KeepOff), written before the wake-up is
        // released; `narrowed` says the helper must allow them again once it runs.
        private readonly ulong[] allowed = new ulong[CoreAffinity.MaskWords];
        private IWork? posted;
        private int sleeping;
        private bool narrowed;

        // The kernel's id of the helper thread (−1 until it has started, or when unknown).
        private volatile int threadId = -1;

        private readonly int index;

        public Helper(int index)
        {
            this.index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Nn helper {index}" };
            thread.Start();
        }

        /// <summary>Hands <paramref name="work"/> to this helper unless it already has some.</summary>
        public bool TryPost(IWork work)
        {
            // A helper that has just run the previous job clears its slot a few instructions after it leaves it; when
            // jobs follow each other closely (the products of one training step) it is usually still on its way out
            // as the next one is posted, so it is given a moment (at most about a microsecond) before the job goes on
            // without it.
            for (var attempt = 0; Interlocked.CompareExchange(ref posted, work, null) is not null; attempt++)
            {
                if (attempt == PostAttempts)
                {
                    return false;
                }

                Thread.SpinWait(1);
            }

            if (Volatile.Read(ref sleeping) == 1 && Interlocked.Exchange(ref sleeping, 0) == 1)
            {
                // Woken onto this (busy) core, the helper would wait for it: keep it off this core until it runs.
                narrowed = CoreAffinity.KeepOff(threadId, allowed) >= 0;
                wake.Release();
            }

            return true;
        }

        private void Loop()
        {
            threadId = CoreAffinity.CurrentThreadId();
            while (true)
            {
                var work = Volatile.Read(ref posted) ?? Await();
                work.Work(index);
                Volatile.Write(ref posted, null);
            }
        }

        /// <summary>
        /// Polls for posted work for <see cref="SpinTicks"/>, then sleeps until <see cref="TryPost"/> wakes it. Each poll
        /// pauses once (tens of nanoseconds), so a job posted while the helper spins starts at once: with twenty pauses
        /// per poll, a two-part job that does nothing took 0.5–0.6 µs from post to return (median), with one 0.2 µs.
        /// </summary>
        private IWork Await()
        {
            var until = Stopwatch.GetTimestamp() + SpinTicks;
            for (var poll = 1; ; poll++)
            {
                if (Volatile.Read(ref posted) is { } work)
                {
                    return work;
                }

                if ((poll & 15) != 0 || Stopwatch.GetTimestamp() < until)
                {
                    Thread.SpinWait(1);
                    continue;
                }

                // A full fence between announcing sleep and the last look at the slot, paired with the poster's
                // compare-exchange before it reads the flag: one of the two always sees the other.
                Interlocked.Exchange(ref sleeping, 1);
                if (Volatile.Read(ref posted) is { } late)
                {
                    // Posted between the last poll and going to sleep: take it (a wake-up may also be pending; it is harmless).
                    if (Interlocked.Exchange(ref sleeping, 0) == 0)
                    {
                        Woken();
                    }

                    return late;
                }

                Woken();
                until = Stopwatch.GetTimestamp() + SpinTicks;
            }
        }

        /// <summary>Waits for the wake-up, then allows the cores its waker kept it off again.</summary>
        private void Woken()
        {
            wake.Wait();
            if (narrowed)
            {
                narrowed = false;
                CoreAffinity.Restore(allowed);
            }
        }
    }
}
