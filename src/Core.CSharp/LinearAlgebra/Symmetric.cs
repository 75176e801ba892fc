namespace Nn.LinearAlgebra;

/// <summary>Helpers for symmetric column-major matrices stored in full.</summary>
internal static class Symmetric
{
    /// <summary>Tile edge for the blocked copy: a 32×32 double tile per side stays in L1.</summary>
    private const int Tile = 32;

    /// <summary>
    /// Copies the strict lower triangle of the n×n column-major matrix in <paramref name="c"/> (leading
    /// dimension <paramref name="ldc"/>) onto its strict upper triangle: <c>C[j, i] ← C[i, j]</c> for <c>i &gt; j</c>.
    /// Works tile by tile so that both the column reads and the row writes stay in cache.
    /// </summary>
    internal static void MirrorLowerToUpper(Span<double> c, int n, int ldc)
    {
        for (var jb = 0; jb < n; jb += Tile)
        {
            var jEnd = Math.Min(jb + Tile, n);
            for (var ib = jb; ib < n; ib += Tile)
            {
                var iEnd = Math.Min(ib + Tile, n);
                for (var j = jb; j < jEnd; j++)
                {
                    var column = j * ldc;
                    for (var i = Math.Max(ib, j + 1); i < iEnd; i++)
                    {
                        c[j + (i * ldc)] = c[i + column];
                    }
                }
            }
        }
    }
}
