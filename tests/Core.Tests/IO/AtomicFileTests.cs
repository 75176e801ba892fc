using System.Diagnostics;
using Nn.Activations;
using Nn.IO;
using Nn.Losses;
using Nn.Serialization;
using Nn.Tests.Support;

namespace Nn.Tests.IO;

/// <summary>The output policy of <see cref="AtomicFile"/> (Unix: devices, pipes, links and permissions).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AtomicFileTests
{
    [Fact]
    public void WritingCreatesTheFileAndLeavesNoTemporaryFile()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("out.csv");

        AtomicFile.WriteAllText(path, "a,b\n1,2\n");

        Assert.Equal("a,b\n1,2\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void AnExistingFileIsNotOverwrittenWithoutTheFlag()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("out.csv");
        File.WriteAllText(path, "original");

        var error = Assert.Throws<TargetExistsException>(() => AtomicFile.WriteAllText(path, "replacement"));

        Assert.Equal($"{path} already exists and was not replaced", error.Message);
        Assert.Equal("original", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void AnExistingFileIsReplacedWithTheFlagAndKeepsItsPermissions()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("out.csv");
        File.WriteAllText(path, "original");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        AtomicFile.WriteAllText(path, "replacement", overwrite: true);

        Assert.Equal("replacement", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void AWriterThatFailsMidwayLeavesTheExistingFileIntactAndNoTemporaryFile()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.json");
        File.WriteAllText(path, "original");

        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(
            path,
            stream =>
            {
                stream.Write(new byte[100_000]);
                throw new InvalidOperationException("serializer failed");
            },
            overwrite: true));

        Assert.Equal("serializer failed", error.Message);
        Assert.Equal("original", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void AMissingDirectoryIsNamed()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "missing", "out.csv");

        var error = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(path, "x"));

        Assert.Equal($"{path}: the directory {Path.Combine(directory.Path, "missing")} does not exist", error.Message);
    }

    [Fact]
    public void ADirectoryThatRefusesNewFilesIsNamedAndNotItsTemporaryFile()
    {
        using var directory = new TemporaryDirectory();
        var locked = ReadOnlyDirectory(directory);
        var path = Path.Combine(locked, "out.csv");

        var error = Assert.Throws<IOException>(() => AtomicFile.Check(path));

        Assert.StartsWith($"{path}: cannot create files in {locked} (", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyPathIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => AtomicFile.WriteAllText(" ", "x"));
        Assert.StartsWith("The output path is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASymbolicLinkIsWrittenThroughAndStaysALink()
    {
        using var directory = new TemporaryDirectory();
        var real = directory.File("real.json");
        File.WriteAllText(real, "original");
        var link = directory.File("link.json");
        var chain = directory.File("chain.json");
        File.CreateSymbolicLink(link, "real.json");
        File.CreateSymbolicLink(chain, link);

        AtomicFile.WriteAllText(chain, "replacement", overwrite: true);

        Assert.Equal("replacement", File.ReadAllText(real));
        Assert.Equal("real.json", new FileInfo(link).LinkTarget);
        Assert.Equal(link, new FileInfo(chain).LinkTarget);
        Assert.Throws<TargetExistsException>(() => AtomicFile.WriteAllText(link, "again"));
        Assert.Equal("replacement", File.ReadAllText(real));
    }

    [Fact]
    public void ADanglingSymbolicLinkCreatesTheFileItPointsTo()
    {
        using var directory = new TemporaryDirectory();
        var link = directory.File("link.json");
        File.CreateSymbolicLink(link, "target.json");

        AtomicFile.WriteAllText(link, "new");

        Assert.Equal("new", File.ReadAllText(directory.File("target.json")));
        Assert.Equal("target.json", new FileInfo(link).LinkTarget);
    }

    [Theory]
    [InlineData("/dev/full", "a character device")]
    [InlineData("/dev/null", "a character device")]
    public void ADeviceIsRefusedEvenWithTheFlag(string device, string kind)
    {
        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(device, "x", overwrite: true));

        Assert.Equal($"{device} is {kind}, not a regular file: only regular files are written", error.Message);
        Assert.Equal(FileKind.CharacterDevice, FileIdentity.Of(device)!.Kind);
    }

    [Fact]
    public void ANamedPipeAndALinkToItAreRefused()
    {
        using var directory = new TemporaryDirectory();
        var fifo = directory.File("pipe");
        Run("mkfifo", fifo);
        var link = directory.File("link");
        File.CreateSymbolicLink(link, fifo);

        foreach (var path in new[] { fifo, link })
        {
            var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "x", overwrite: true));
            Assert.Equal($"{path} is a named pipe, not a regular file: only regular files are written", error.Message);
        }

        Assert.True(new FileInfo(link).LinkTarget is not null);
    }

    [Fact]
    public void StandardOutputByNameIsRefusedWhateverItIsConnectedTo()
    {
        // Under the test runner standard output is a pipe or a file; either way /dev/stdout is not written through.
        var error = Assert.Throws<IOException>(() => AtomicFile.Check("/dev/stdout", overwrite: true));
        Assert.StartsWith("/dev/stdout ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADirectoryIsRefused()
    {
        using var directory = new TemporaryDirectory();
        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(directory.Path, "x", overwrite: true));
        Assert.Equal($"{directory.Path} is a directory, not a regular file: only regular files are written", error.Message);
    }

    [Fact]
    public void ConcurrentWritersWithoutTheFlagNeverLoseAFile()
    {
        // Before the kernel's no-replace rename, both writers of a round could see no file, both rename, and the
        // first file was silently replaced. Each round: one writer wins, every other one is told the file exists,
        // and the file holds the winner's bytes.
        using var directory = new TemporaryDirectory();
        const int Rounds = 300;
        const int Writers = 4;
        for (var round = 0; round < Rounds; round++)
        {
            var path = directory.File($"model-{round}.json");
            using var start = new Barrier(Writers);
            var outcomes = new string?[Writers];
            var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
            {
                var contents = $"writer {w} of round {round}";
                start.SignalAndWait();
                try
                {
                    AtomicFile.WriteAllText(path, contents);
                    outcomes[w] = contents;
                }
                catch (TargetExistsException)
                {
                    outcomes[w] = null;
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            var winners = outcomes.Where(o => o is not null).ToList();
            Assert.True(winners.Count == 1, $"round {round}: {winners.Count} writers reported success");
            Assert.Equal(winners[0], File.ReadAllText(path));
        }

        Assert.Equal(Rounds, Directory.GetFiles(directory.Path).Length);
    }

    [Fact]
    public void TemporaryFilesOfAKilledWriterAreRemovedButThoseOfARunningOneAreKept()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.json");
        using var finished = Process.Start("true")!;
        finished.WaitForExit();
        var stale = directory.File($".model.json.nn-{finished.Id}-abc.tmp");
        var live = directory.File($".model.json.nn-{Environment.ProcessId}-def.tmp");
        var unrelated = directory.File(".other.json.nn-1-ghi.tmp");
        foreach (var file in new[] { stale, live, unrelated })
        {
            File.WriteAllText(file, "partial");
        }

        AtomicFile.WriteAllText(path, "complete");

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(unrelated));
        Assert.Equal("complete", File.ReadAllText(path));
    }

    [Fact]
    public void TwoSpellingsOfOneFileHaveOneIdentity()
    {
        using var directory = new TemporaryDirectory();
        var data = directory.File("data.csv");
        File.WriteAllText(data, "x");
        var sub = Directory.CreateDirectory(directory.File("sub")).FullName;
        var link = directory.File("link.csv");
        File.CreateSymbolicLink(link, data);
        var hard = directory.File("hard.csv");
        Run("ln", data, hard);

        var identity = FileIdentity.Of(data);
        Assert.Equal(FileKind.Regular, identity!.Kind);
        Assert.Equal(identity, FileIdentity.Of(Path.Combine(sub, "..", "data.csv")));
        Assert.Equal(identity, FileIdentity.Of(link));
        Assert.Equal(identity, FileIdentity.Of(hard));
        Assert.Null(FileIdentity.Of(directory.File("missing.csv")));
    }

    [Fact]
    public void SavingAModelOverAnExistingFileNeedsTheFlag()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.json");
        var first = SampleModels.Build(Activation.Tanh, Loss.SquaredError, false, false, seed: 1);
        var second = SampleModels.Build(Activation.Tanh, Loss.SquaredError, false, false, seed: 2);
        ModelFile.Save(first, path);

        Assert.Throws<TargetExistsException>(() => ModelFile.Save(second, path));
        Assert.Equal(ModelFile.ToJson(first), File.ReadAllText(path));

        ModelFile.Save(second, path, overwrite: true);
        Assert.Equal(ModelFile.ToJson(second), File.ReadAllText(path));
    }

    /// <summary>
    /// A directory this process cannot create files in: a subdirectory without write permission, or, for root (who
    /// ignores permissions), /sys, where nobody can create regular files.
    /// </summary>
    internal static string ReadOnlyDirectory(TemporaryDirectory directory)
    {
        if (Environment.UserName == "root")
        {
            return "/sys";
        }

        var locked = Directory.CreateDirectory(directory.File("locked")).FullName;
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return locked;
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments))!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
