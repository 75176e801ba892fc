using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using Nn.LinearAlgebra;

namespace Nn.Newton;

/// <summary>
/// The passes over the samples in a Newton step of <see cref="LogisticRegressionNewton"/>, split over the cores: the margins
/// <c>zᵢ = θ_wᵀxᵢ + θ_b</c>, and the gradient <c>X̃(a − y)</c> together with, when asked, the float32 product <c>X̃SX̃ᵀ</c> of
/// the Hessian (lower triangle).
/// </summary>
/// <remarks>
/// <para>Margins are independent per sample, so any split gives the same bits.</para>
/// <para>Sums over the samples are cut into at most <see cref="MaxGroups"/> groups of whole chunks, fixed by n alone; each
/// group is summed on one thread, sample after sample, and the groups' sums are added in group order. So the results do not
/// depend on the number of threads or on which thread ran which group.</para>
/// <para>The float32 product is formed chunk by chunk in the gradient's pass: each sample's column <c>√sᵢ·[xᵢ; 1]</c>
/// (<c>sᵢ = aᵢ(1 − aᵢ)</c>) is rounded to float32 into a buffer of <see cref="Chunk"/> samples, which stays in the caches while
/// that chunk's rank-<see cref="Chunk"/> update of the group's lower triangle runs. Each xᵢ is read from memory once for
/// both, and no n-sample panel is written out and read back. On the default managed backend with 512-bit vectors the columns
/// are written straight into the packed layout of the 32 × 12 register tile (<see cref="PackedGemm.Tile32x12"/>), both as row
/// panels and as column slivers, so the tiles read both operands contiguously; every element is summed in the same order as
/// <see cref="PackedGemm.Gemm{T}"/> sums it on the chunk's plain columns, so every backend of the managed kernel gives the
/// same bits.</para>
/// <para>Pointers: the caller pins the features and labels for the whole call; the arrays are not aliased with each other.</para>
/// </remarks>
internal static unsafe class IrlsPasses
{
    /// <summary>
    /// Samples per chunk: a chunk's packed float32 row panels and column slivers (2 × 800 × 128 × 4 bytes ≈ 0.8 MB at d = 784)
    /// stay in L2 while they are multiplied (on the Fashion-MNIST job 128 took 61 ms of processor time per pass against
    /// 63–65 ms for 256).
    /// </summary>
    internal const int Chunk = 128;

    /// <summary>Rows of the packed register tile (<see cref="PackedGemm.Tile32x12"/>).</summary>
    private const int TileRows = 32;

    /// <summary>Columns of the packed register tile.</summary>
    private const int TileColumns = 12;

    /// <summary>The most groups the samples are cut into (each has its own float32 product, about p² floats).</summary>
    internal const int MaxGroups = 4;

    /// <summary>Parts per thread of the margins' pass, so a thread that starts late still gets a share.</summary>
    private const int MarginParts = 4;

    /// <summary>The number of groups for n samples: one per chunk, at most <see cref="MaxGroups"/>.</summary>
    internal static int GroupCount(int n) => Math.Clamp((n + Chunk - 1) / Chunk, 1, MaxGroups);

    /// <summary>The first sample of group <paramref name="g"/> of <paramref name="groups"/> (whole chunks; <c>g = groups</c> gives n).</summary>
    internal static int GroupStart(int n, int g, int groups)
    {
        var chunks = (n + Chunk - 1) / Chunk;
        return Math.Min(n, (int)((long)chunks * g / groups) * Chunk);
    }

    /// <summary><c>z[i] = θ_wᵀxᵢ + θ_b</c> for every sample i of the d × n features at <paramref name="x"/>.</summary>
    internal static void Margins(double* x, int d, double[] theta, double[] z)
    {
        var threads = Partitioned.ThreadsFor<double>((long)z.Length * d);
        Partitioned.Run(new MarginsJob(x, d, theta, z), threads * MarginParts, threads);
    }

    /// <summary>
    /// <c>aᵢ = σ(zᵢ)</c>; <c>∇_w = λw + Σᵢ(aᵢ − yᵢ)xᵢ</c>, <c>∇_b = Σᵢ(aᵢ − yᵢ)</c>; and with <paramref name="hessian"/> the lower
    /// triangle of <c>H = X̃SX̃ᵀ + λ·diag(1, …, 1, 0)</c>, its product in float32 (column-major p × p, p = d + 1; the strict
    /// upper triangle is not written).
    /// </summary>
    internal static void GradientAndHessian(double* x, int d, double* y, double[] z, ReadOnlySpan<double> theta, double lambda, double[] a, double[] gradient, Sums sums, double[]? hessian)
    {
        var n = z.Length;
        var p = d + 1;
        var groups = GroupCount(n);
        var backend = Blas.Current;
        var rows = Rows(p);
        var threads = Partitioned.ThreadsFor<double>((long)n * d);
        // The buffers are rented here, on the calling thread, before any part reads them.
        var products = hessian is null ? null : sums.Products;
        var chunks = hessian is null ? null : sums.Chunks;
        Partitioned.Run(new GroupJob(x, d, y, z, a, sums.Gradients, products, chunks, backend, Packs(backend)), groups, threads);

        TensorPrimitives.Multiply(theta[..d], lambda, gradient.AsSpan(0, d));
        gradient[d] = 0;
        for (var g = 0; g < groups; g++)
        {
            TensorPrimitives.Add(gradient, sums.Gradients[g], gradient);
        }

        if (hessian is null)
        {
            return;
        }

        var widened = sums.Widened;
        for (var j = 0; j < p; j++)
        {
            var column = hessian.AsSpan((j * p) + j, p - j);
            TensorPrimitives.ConvertTruncating<float, double>(sums.Products[0].AsSpan((j * rows) + j, p - j), column);
            for (var g = 1; g < groups; g++)
            {
                var part = widened.AsSpan(0, p - j);
                TensorPrimitives.ConvertTruncating<float, double>(sums.Products[g].AsSpan((j * rows) + j, p - j), part);
                TensorPrimitives.Add(column, part, column);
            }

            if (j < d)
            {
                column[0] += lambda;
            }
        }
    }

