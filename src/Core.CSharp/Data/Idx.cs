using System.Buffers.Binary;
using System.Collections.Immutable;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Nn.Data;

/// <summary>
/// Reads IDX files of unsigned bytes, plain or gzip-compressed, as used by MNIST and Fashion-MNIST
/// (LeCun, Cortes &amp; Burges, "The MNIST database of handwritten digits", file-format section).
/// </summary>
/// <remarks>
/// <para>Layout: a big-endian magic number <c>0x000008DD</c> (two zero bytes, type code <c>0x08</c> = unsigned byte,
/// then the number of dimensions <c>DD</c>), one big-endian 32-bit size per dimension, then the data row-major.
/// Label files are <c>0x00000801</c> (one dimension), image files <c>0x00000803</c> (three).</para>
/// <para>A gzip file is recognised by its first two bytes (<c>1F 8B</c>), whatever its name.</para>
/// </remarks>
public static class Idx
{
    /// <summary>The magic number of a label file: unsigned bytes, one dimension.</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The magic number of an image file: unsigned bytes, three dimensions.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Reads an IDX file of unsigned bytes (any number of dimensions), plain or gzip-compressed.</summary>
    /// <param name="path">The file.</param>
    /// <returns>Its dimensions and data.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The magic number is wrong, the data are shorter or longer than the header says, or the gzip stream is corrupt.</exception>
    public static IdxFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: IDX file not found.", path);
        }

        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads an IDX file of unsigned bytes from a stream, plain or gzip-compressed; the stream is read to its end but not closed.</summary>
    /// <param name="stream">The stream, positioned at the start of the file.</param>
    /// <param name="name">The name used in error messages and in <see cref="IdxFile.Source"/>.</param>
    /// <returns>Its dimensions and data.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="DataFormatException">The magic number is wrong, the data are shorter or longer than the header says, or the gzip stream is corrupt.</exception>
    public static IdxFile Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (stream.CanSeek && ReadInPlace(stream, name) is { } direct)
        {
            return direct;
        }

        byte[] raw;
        try
        {
            raw = ReadAll(stream);
            if (raw.Length >= 2 && raw[0] == 0x1F && raw[1] == 0x8B)
            {
                using var gzip = new GZipStream(new MemoryStream(raw, writable: false), CompressionMode.Decompress);
                raw = ReadAll(gzip);
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{name}: corrupt gzip stream ({e.Message})", e);
        }

        return Parse(raw, name);
    }

    /// <summary>
    /// Reads an image file and its label file and checks that they belong together: magic numbers
    /// <see cref="ImagesMagic"/> and <see cref="LabelsMagic"/>, and as many labels as images.
    /// </summary>
    /// <param name="imagesPath">The image file (n × rows × columns).</param>
    /// <param name="labelsPath">The label file (n).</param>
    /// <returns>The images with their labels.</returns>
    /// <exception cref="ArgumentException">A path is null or empty.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="DataFormatException">A file is malformed, has the other kind's magic number, or the counts differ.</exception>
    public static LabelledImages ReadLabelledImages(string imagesPath, string labelsPath)
    {
        var images = Read(imagesPath);
        var labels = Read(labelsPath);
        if (images.Dimensions.Length != 3)
        {
            throw new DataFormatException($"{imagesPath}: expected an image file (magic 0x{ImagesMagic:X8}) but it has {images.Dimensions.Length} dimension(s).");
        }

        if (labels.Dimensions.Length != 1)
        {
            throw new DataFormatException($"{labelsPath}: expected a label file (magic 0x{LabelsMagic:X8}) but it has {labels.Dimensions.Length} dimensions.");
        }

        if (images.Count != labels.Count)
        {
            throw new DataFormatException($"{labelsPath}: holds {labels.Count} labels but {imagesPath} holds {images.Count} images.");
        }

        return new LabelledImages
        {
            Pixels = images.Data,
            Labels = labels.Data,
            Count = images.Count,
            Rows = images.Dimensions[1],
            Columns = images.Dimensions[2],
        };
    }

    /// <summary>
    /// The common case without intermediate copies: a well-formed file (plain or gzip) read straight into an array of
    /// the size its header gives. Returns null, with the stream back at its start, for anything irregular — a short or
    /// odd header, a size the file cannot hold, too few or too many bytes, corrupt gzip — so that the buffered reading
    /// names the fault exactly.
    /// </summary>
    private static IdxFile? ReadInPlace(Stream stream, string name)
    {
        var start = stream.Position;
        var length = stream.Length - start;
        IdxFile? read;
        try
        {
            Span<byte> head = stackalloc byte[2];
            var gzip = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == 0x1F && head[1] == 0x8B;
            stream.Position = start;
            if (gzip)
            {
                // Deflate expands at most 1032:1 (a 258-byte match coded in two bits), which bounds what a header may claim.
                using var inflated = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
                read = ReadSized(inflated, name, length * 1032);
            }
            else
            {
                read = ReadSized(stream, name, length);
            }
        }
        catch (InvalidDataException)
        {
            read = null;
        }

        if (read is null)
        {
            stream.Position = start;
        }

        return read;
    }

    /// <summary>Reads header and data of a file of at most <paramref name="available"/> bytes, or returns null when anything is irregular.</summary>
    private static IdxFile? ReadSized(Stream stream, string name, long available)
    {
        Span<byte> magic = stackalloc byte[4];
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
        {
            return null;
        }

        var rank = BinaryPrimitives.ReadInt32BigEndian(magic) is var m && (m & ~0xFF) == 0x00000800 ? m & 0xFF : 0;
        if (rank == 0)
        {
            return null;
        }

        var sizes = new byte[4 * rank];
        if (stream.ReadAtLeast(sizes, sizes.Length, throwOnEndOfStream: false) < sizes.Length)
        {
            return null;
        }

        var dimensions = new int[rank];
        long expected = 1;
        for (var i = 0; i < rank; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(sizes.AsSpan(4 * i));
            expected *= size;
            if (size > int.MaxValue || expected > Array.MaxLength)
            {
                return null;
            }

            dimensions[i] = (int)size;
        }

        if (expected > available - 4 - sizes.Length)
        {
            return null;
        }

        var data = new byte[expected];
        if (stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length || stream.ReadByte() >= 0)
        {
            return null;
        }

        return new IdxFile
        {
            Source = name,
            Dimensions = ImmutableCollectionsMarshal.AsImmutableArray(dimensions),
            Data = ImmutableCollectionsMarshal.AsImmutableArray(data),
        };
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static IdxFile Parse(byte[] raw, string name)
    {
        if (raw.Length < 4)
        {
            throw new DataFormatException($"{name}: truncated: {raw.Length} byte(s), too short for the 4-byte IDX magic number.");
        }

        var magic = BinaryPrimitives.ReadInt32BigEndian(raw);
        var rank = magic & 0xFF;
        if ((magic & ~0xFF) != 0x00000800 || rank == 0)
        {
            throw new DataFormatException($"{name}: wrong magic number 0x{magic:X8}; expected 0x{LabelsMagic:X8} (labels) or 0x{ImagesMagic:X8} (images), i.e. 0x000008NN for unsigned bytes.");
        }

        var headerLength = 4 + (4 * rank);
        if (raw.Length < headerLength)
        {
            throw new DataFormatException($"{name}: truncated header: {rank} dimension(s) need {headerLength} bytes but the file has {raw.Length}.");
        }

        var dimensions = new int[rank];
        long expected = 1;
        for (var i = 0; i < rank; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(4 + (4 * i)));
            if (size > int.MaxValue)
            {
                throw new DataFormatException($"{name}: dimension {i} is {size}, larger than supported.");
            }

            dimensions[i] = (int)size;
            expected *= size;
            if (expected > Array.MaxLength)
            {
                throw new DataFormatException($"{name}: dimensions [{string.Join(", ", dimensions.Take(i + 1))}] describe more data than an array can hold.");
            }
        }

        var actual = raw.Length - headerLength;
        if (actual < expected)
        {
            throw new DataFormatException($"{name}: truncated: dimensions [{string.Join(", ", dimensions)}] need {expected} data bytes but only {actual} follow the header.");
        }

        if (actual > expected)
        {
            throw new DataFormatException($"{name}: {actual - expected} unexpected byte(s) after the {expected} data bytes of dimensions [{string.Join(", ", dimensions)}].");
        }

        // The freshly allocated copy is handed over frozen.
        var data = raw.AsSpan(headerLength).ToArray();
        return new IdxFile
        {
            Source = name,
            Dimensions = ImmutableCollectionsMarshal.AsImmutableArray(dimensions),
            Data = ImmutableCollectionsMarshal.AsImmutableArray(data),
        };
    }
}
