using Nn.Activations;
using Nn.IO;
using Nn.Losses;
using Nn.Serialization;
using Nn.Tests.Support;

namespace Nn.Tests.IO;

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

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "replacement"));

        Assert.Equal($"{path} already exists; pass overwrite: true to replace it.", error.Message);
        Assert.Equal("original", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void AnExistingFileIsReplacedWithTheFlag()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("out.csv");
        File.WriteAllText(path, "original");

        AtomicFile.WriteAllText(path, "replacement", overwrite: true);

        Assert.Equal("replacement", File.ReadAllText(path));
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

        Assert.Contains(Path.Combine(directory.Path, "missing"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SavingAModelOverAnExistingFileNeedsTheFlag()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.json");
        var first = SampleModels.Build(Activation.Tanh, Loss.SquaredError, false, false, seed: 1);
        var second = SampleModels.Build(Activation.Tanh, Loss.SquaredError, false, false, seed: 2);
        ModelFile.Save(first, path);

        Assert.Throws<IOException>(() => ModelFile.Save(second, path));
        Assert.Equal(ModelFile.ToJson(first), File.ReadAllText(path));

        ModelFile.Save(second, path, overwrite: true);
        Assert.Equal(ModelFile.ToJson(second), File.ReadAllText(path));
    }
}
