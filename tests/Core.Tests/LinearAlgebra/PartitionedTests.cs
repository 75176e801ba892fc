using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

public sealed class PartitionedTests
{
    private readonly struct CountParts(int[] runs, int[] seenParts) : IPartitionedJob
    {
        public void Run(int part, int parts)
        {
            Interlocked.Increment(ref runs[part]);
            seenParts[part] = parts;
        }
    }

    private readonly struct FailPart(int failing) : IPartitionedJob
    {
        public void Run(int part, int parts)
        {
            if (part == failing)
            {
                throw new InvalidOperationException($"part {part} of {parts} failed");
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(8, 2)]
    [InlineData(7, 64)]
    [InlineData(100, 3)]
    public void EveryPartRunsExactlyOnceWithTheRightCount(int parts, int threads)
    {
        for (var repeat = 0; repeat < 50; repeat++)
        {
            var runs = new int[parts];
            var seen = new int[parts];
            Partitioned.Run(new CountParts(runs, seen), parts, threads);
            Assert.All(runs, r => Assert.Equal(1, r));
            Assert.All(seen, p => Assert.Equal(parts, p));
        }
    }

    [Fact]
    public void AFailingPartIsRethrownOnTheCallerAfterTheOthersFinish()
    {
        for (var failing = 0; failing < 4; failing++)
        {
            var error = Assert.Throws<InvalidOperationException>(() => Partitioned.Run(new FailPart(failing), 4, 2));
            Assert.Equal($"part {failing} of 4 failed", error.Message);
        }

        // The next job on the same thread runs normally.
        var runs = new int[4];
        Partitioned.Run(new CountParts(runs, new int[4]), 4, 2);
        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void ManyCallersAtOnceEachGetAllTheirParts()
    {
        var failures = 0;
        Parallel.For(0, 8, caller =>
        {
            for (var job = 0; job < 200; job++)
            {
                var parts = 1 + ((caller + job) % 9);
                var runs = new int[parts];
                Partitioned.Run(new CountParts(runs, new int[parts]), parts, 2);
                if (runs.Any(r => r != 1))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        Assert.Equal(0, failures);
    }

    [Theory]
    [InlineData(784, 256)]
    [InlineData(784, 3)]
    [InlineData(5, 40000)]
    [InlineData(10, 64)]
    public void TheGatherCopiesTheChosenColumnsInOrder(int rows, int count)
    {
        var sourceColumns = Math.Max(count, 50) + 7;
        var source = Enumerable.Range(0, rows * sourceColumns).Select(i => (float)i).ToArray();
        var random = new Random(rows + count);
        var columns = Enumerable.Range(0, count).Select(_ => random.Next(sourceColumns)).ToArray();
        var destination = new float[rows * count];
        ColumnGather.Gather<float>(source, rows, columns, destination);
        for (var j = 0; j < count; j++)
        {
            for (var i = 0; i < rows; i++)
            {
                Assert.Equal(source[(columns[j] * rows) + i], destination[(j * rows) + i]);
            }
        }
    }
}

/// <summary>Tests that need the helper threads to themselves.</summary>
[CollectionDefinition(nameof(HelperThreadTests), DisableParallelization = true)]
public sealed class HelperThreadsAlone
{
}

[Collection(nameof(HelperThreadTests))]
public sealed class HelperThreadTests
{
    /// <summary>Part 0 waits for part 1 to start, so both can only finish if two threads run them at once.</summary>
    private readonly struct Rendezvous(ManualResetEventSlim secondStarted, bool[] met) : IPartitionedJob
    {
        public void Run(int part, int parts)
        {
            if (part == 1)
            {
                secondStarted.Set();
            }
            else
            {
                met[0] = secondStarted.Wait(TimeSpan.FromSeconds(10));
            }
        }
    }

    /// <summary>Every part signals when it starts; part 0 also waits for the caller's go-ahead.</summary>
    private readonly struct Signal(ManualResetEventSlim started, ManualResetEventSlim go, int[] runs) : IPartitionedJob
    {
        public void Run(int part, int parts)
        {
            Interlocked.Increment(ref runs[part]);
            if (part == 0)
            {
                started.Set();
                go.Wait(TimeSpan.FromSeconds(10));
            }
        }
    }

    [Fact]
    public void AStartedJobRunsOnAHelperWhileTheCallerGoesOnAndFinishRunsTheRest()
    {
        for (var round = 0; round < 5; round++)
        {
            Thread.Sleep(round * 10);
            using var started = new ManualResetEventSlim(false);
            using var go = new ManualResetEventSlim(false);
            var runs = new int[3];
            var pending = Partitioned.Start(new Signal(started, go, runs), 3, 2);

            // With a helper, part 0 starts before Finish is called: the caller is free meanwhile. Without one, nothing
            // has run yet, and Finish runs every part on the caller (go is set first, so part 0 does not wait).
            var ranAlongside = started.Wait(Environment.ProcessorCount >= 2 ? TimeSpan.FromSeconds(10) : TimeSpan.Zero);
            go.Set();
            pending.Finish();
            Assert.Equal(Environment.ProcessorCount >= 2, ranAlongside);
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void AFailureInAStartedJobIsRethrownByFinish()
    {
        var pending = Partitioned.Start(new FailingPart(), 4, 2);
        var error = Assert.Throws<InvalidOperationException>(pending.Finish);
        Assert.Equal("part 2 failed", error.Message);
    }

    private readonly struct FailingPart : IPartitionedJob
    {
        public void Run(int part, int parts)
        {
            if (part == 2)
            {
                throw new InvalidOperationException($"part {part} failed");
            }
        }
    }

    [Fact]
    public void ASleepingHelperWakesForTheNextJob()
    {
        // One core has no helper thread, and the job could not finish in parallel by construction. The class runs alone
        // (its collection disables parallelisation): a helper busy with another test's product would leave both parts
        // to the caller, which is correct for real jobs (their parts never wait for each other) but not for this one.
        if (Environment.ProcessorCount < 2)
        {
            return;
        }

        for (var round = 0; round < 5; round++)
        {
            // Long enough for an idle helper to stop polling and block.
            Thread.Sleep(30);
            using var secondStarted = new ManualResetEventSlim(false);
            var met = new bool[1];
            Partitioned.Run(new Rendezvous(secondStarted, met), 2, 2);
            Assert.True(met[0], $"round {round}: no second thread ran part 1 while part 0 waited");
        }
    }
}
