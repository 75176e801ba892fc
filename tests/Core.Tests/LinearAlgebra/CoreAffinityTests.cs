using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

public sealed class CoreAffinityTests
{
    [Fact]
    public void AThreadKeptOffItsWakersCpuWakesElsewhereAndRestoresItsAllowedSet()
    {
        using var ready = new ManualResetEventSlim(false, spinCount: 0);
        using var go = new ManualResetEventSlim(false, spinCount: 0);
        using var restored = new ManualResetEventSlim(false, spinCount: 0);
        using var end = new ManualResetEventSlim(false, spinCount: 0);
        var saved = new ulong[CoreAffinity.MaskWords];
        int tid = -2, woke = -2;
        var thread = new Thread(() =>
        {
            tid = CoreAffinity.CurrentThreadId();
            ready.Set();
            go.Wait();
            woke = CoreAffinity.CurrentCpu();
            CoreAffinity.Restore(saved);
            restored.Set();
            end.Wait();
        });
        thread.Start();
        ready.Wait();

        var keptOff = CoreAffinity.KeepOff(tid, saved);
        go.Set();
        restored.Wait();

        // After Restore the thread's allowed set is the saved one again: narrowing it once more saves the same set.
        var again = new ulong[CoreAffinity.MaskWords];
        var keptOffAgain = CoreAffinity.KeepOff(tid, again);
        end.Set();
        thread.Join();

        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(-1, tid);
            Assert.Equal(-1, keptOff);
            return;
        }

        Assert.True(tid > 0);
        if (keptOff < 0)
        {
            // Only when the thread may run on one CPU alone (DOTNET_PROCESSOR_COUNT may still say more or fewer).
            Assert.Equal(1, long.PopCount(System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity.ToInt64()));
            return;
        }

        Assert.InRange(keptOff, 0, 1023);
        Assert.NotEqual(keptOff, woke);
        Assert.NotEqual(0UL, saved[keptOff / 64] & (1UL << (keptOff % 64)));
        Assert.InRange(keptOffAgain, 0, 1023);
        Assert.Equal(saved, again);
    }

    [Fact]
    public void AnUnknownThreadIsNotNarrowed()
    {
        var saved = new ulong[CoreAffinity.MaskWords];
        Assert.Equal(-1, CoreAffinity.KeepOff(-1, saved));
        Assert.Equal(-1, CoreAffinity.KeepOff(0, saved));
        Assert.Equal(-1, CoreAffinity.KeepOff(CoreAffinity.CurrentThreadId(), new ulong[1]));
        Assert.All(saved, word => Assert.Equal(0UL, word));
    }
}
