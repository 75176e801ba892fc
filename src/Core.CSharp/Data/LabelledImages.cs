using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Nn.Data;

/// <summary>
/// Grey-scale images with one class label each, as read from a pair of IDX files.
/// </summary>
/// <remarks>
/// <see cref="Pixels"/> holds image <c>i</c> at <c>[i·Rows·Columns, (i+1)·Rows·Columns)</c>, row-major within the image:
/// read as a column-major matrix it is already features × samples (<c>Rows·Columns</c> × <c>Count</c>).
/// </remarks>
public sealed record LabelledImages
{
    /// <summary>The pixel bytes (0–255), image after image.</summary>
    public required ImmutableArray<byte> Pixels { get; init; }

    /// <summary>The class label of each image.</summary>
    public required ImmutableArray<byte> Labels { get; init; }

    /// <summary>The number of images.</summary>
    public required int Count { get; init; }

    /// <summary>Pixel rows per image.</summary>
    public required int Rows { get; init; }

    /// <summary>Pixel columns per image.</summary>
    public required int Columns { get; init; }

    /// <summary>Pixels per image, <c>Rows·Columns</c>: the number of features.</summary>
    public int FeatureCount => Rows * Columns;

    /// <summary>
    /// The images whose label satisfies <paramref name="keep"/>, in their original order, as a features × samples
    /// column-major array of <c>pixel·scale</c> (e.g. <c>scale = 1/255</c> maps pixels to [0, 1]).
    /// </summary>
    /// <param name="keep">Which labels to keep; all images when null.</param>
    /// <param name="scale">The factor applied to every pixel.</param>
    /// <returns>The features (length <c>FeatureCount·k</c>) and the <c>k</c> labels of the kept images.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is NaN or infinite.</exception>
    public (double[] Features, byte[] Labels) ToFeatures(Func<byte, bool>? keep = null, double scale = 1.0 / 255) =>
        ToFeatures<double>(keep, scale);

    /// <summary>
    /// As <see cref="ToFeatures(Func{byte, bool}?, double)"/>, in precision T: each <c>pixel·scale</c> is computed in
    /// float64 and rounded to T once, so the features are held only in the precision they are used in.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is NaN or infinite.</exception>
    public (T[] Features, byte[] Labels) ToFeatures<T>(Func<byte, bool>? keep = null, double scale = 1.0 / 255)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (!double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The pixel scale must be finite.");
        }

        var d = FeatureCount;
        var kept = new List<int>(Count);
        for (var i = 0; i < Count; i++)
        {
            if (keep is null || keep(Labels[i]))
            {
                kept.Add(i);
            }
        }

        var features = new T[(long)d * kept.Count];
        var labels = new byte[kept.Count];
        var pixels = ImmutableCollectionsMarshal.AsArray(Pixels)!;

        // Each of the 256 pixel values rounded once, then looked up: the same values as converting pixel by pixel.
        Span<T> value = stackalloc T[256];
        for (var b = 0; b < 256; b++)
        {
            value[b] = T.CreateTruncating(b * scale);
        }

        for (var j = 0; j < kept.Count; j++)
        {
            var source = pixels.AsSpan(kept[j] * d, d);
            var target = features.AsSpan(j * d, d);
            for (var p = 0; p < d; p++)
            {
                target[p] = value[source[p]];
            }

            labels[j] = Labels[kept[j]];
        }

        return (features, labels);
    }
}