    // Rows and columns of a group's product, padded to whole register tiles: p × p is its top-left corner (leading dimension Rows).
    private static int Rows(int p) => (p + TileRows - 1) / TileRows * TileRows;

    private static int Columns(int p) => (p + TileColumns - 1) / TileColumns * TileColumns;

    // Whether the chunks are packed for the 32 × 12 tile and multiplied tile by tile here: on the default managed backend with
    // 512-bit vectors. Otherwise the backend multiplies the chunk's plain columns (the managed kernel gives the same bits).
    private static bool Packs(IBlasBackend backend) => ReferenceEquals(backend, SimdBlas.Instance) && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or −1; the parts are scanned on all cores.</summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<double> values)
    {
        fixed (double* v = values)
        {
            var threads = Partitioned.ThreadsFor<double>(values.Length);
            var parts = threads * MarginParts;
            var first = new int[parts];
            Partitioned.Run(new FiniteJob(v, values.Length, first), parts, threads);
            foreach (var index in first)
            {
                if (index >= 0)
                {
                    return index;
                }
            }

            return -1;
        }
    }

    private static int IndexOfNonFinite(double* v, int begin, int end)
    {
        var i = begin;
        var width = Vector<double>.Count;
        for (; i + width <= end; i += width)
        {
            // x − x is 0 for every finite x and NaN for NaN and ±∞.
            var block = Vector.Load(v + i);
            if (!Vector.EqualsAll(block - block, Vector<double>.Zero))
            {
                break;
            }
        }

        for (; i < end; i++)
        {
            if (!double.IsFinite(v[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>σ(z) without overflow: <c>1/(1 + e^{−z})</c> for z ≥ 0, <c>e^z/(1 + e^z)</c> below.</summary>
    internal static double Sigmoid(double z)
    {
        if (z >= 0)
        {
            return 1 / (1 + Math.Exp(-z));
        }

        var e = Math.Exp(z);
        return e / (1 + e);
    }

    /// <summary>
    /// The per-group buffers of <see cref="GradientAndHessian"/> for one fit: gradients, and (rented from
    /// <see cref="ArrayPool{T}"/> on first use, returned on <see cref="Dispose"/>) the float32 products and chunk columns.
    /// </summary>
    internal sealed class Sums(int p, int n) : IDisposable
    {
        private readonly int groups = GroupCount(n);
        private float[][]? products;
        private float[][]? chunks;

        public double[][] Gradients { get; } = [.. Enumerable.Range(0, GroupCount(n)).Select(_ => new double[p])];

        public float[][] Products => products ??= Rent(Rows(p) * Columns(p));

        // Room for the packed row panels and column slivers of one chunk (or its plain p × Chunk columns).
        public float[][] Chunks => chunks ??= Rent((Rows(p) + Columns(p)) * Chunk);

        public double[] Widened { get; } = new double[p];

        public void Dispose()
        {
            Return(products);
            Return(chunks);
            products = chunks = null;
        }

        private static void Return(float[][]? arrays)
        {
            foreach (var array in arrays ?? [])
            {
                ArrayPool<float>.Shared.Return(array);
            }
        }

        private float[][] Rent(int length) => [.. Enumerable.Range(0, groups).Select(_ => ArrayPool<float>.Shared.Rent(length))];
    }

    /// <summary>Margins of the samples of part <c>part</c> of <c>parts</c> (equal ranges).</summary>
    private readonly struct MarginsJob(double* x, int d, double[] theta, double[] z) : IPartitionedJob
    {
        public void Run(int part, int parts)
        {
            var n = z.Length;
            var end = (int)((long)n * (part + 1) / parts);
            var w = new ReadOnlySpan<double>(theta, 0, d);
            var b = theta[d];
            for (var i = (int)((long)n * part / parts); i < end; i++)
            {
                z[i] = Reductions.Dot(new ReadOnlySpan<double>(x + ((long)i * d), d), w) + b;
            }
        }
    }

    /// <summary>The first non-finite index of part <c>part</c> of <c>parts</c> (equal ranges), or −1, into <c>first[part]</c>.</summary>
    private readonly struct FiniteJob(double* values, int length, int[] first) : IPartitionedJob
    {
        public void Run(int part, int parts) =>
            first[part] = IndexOfNonFinite(values, (int)((long)length * part / parts), (int)((long)length * (part + 1) / parts));
    }

    /// <summary>One group's gradient sum and, with <c>products</c>, its float32 product, chunk by chunk.</summary>
    private readonly struct GroupJob(double* x, int d, double* y, double[] z, double[] a, double[][] gradients, float[][]? products, float[][]? chunks, IBlasBackend backend, bool packs) : IPartitionedJob
    {
        public void Run(int part, int parts)
        {
            var n = z.Length;
            var p = d + 1;
            var begin = GroupStart(n, part, parts);
            var end = GroupStart(n, part + 1, parts);
            var g = gradients[part];
            var gw = g.AsSpan(0, d);
            gw.Clear();
            var gb = 0.0;
            var product = products is not null && chunks is not null;
            var chunk = product ? chunks![part] : [];
            var target = product ? products![part] : [];
            var scaled = product ? new double[d] : [];
            var (rows, columns) = (Rows(p), Columns(p));
            var packed = product && packs ? new float[Math.Max(rows, columns)] : []; // one scaled column, zero past p
            var beta = 0f;
            for (var c0 = begin; c0 < end; c0 += Chunk)
            {
                var count = Math.Min(Chunk, end - c0);
                for (var i = c0; i < c0 + count; i++)
                {
                    var ai = Sigmoid(z[i]);
                    a[i] = ai;
                    var r = ai - y[i];
                    var sample = new ReadOnlySpan<double>(x + ((long)i * d), d);
                    TensorPrimitives.MultiplyAdd(sample, r, gw, gw);
                    gb += r;
                    if (product)
                    {
                        var root = Math.Sqrt(ai * (1 - ai));
                        var column = packs ? packed : chunk.AsSpan((i - c0) * p, p);
                        TensorPrimitives.Multiply(sample, root, scaled);
                        TensorPrimitives.ConvertTruncating<double, float>(scaled, column[..d]);
                        column[d] = (float)root;
                        if (packs)
                        {
                            Scatter(packed, i - c0, chunk, rows, columns);
                        }
                    }
                }

                if (product && packs)
                {
                    PackedLowerProduct(p, count, chunk, beta != 0, target);
                    beta = 1f;
                }
                else if (product)
                {
                    LowerProduct(backend, p, count, chunk, beta, target);
                    beta = 1f;
                }
            }

            g[d] = gb;
        }

        // Column t of the chunk into its packed places: rows 32r … 32r + 31 at [32r·Chunk + 32t] (the row panels, one after
        // another), columns 12s … 12s + 11 at [rows·Chunk + 12s·Chunk + 12t] (the column slivers). Padding rows are zero.
        private static void Scatter(float[] column, int t, float[] chunk, int rows, int columns)
        {
            for (var r = 0; r < rows; r += TileRows)
            {
                column.AsSpan(r, TileRows).CopyTo(chunk.AsSpan((r * Chunk) + (t * TileRows)));
            }

            var slivers = chunk.AsSpan(rows * Chunk);
            for (var c = 0; c < columns; c += TileColumns)
            {
                column.AsSpan(c, TileColumns).CopyTo(slivers[((c * Chunk) + (t * TileColumns))..]);
            }
        }

        // The register tiles of C (leading dimension Rows(p)) that touch the lower triangle ← (C +) A·Aᵀ over the k packed
        // columns of the chunk, column sliver by column sliver (a sliver stays in L1 while the row panels stream from L2).
        private static void PackedLowerProduct(int p, int k, float[] chunk, bool accumulate, float[] c)
        {
            var (rows, columns) = (Rows(p), Columns(p));
            fixed (float* pack = chunk, target = c)
            {
                var slivers = pack + ((nint)rows * Chunk);
                for (var jr = 0; jr < columns; jr += TileColumns)
                {
                    for (var ir = jr / TileRows * TileRows; ir < rows; ir += TileRows)
                    {
                        PackedGemm.Tile32x12(k, pack + ((nint)ir * Chunk), slivers + ((nint)jr * Chunk), target + ir + ((nint)jr * rows), rows, accumulate);
                    }
                }
            }
        }

        // The lower triangle of C ← A·Aᵀ + β·C for the p × k float32 columns A, on this thread: the managed kernel computes
        // only the tiles that touch the lower triangle (half the work); another backend computes the whole product.
        private static void LowerProduct(IBlasBackend backend, int p, int k, float[] columns, float beta, float[] c)
        {
            var a = columns.AsSpan(0, p * k);
            if (backend is SimdBlas)
            {
                PackedGemm.Gemm(Transpose.No, Transpose.Yes, p, p, k, 1f, a, p, a, p, beta, c, Rows(p), lowerOnly: true, SimdBlas.WidthOf(backend), split: false);
            }
            else
            {
                backend.Gemm(Transpose.No, Transpose.Yes, p, p, k, 1f, a, p, a, p, beta, c, Rows(p));
            }
        }
    }
}
