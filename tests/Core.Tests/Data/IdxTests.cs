using System.Buffers.Binary;
using System.IO.Compression;
using Nn.Data;
using Nn.TestSupport;

namespace Nn.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("nn-idx-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    // Two 2×3 images, pixels 0..11, and their labels 7 and 2.
    private static readonly byte[] Pixels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    private static byte[] Idx(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dimensions[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dimensions.Length));
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void APlainImageFileIsReadWithItsDimensionsAndBytes()
    {
        var file = Nn.Data.Idx.Read(Write("images", Idx(0x803, [2, 2, 3], Pixels)));

        Assert.Equal([2, 2, 3], file.Dimensions.ToArray());
        Assert.Equal(Pixels, file.Data.ToArray());
        Assert.Equal(2, file.Count);
        Assert.Equal(6, file.ItemSize);
    }

    [Fact]
    public void AGzippedFileReadsTheSameAsThePlainOne()
    {
        var plain = Nn.Data.Idx.Read(Write("labels", Idx(0x801, [2], [7, 2])));
        var gzipped = Nn.Data.Idx.Read(Write("labels.gz", Gzip(Idx(0x801, [2], [7, 2]))));

        Assert.Equal(plain.Dimensions.ToArray(), gzipped.Dimensions.ToArray());
        Assert.Equal(plain.Data.ToArray(), gzipped.Data.ToArray());
        Assert.Equal([7, 2], gzipped.Data.ToArray());
    }

    [Fact]
    public void ImagesAndLabelsBecomeAFeaturesBySamplesArrayScaledAsRequested()
    {
        var set = Nn.Data.Idx.ReadLabelledImages(
            Write("images.gz", Gzip(Idx(0x803, [2, 2, 3], Pixels))),
            Write("labels", Idx(0x801, [2], [7, 2])));

        Assert.Equal(6, set.FeatureCount);
        var (all, allLabels) = set.ToFeatures(scale: 0.5);
        Assert.Equal(Pixels.Select(p => p * 0.5), all);
        Assert.Equal([7, 2], allLabels);

        var (onlyTwo, twoLabels) = set.ToFeatures(label => label == 2);
        Assert.Equal(Pixels.Skip(6).Select(p => p / 255.0), onlyTwo);
        Assert.Equal([2], twoLabels);
    }

    [Fact]
    public void Float32FeaturesArePixelTimesScaleRoundedOnce()
    {
        var set = Nn.Data.Idx.ReadLabelledImages(
            Write("images", Idx(0x803, [2, 2, 3], Pixels)),
            Write("labels", Idx(0x801, [2], [7, 2])));

        var (features, _) = set.ToFeatures<float>();
        Assert.Equal(Pixels.Select(p => (float)(p * (1.0 / 255))), features);
    }

    [Fact]
    public void AStreamThatCannotSeekReadsTheSameAsTheFile()
    {
        var bytes = Gzip(Idx(0x803, [2, 2, 3], Pixels));
        using var stream = new ForwardOnly(bytes);
        var file = Nn.Data.Idx.Read(stream, "piped");

        Assert.Equal([2, 2, 3], file.Dimensions.ToArray());
        Assert.Equal(Pixels, file.Data.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AHeaderClaimingFarMoreThanTheFileHoldsIsTruncatedWithoutAllocatingTheClaim(bool gzip)
    {
        // 40,000 × 200 × 200 = 1.6 GB claimed by a file of a few dozen bytes.
        var whole = Idx(0x803, [40_000, 200, 200], Pixels);
        var path = Write(gzip ? "liar.gz" : "liar", gzip ? Gzip(whole) : whole);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => Nn.Data.Idx.Read(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.StartsWith(path + ": truncated", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated to refuse the file");
    }

    /// <summary>A read-only stream without seeking, as a pipe is.</summary>
    private sealed class ForwardOnly(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public void AMissingFileIsReportedByName()
    {
        var path = Path.Combine(folder, "absent.gz");

        var error = Assert.Throws<FileNotFoundException>(() => Nn.Data.Idx.Read(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x00000903)]
    [InlineData(0x00000800)]
    [InlineData(0x01000803)]
    [InlineData(0x00000C03)]
    public void AWrongMagicNumberIsReportedWithTheFileName(int magic)
    {
        var path = Write("bad-magic", Idx(magic, [2, 2, 3], Pixels));

        var error = Assert.Throws<DataFormatException>(() => Nn.Data.Idx.Read(path));
        Assert.StartsWith(path + ": wrong magic number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataShorterThanTheHeaderPromisesIsReportedAsTruncated()
    {
        var whole = Idx(0x803, [2, 2, 3], Pixels);
        var path = Write("short.gz", Gzip(whole[..^1]));

        var error = Assert.Throws<DataFormatException>(() => Nn.Data.Idx.Read(path));
        Assert.StartsWith(path + ": truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("need 12 data bytes but only 11", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHeaderCutShortIsReportedAsTruncated()
    {
        var path = Write("short-header", Idx(0x803, [2, 2, 3], Pixels)[..10]);

        var error = Assert.Throws<DataFormatException>(() => Nn.Data.Idx.Read(path));
        Assert.StartsWith(path + ": truncated header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BytesBeyondTheDeclaredDataAreReported()
    {
        var path = Write("long", Idx(0x801, [2], [7, 2, 9]));

        var error = Assert.Throws<DataFormatException>(() => Nn.Data.Idx.Read(path));
        Assert.StartsWith(path + ": 1 unexpected byte(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorruptGzipStreamIsReportedWithTheFileName()
    {
        var gz = Gzip(Idx(0x801, [2], [7, 2]));
        gz[^5] ^= 0xFF; // damage the stored length in the gzip trailer
        gz[12] ^= 0xFF; // and the deflate data
        var path = Write("corrupt.gz", gz);

        var error = Assert.Throws<DataFormatException>(() => Nn.Data.Idx.Read(path));
        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImagesAndLabelsOfDifferentCountsAreRejectedNamingBothFiles()
    {
        var images = Write("images", Idx(0x803, [2, 2, 3], Pixels));
        var labels = Write("labels", Idx(0x801, [3], [7, 2, 1]));

        var error = Assert.Throws<DataFormatException>(() => Nn.Data.Idx.ReadLabelledImages(images, labels));
        Assert.Equal($"{labels}: holds 3 labels but {images} holds 2 images.", error.Message);
    }

    [Fact]
    public void ALabelFileGivenAsImagesIsRejected()
    {
        var labels = Write("labels", Idx(0x801, [2], [7, 2]));

        var error = Assert.Throws<DataFormatException>(() => Nn.Data.Idx.ReadLabelledImages(labels, labels));
        Assert.StartsWith(labels + ": expected an image file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFashionMnistFolderSaysWhichPackageToInstall()
    {
        var error = Assert.Throws<FileNotFoundException>(() => FashionMnist.LoadTrain(Path.Combine(folder, "nowhere")));
        Assert.Contains("install the dataset-fashion-mnist package", error.Message, StringComparison.Ordinal);
    }

    [SystemFact(SystemPackage.FashionMnist)]
    public void TheInstalledFashionMnistHasTheDocumentedSizes()
    {
        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();

        Assert.Equal((60_000, 28, 28), (train.Count, train.Rows, train.Columns));
        Assert.Equal((10_000, 28, 28), (test.Count, test.Rows, test.Columns));
        // Both sets are balanced: 6,000 and 1,000 images per class.
        Assert.All(train.Labels.GroupBy(l => l), g => Assert.Equal(6_000, g.Count()));
        Assert.All(test.Labels.GroupBy(l => l), g => Assert.Equal(1_000, g.Count()));
    }
}
