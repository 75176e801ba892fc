using System.Collections.Immutable;

namespace Nn.Data;

/// <summary>
/// The contents of an IDX file of unsigned bytes (the MNIST format): its dimensions and its data, row-major,
/// so for images (n × rows × columns) each image is a contiguous block of <c>rows·columns</c> bytes.
/// </summary>
/// <remarks>Build it with <see cref="Idx.Read(string)"/>; the data are never mutated after reading.</remarks>
public sealed record IdxFile
{
    /// <summary>The file the data came from (or the name given to <see cref="Idx.Read(Stream, string)"/>).</summary>
    public required string Source { get; init; }

    /// <summary>The dimensions, outermost first: <c>[n]</c> for labels, <c>[n, rows, columns]</c> for images.</summary>
    public required ImmutableArray<int> Dimensions { get; init; }

    /// <summary>The bytes, row-major; its length is the product of <see cref="Dimensions"/>.</summary>
    public required ImmutableArray<byte> Data { get; init; }

    /// <summary>The number of items: the first dimension.</summary>
    public int Count => Dimensions[0];

    /// <summary>The number of bytes per item: the product of the dimensions after the first (1 for labels).</summary>
    public int ItemSize => Count == 0 ? 0 : Data.Length / Count;
}
