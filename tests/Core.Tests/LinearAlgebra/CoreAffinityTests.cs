using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

public sealed class CoreAffinityTests
{
    [Fact]
    public void AThreadSteppingAsideFromItsCpuRunsElsewhereAndMayReturnToIt()
    {
        int before = -2, after = -2, back = -2;
        var thread = new Thread(() =>
        {
            before = CoreAffinity.CurrentCpu();
            CoreAffinity.StepAsideFrom(before);
            after = CoreAffinity.CurrentCpu();

            // The whole set is allowed again: stepping aside from the new CPU takes the thread off it in turn.
            CoreAffinity.StepAsideFrom(after);
            back = CoreAffinity.CurrentCpu();
        });
        thread.Start();
        thread.Join();

        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(-1, before);
            return;
        }

        Assert.InRange(before, 0, 1023);
        if (Environment.ProcessorCount < 2)
        {
            Assert.Equal(before, after);
            return;
        }

        Assert.NotEqual(before, after);
        Assert.NotEqual(after, back);
    }

    [Fact]
    public void SteppingAsideFromAnotherCpuOrAnUnknownOneLeavesTheThreadWhereItIs()
    {
        int before = -2, after = -2;
        var thread = new Thread(() =>
        {
            before = CoreAffinity.CurrentCpu();
            CoreAffinity.StepAsideFrom(-1);
            CoreAffinity.StepAsideFrom(before + 1 == Environment.ProcessorCount ? before - 1 : before + 1);
            after = CoreAffinity.CurrentCpu();
        });
        thread.Start();
        thread.Join();
        Assert.Equal(before, after);
    }
}
