using Nn.Training;

namespace Nn.Tests.Training;

/// <summary>
/// A run's record buffers have their pages faulted in on another thread while the run writes them: that must never
/// change what the run has written, and on a Linux kernel that has <c>MADV_POPULATE_WRITE</c> (5.14 and later) it must
/// actually be done.
/// </summary>
public sealed class RecordBuffersTests
{
    private readonly record struct Entry(long Index, string? Tag);

    [Fact]
    public void PopulatingLeavesWhatIsWrittenAsItIs()
    {
        var entries = new Entry[200_000];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new Entry(i, i % 1000 == 0 ? $"entry {i}" : null);
        }

        var populated = RecordBuffers.Populate(entries);

        Assert.Equal(OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(5, 14), populated);
        for (var i = 0; i < entries.Length; i++)
        {
            Assert.Equal(new Entry(i, i % 1000 == 0 ? $"entry {i}" : null), entries[i]);
        }
    }

    [Fact]
    public void ABufferWrittenWhileItsPagesArePopulatedKeepsEveryValue()
    {
        for (var round = 0; round < 4; round++)
        {
            var length = (RecordBuffers.PopulateBytes / sizeof(long) * 8) + round;
            var values = RecordBuffers.Allocate<long>(length);
            Assert.Equal(length, values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (i * 7L) + round;
            }

            // Let the populating thread finish over what is already written, then look again.
            Thread.Sleep(20);
            for (var i = 0; i < values.Length; i++)
            {
                Assert.Equal((i * 7L) + round, values[i]);
            }
        }
    }
}
