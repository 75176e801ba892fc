using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.LinearAlgebra;

/// <summary>
/// Cache-blocked matrix multiply on hardware vectors, after Goto and van de Geijn, "Anatomy of High-Performance Matrix
/// Multiplication", ACM TOMS 34(3), 2008, and the BLIS loop structure (Van Zee and van de Geijn, ACM TOMS 41(3), 2015):
/// a register tile of 2·W rows × 12 columns of C (W = lanes per vector; 24 of the 32 AVX-512 registers) accumulates
/// kc fused multiply-adds per element before it is written once, from an MR-row sliver of α·op(A) and a kc×12 sliver
/// of op(B) that stays in L1.
/// </summary>
/// <remarks>
/// <para>Operands are read in place wherever their layout already serves the kernel: op(A) = A with α = 1 has its row
/// panels contiguous per step (column p of A), and op(B) is only ever broadcast one element at a time, so its slivers
/// are read with their strides (12 columns of B, or 12 contiguous elements of a row of Bᵀ). Only op(A) = Aᵀ (by 16×16
/// or 8×8 register transposes on AVX-512), α ≠ 1, ragged edges and slivers of op(B) that many row tiles reuse are
/// packed, into buffers rented from <see cref="ArrayPool{T}"/>: the steady state allocates nothing. A product
/// Aᵀ·op(B) with few columns is computed transposed instead (see <c>RunSwapped</c>), so that the small operand is the
/// one transposed.</para>
/// <para>Every element of C is computed the same way wherever its tile sits, whichever thread runs it and whatever the
/// other dimensions are: one fused multiply-add chain over each block of <see cref="KBlock"/> inner indices (which
/// depends on k alone), added to C block after block. So results do not depend on the number of threads, and each
/// column of C does not depend on the other columns of op(B) (the batch invariance of <see cref="Layers.Propagation"/>);
/// the unblocked loop for tiny products follows the same order.</para>
/// <para>Large products are split over the cores by <see cref="Partitioned"/>: by row panels when op(A) is the larger
/// operand (each thread then packs only its own panels of Aᵀ), else by column slivers — or by k blocks, each thread
/// reading only its block of both operands, when k has a block per thread and the blocks' partial results are small
/// beside the operand that a split by rows or columns would have every thread read: the first layer's forward product
/// of a training step (z = W·x, W 128 × 784, a batch of 64 or 256), whose weight columns the same core then differentiates
/// and updates.</para>
/// </remarks>
internal static unsafe class PackedGemm
{
    /// <summary>Columns per register tile (the broadcast operand); ragged edges take tiles of 8 or 4 columns.</summary>
    private const int NR = 12;

    /// <summary>At or below this many multiply-adds (m·n·k) a plain loop beats the tiles.</summary>
    private const long DirectWork = 2048;

    /// <summary>From this many multiply-adds on, the product is split over the cores.</summary>
    private const long ParallelWork = 1L << 20;

    /// <summary>Parts per thread in a split product, so a thread that starts late still gets a share.</summary>
    private const int PartsPerThread = 2;

    /// <summary>Largest operand, in bytes, that every part of a split product may re-read: it stays in the L2 caches.</summary>
    private const long SharedBytes = 1L << 21;

    /// <summary>Row tiles per part from which op(B) is packed rather than read in place.</summary>
    private const int PackedSliverReuse = 16;

    /// <summary>Columns of the swapped product per unit of its split: whole slivers of 12 and whole 16×16 transposes.</summary>
    private const int SwappedUnit = 48;

    /// <summary>Rows of op(A) packed at a time when it must be packed: an mc×kc block (≤ 512 KiB) stays in L2.</summary>
    private const int McMax = 256;

    /// <summary>How the register tile is combined with C.</summary>
    private enum Update
    {
        /// <summary><c>C ← T</c>: β = 0, old C not read.</summary>
        Overwrite,

        /// <summary><c>C ← C + T</c>: β = 1, or a later k block.</summary>
        Accumulate,

        /// <summary><c>C ← T + β·C</c>, fused.</summary>
        Scale,
    }

    /// <summary>Which vector width runs the tiles.</summary>
    internal enum Width
    {
        /// <summary>The widest this machine accelerates: 512-bit, else 256-bit with FMA, else plain loops.</summary>
        Auto,

        /// <summary>256-bit vectors, one-vector tiles (16 registers suffice), when accelerated; else plain loops.</summary>
        Vector256,

        /// <summary>Plain loops in the same summation order.</summary>
        Scalar,
    }

    /// <summary>Whether <see cref="Gemm{T}"/> runs on 512-bit or 256-bit vectors here (false: plain loops).</summary>
    internal static bool IsAccelerated => Vector512.IsHardwareAccelerated || Has256;

    private static bool Has256 => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    /// <summary>
    /// Inner indices per k block: at most 512 bytes' worth per column (a kc×12 sliver of op(B) is then ≤ 24 KiB, in
    /// L1), in equal blocks. Depends on k alone, so every element of C is summed in the same order in every product.
    /// </summary>
    internal static int KBlock<T>(int k)
        where T : unmanaged
    {
        var kcMax = 2048 / sizeof(T);
        var blocks = Math.Max(1, (k + kcMax - 1) / kcMax);
        return (k + blocks - 1) / blocks;
    }

    /// <summary>
    /// <c>C ← α·op(A)·op(B) + β·C</c>, arguments as in <see cref="IBlasBackend"/> (already validated, m, n &gt; 0).
    /// With <paramref name="lowerOnly"/> (m = n) only the register tiles that touch the lower triangle are
    /// computed; tiles strictly above the diagonal are left as they were. Without <paramref name="split"/> the product
    /// runs on the calling thread whatever its size (a caller that already keeps every core busy); the bits are the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gemm<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc, bool lowerOnly, Width width = Width.Auto, bool split = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 0 || T.IsZero(alpha))
        {
            ScaleOnly(m, n, beta, c, ldc);
            return;
        }

        var wide = width == Width.Auto && Vector512.IsHardwareAccelerated;
        var narrow = !wide && width != Width.Scalar && Has256;
        if ((long)m * n * k <= DirectWork || !(wide || narrow))
        {
            Direct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }

        fixed (T* pa = a, pb = b, pc = c)
        {
            var problem = new Problem<T>(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, lowerOnly);
            if (wide)
            {
                Dispatch<Simd512<T>, Vector512<T>, T>(problem, 2, split);
            }
            else
            {
                Dispatch<Simd256<T>, Vector256<T>, T>(problem, 1, split);
            }
        }
    }

    /// <summary><c>C ← β·C</c> (β = 0 clears, so NaN in C is dropped).</summary>
    private static void ScaleOnly<T>(int m, int n, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (beta == T.One)
        {
            return;
        }

        for (var j = 0; j < n; j++)
        {
            var column = c.Slice(j * ldc, m);
            if (T.IsZero(beta))
            {
                column.Clear();
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(column, beta, column);
            }
        }
    }

    /// <summary>
    /// The textbook loop of dot products, for products too small to repay the tiles and for machines without vectors:
    /// each element is summed exactly as a register tile sums it (α folded into op(A), one fused chain per k block,
    /// blocks added to C in turn), so it gives the same bits. Unchecked: the caller has validated the operands (the
    /// layers' tiny products call it without the seam's dispatch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Direct<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Element strides of op(A) along i and p, and of op(B) along p and j.
        var (ai, ap) = transA == Transpose.No ? (1, lda) : (lda, 1);
        var (bp, bj) = transB == Transpose.No ? (1, ldb) : (ldb, 1);
        var kc = KBlock<T>(k);
        var scaled = alpha != T.One;
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
            {
                ref var cij = ref c[i + (j * ldc)];
                for (var p0 = 0; p0 < k; p0 += kc)
                {
                    var sum = T.Zero;
                    int ia = (i * ai) + (p0 * ap), ib = (j * bj) + (p0 * bp);
                    var end = Math.Min(k, p0 + kc);
                    for (var p = p0; p < end; p++, ia += ap, ib += bp)
                    {
                        sum = T.FusedMultiplyAdd(scaled ? alpha * a[ia] : a[ia], b[ib], sum);
                    }

                    cij = p0 > 0 || beta == T.One ? cij + sum : T.IsZero(beta) ? sum : T.FusedMultiplyAdd(beta, cij, sum);
                }
            }
        }
    }

    /// <summary>Splits C over the cores when the product is large enough to repay it, by row panels or column slivers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dispatch<TS, TV, T>(Problem<T> problem, int panelVectors, bool split)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, n) = (problem.M, problem.N);
        if (typeof(TS) == typeof(Simd512<T>) && Avx512F.IsSupported && problem.TransA == Transpose.Yes && problem.Alpha == T.One && T.IsZero(problem.Beta)
            && !problem.LowerOnly && n >= TS.Count && m >= 8L * n && (long)n * (m + problem.K) < (long)m * problem.K)
        {
            RunSwapped<TS, TV, T>(problem, panelVectors, split);
            return;
        }

        var mr = m <= TS.Count ? TS.Count : panelVectors * TS.Count;
        var work = (long)m * n * problem.K;
        var threads = split && work >= ParallelWork ? Environment.ProcessorCount : 1;
        var byRows = !problem.LowerOnly && m > n;
        var units = byRows ? (m + mr - 1) / mr : (n + NR - 1) / NR;

        // Every part reads all of the operand that is not split; when that is too large to stay in the caches (the
        // Gram matrix of a whole data set) it comes from memory once per part, so then each thread takes one part.
        var sharedBytes = (long)(byRows ? n : m) * problem.K * sizeof(T);
        var parts = Math.Min(units, threads * (sharedBytes <= SharedBytes ? PartsPerThread : 1));
        if (threads <= 1 || parts <= 1)
        {
            Run<TS, TV, T>(problem, mr, 0, m, 0, n);
            return;
        }

        // A split by k blocks costs writing and reading the later blocks' partial results; a split by rows (columns) has
        // every thread read all of op(B) (op(A)).
        var kc = KBlock<T>(problem.K);
        var kBlocks = (problem.K + kc - 1) / kc;
        if (kBlocks >= threads && !problem.LowerOnly && 2L * m * n * (kBlocks - 1) < (byRows ? (long)n : m) * problem.K && (long)m * n * (kBlocks - 1) * sizeof(T) <= SharedBytes)
        {
            RunByKBlocks<TS, TV, T>(problem, mr, kc, kBlocks, threads);
            return;
        }

        Partitioned.Run(new Parts<TS, TV, T>(problem, mr, byRows), parts, threads);
    }

    /// <summary>
    /// <c>C = Aᵀ·op(B)</c> with few columns (α = 1, β = 0; at least a vector's worth, and m ≥ 8n) as <c>S = Cᵀ = op(B)ᵀ·A</c>: the tiles then transpose-pack
    /// op(B) (n × k) instead of Aᵀ (m × k) and read A in place, and each part's columns of S are transposed into C by
    /// register transposes — n·(m + k) elements through transposes instead of m·k (a layer's input gradient
    /// dX = Wᵀ·dZ at a small batch: 58k instead of 100k for 784 × 64 × 128). Every element is the same fused multiply-add
    /// chain over the same k blocks (a·b and b·a round alike), so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunSwapped<TS, TV, T>(Problem<T> problem, int panelVectors, bool split)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, n, k) = (problem.M, problem.N, problem.K);
        var buffer = ArrayPool<T>.Shared.Rent(m * n);
        try
        {
            fixed (T* transposed = buffer)
            {
                var swapped = new Problem<T>(problem.TransB == Transpose.No ? Transpose.Yes : Transpose.No, Transpose.No, n, m, k, T.One, problem.B, problem.Ldb, problem.A, problem.Lda, T.Zero, transposed, n, false);
                var mr = n <= TS.Count ? TS.Count : panelVectors * TS.Count;
                var threads = split && (long)m * n * k >= ParallelWork ? Environment.ProcessorCount : 1;
                // One part per thread: each part transpose-packs the whole of op(B) for its tiles, so more parts repeat
                // that copy (and the parts' start and end) for no better balance.
                var parts = Math.Min((m + SwappedUnit - 1) / SwappedUnit, threads);
                var job = new SwappedParts<TS, TV, T>(swapped, mr, problem.C, problem.Ldc);
                if (threads <= 1 || parts <= 1)
                {
                    job.Run(0, 1);
                }
                else
                {
                    Partitioned.Run(job, parts, threads);
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Part of the swapped product <c>S = Cᵀ</c> (n × m) by ranges of its columns, each range then transposed into the
    /// same rows of C (<c>C[i + j·ldc] = S[j + i·n]</c>) while it is still in the core's cache.
    /// </summary>
    private readonly struct SwappedParts<TS, TV, T>(Problem<T> swapped, int mr, T* c, int ldc) : IPartitionedJob
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int parts)
        {
            var (n, m) = (swapped.M, swapped.N);
            var (from, to) = (Split(m, SwappedUnit, part, parts, false), Split(m, SwappedUnit, part + 1, parts, false));
            Run<TS, TV, T>(swapped, mr, 0, n, from, to);
            // C[i + j·ldc] = S[j + i·n] for this part's rows i of C.
            TransposeInto(swapped.C + ((long)from * n), n, c + from, ldc, to - from, n, T.One, registers: true);
        }
    }

    /// <summary>
    /// Splits the product by its k blocks: block 0 is combined with C as the serial loop combines it, every later block
    /// is computed into a buffer of its own, and the buffers are then added to C in block order — the serial loop's sums
    /// in the serial loop's order, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunByKBlocks<TS, TV, T>(Problem<T> problem, int mr, int kc, int kBlocks, int threads)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, n, ldc) = (problem.M, problem.N, problem.Ldc);
        var size = m * n;
        var buffer = ArrayPool<T>.Shared.Rent(size * (kBlocks - 1));
        try
        {
            fixed (T* partial = buffer)
            {
                Partitioned.Run(new KParts<TS, TV, T>(problem, mr, kc, partial), kBlocks, threads);
                var w = TS.Count;
                for (var b = 1; b < kBlocks; b++)
                {
                    var from = partial + ((long)(b - 1) * size);
                    for (var j = 0; j < n; j++)
                    {
                        var c = problem.C + ((long)j * ldc);
                        var t = from + ((long)j * m);
                        var i = 0;
                        for (; i <= m - w; i += w)
                        {
                            TS.Store(c + i, TS.Add(TS.Load(c + i), TS.Load(t + i)));
                        }

                        for (; i < m; i++)
                        {
                            c[i] += t[i];
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Start of part <paramref name="t"/> of <paramref name="count"/> along a dimension of <paramref name="length"/> cut
    /// in multiples of <paramref name="unit"/>. Parts carry equal work: equal lengths for a full product; for the lower
    /// triangle, column j costs n − j, so part t starts where the cumulative work <c>x·n − x²/2</c> reaches
    /// <c>t/count</c> of <c>n²/2</c>.
    /// </summary>
    private static int Split(int length, int unit, int t, int count, bool triangle)
    {
        if (t >= count)
        {
            return length;
        }

        var x = triangle ? length * (1 - Math.Sqrt(1 - ((double)t / count))) : (double)length * t / count;
        return Math.Min(length, (int)Math.Round(x / unit) * unit);
    }

    /// <summary>
    /// The blocked loops over rows [<paramref name="iBegin"/>, <paramref name="iEnd"/>) and columns
    /// [<paramref name="jBegin"/>, <paramref name="jEnd"/>) of C, on the calling thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TS, TV, T>(Problem<T> problem, int mr, int iBegin, int iEnd, int jBegin, int jEnd)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (iBegin >= iEnd || jBegin >= jEnd)
        {
            return;
        }

        var (k, ldc, w) = (problem.K, problem.Ldc, TS.Count);
        var kc = KBlock<T>(k);
        var firstUpdate = T.IsZero(problem.Beta) ? Update.Overwrite : problem.Beta == T.One ? Update.Accumulate : Update.Scale;

        // Columns of A already hold full row panels contiguously, and L1/L2 serve them as well as a packed copy:
        // only α ≠ 1 (folded into the copy) and the ragged last panel need packing.
        var inPlaceA = problem.TransA == Transpose.No && problem.Alpha == T.One;
        var (sp, sj) = problem.TransB == Transpose.No ? ((nint)1, (nint)problem.Ldb) : ((nint)problem.Ldb, (nint)1);
        var aBlock = ArrayPool<T>.Shared.Rent(kc * RoundUp(Math.Min(McMax, iEnd - iBegin), mr));

        // When many row tiles read each sliver of op(B), the part's whole k block of op(B) is packed once, contiguous
        // (a few percent of their work); with fewer, strided reads from L1 cost less than the copy, and only a ragged
        // edge of 1–3 columns past a multiple of 4 is packed (zero-padded, so no tile reads past B).
        var packB = iEnd - iBegin >= PackedSliverReuse * mr;
        var bPanel = ArrayPool<T>.Shared.Rent(kc * (packB ? RoundUp(jEnd - jBegin, NR) : NR));
        var tile = stackalloc T[2 * w * NR];
        try
        {
            fixed (T* ap = aBlock, bpanel = bPanel)
            {
                for (var pc = 0; pc < k; pc += kc)
                {
                    var depth = Math.Min(kc, k - pc);
                    var update = pc == 0 ? firstUpdate : Update.Accumulate;
                    for (var jr = jBegin; jr < jEnd && packB; jr += NR)
                    {
                        var nr = Math.Min(NR, jEnd - jr);
                        PackSliver(problem, pc, depth, jr, nr, RoundUp(nr, 4), bpanel + ((jr - jBegin) * depth));
                    }

                    for (var ic = iBegin; ic < iEnd; ic += McMax)
                    {
                        var mc = Math.Min(McMax, iEnd - ic);
                        if (problem.LowerOnly && ic + mc <= jBegin)
                        {
                            continue; // every row of this block is above every column: strictly upper.
                        }

                        PackA<TS, TV, T>(problem, ic, mc, pc, depth, mr, inPlaceA, ap);
                        for (var jr = jBegin; jr < jEnd; jr += NR)
                        {
                            var nr = Math.Min(NR, jEnd - jr);
                            var cols = RoundUp(nr, 4);
                            T* sliver;
                            nint bp = sp, bj = sj;
                            if (packB)
                            {
                                sliver = bpanel + ((jr - jBegin) * depth);
                                (bp, bj) = (cols, 1);
                            }
                            else if (cols == nr)
                            {
                                sliver = problem.B + (pc * sp) + (jr * sj);
                            }
                            else
                            {
                                PackSliver(problem, pc, depth, jr, nr, cols, bpanel);
                                sliver = bpanel;
                                (bp, bj) = (cols, 1);
                            }

                            for (var ir = ic; ir < ic + mc; ir += mr)
                            {
                                var rows = Math.Min(mr, ic + mc - ir);
                                if (problem.LowerOnly && ir + rows <= jr)
                                {
                                    continue; // every row of this tile is above every column: strictly upper.
                                }

                                var height = rows <= w ? w : mr;
                                var inPlace = inPlaceA && rows == height;
                                var panel = inPlace ? problem.A + ir + (pc * (nint)problem.Lda) : ap + ((ir - ic) * depth);
                                var sa = inPlace ? (nint)problem.Lda : height;
                                var c = problem.C + ir + ((long)jr * ldc);
                                Tile<TS, TV, T>(depth, panel, sa, sliver, bp, bj, c, ldc, rows, nr, height, cols, problem.Beta, update, tile);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(bPanel);
            ArrayPool<T>.Shared.Return(aBlock);
        }
    }

    /// <summary>
    /// One register tile of <paramref name="height"/> rows (W or 2·W) × <paramref name="cols"/> columns (4, 8 or 12), of
    /// which <paramref name="rows"/> × <paramref name="nr"/> are in C; partial tiles go through <paramref name="scratch"/>
    /// so C is never touched out of bounds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, int ldc, int rows, int nr, int height, int cols, T beta, Update update, T* scratch)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var full = rows == height && nr == cols;
        var target = full ? c : scratch;
        nint targetLd = full ? ldc : height;
        var targetUpdate = full ? update : Update.Overwrite;
        if (height == TS.Count)
        {
            switch (cols)
            {
                case 12:
                    Kernel1x12<TS, TV, T>(kc, a, sa, b, sp, sj, target, targetLd, beta, targetUpdate);
                    break;
                case 8:
                    Kernel1x8<TS, TV, T>(kc, a, sa, b, sp, sj, target, targetLd, beta, targetUpdate);
                    break;
                default:
                    Kernel1x4<TS, TV, T>(kc, a, sa, b, sp, sj, target, targetLd, beta, targetUpdate);
                    break;
            }
        }
        else
        {
            switch (cols)
            {
                case 12:
                    Kernel2x12<TS, TV, T>(kc, a, sa, b, sp, sj, target, targetLd, beta, targetUpdate);
                    break;
                case 8:
                    Kernel2x8<TS, TV, T>(kc, a, sa, b, sp, sj, target, targetLd, beta, targetUpdate);
                    break;
                default:
                    Kernel2x4<TS, TV, T>(kc, a, sa, b, sp, sj, target, targetLd, beta, targetUpdate);
                    break;
            }
        }

        if (full)
        {
            return;
        }

        if (typeof(TS) == typeof(Simd512<T>) && Avx512F.IsSupported)
        {
            // The tile's rows in C by masked vectors (lanes past the rows neither read nor written).
            for (var j = 0; j < nr; j++)
            {
                for (var v = 0; v < rows; v += TS.Count)
                {
                    MaskedUpdate(scratch + (j * height) + v, c + ((long)j * ldc) + v, Math.Min(TS.Count, rows - v), beta, update);
                }
            }

            return;
        }

        for (var j = 0; j < nr; j++)
        {
            var cj = c + ((long)j * ldc);
            var tj = scratch + (j * height);
            for (var i = 0; i < rows; i++)
            {
                cj[i] = update switch
                {
                    Update.Overwrite => tj[i],
                    Update.Accumulate => cj[i] + tj[i],
                    _ => T.FusedMultiplyAdd(beta, cj[i], tj[i]),
                };
            }
        }
    }

    /// <summary>Writes one accumulator vector to C according to <paramref name="update"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write<TS, TV, T>(T* c, TV value, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (update)
        {
            case Update.Overwrite:
                TS.Store(c, value);
                break;
            case Update.Accumulate:
                TS.Store(c, TS.Add(TS.Load(c), value));
                break;
            default:
                TS.Store(c, TS.MultiplyAdd(TS.Broadcast(beta), TS.Load(c), value));
                break;
        }
    }

    /// <summary>
    /// Packs rows [i0, i0 + mc) and columns [p0, p0 + kc) of α·op(A) into row slivers of <paramref name="mr"/> rows (W
    /// rows for a last sliver of at most W): element (i, p) of a sliver starting at row r lands at
    /// <c>(r − i0)·kc + p·height + (i − r)</c>; rows past the end of A are zero. With <paramref name="onlyRagged"/>
    /// full slivers are skipped (they are read in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA<TS, TV, T>(Problem<T> problem, int i0, int mc, int p0, int kc, int mr, bool onlyRagged, T* destination)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (alpha, lda) = (problem.Alpha, (long)problem.Lda);
        var alphaV = TS.Broadcast(alpha);
        var w = TS.Count;
        for (var ir = 0; ir < mc; ir += mr, destination += mr * kc)
        {
            var rows = Math.Min(mr, mc - ir);
            var height = rows <= w ? w : mr;
            var i = i0 + ir;
            if (onlyRagged && rows == height)
            {
                continue;
            }

            if (problem.TransA == Transpose.No)
            {
                // Column p of A holds rows i.. contiguously.
                var source = problem.A + i + (p0 * lda);
                for (var p = 0; p < kc; p++, source += lda)
                {
                    var d = destination + (p * height);
                    if (rows == height)
                    {
                        for (var v = 0; v < height; v += w)
                        {
                            TS.Store(d + v, TS.Multiply(TS.Load(source + v), alphaV));
                        }
                    }
                    else if (typeof(TS) == typeof(Simd512<T>) && Avx512F.IsSupported)
                    {
                        // The ragged panel by masked loads: the lanes past its rows are read as zeros, and never read.
                        for (var v = 0; v < height; v += w)
                        {
                            MaskedCopy(source + v, d + v, Math.Clamp(rows - v, 0, w), alpha);
                        }
                    }
                    else
                    {
                        for (var r = 0; r < rows; r++)
                        {
                            d[r] = alpha * source[r];
                        }

                        for (var r = rows; r < height; r++)
                        {
                            d[r] = T.Zero;
                        }
                    }
                }
            }
            else
            {
                // op(A) = Aᵀ: row i of op(A) is column i of A, contiguous in p.
                TransposeInto(problem.A + p0 + ((long)i * lda), lda, destination, height, rows, kc, alpha, typeof(TS) == typeof(Simd512<T>) && Avx512F.IsSupported);
                for (var p = 0; p < kc && rows < height; p++)
                {
                    for (var r = rows; r < height; r++)
                    {
                        destination[(p * height) + r] = T.Zero;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>destination[p·ldd + r] = α·source[p + r·lds]</c> for r &lt; <paramref name="rows"/> and p &lt; <paramref name="cols"/>:
    /// with <paramref name="registers"/> (512-bit vectors on AVX-512) by register transposes of W×W blocks, the ragged
    /// edges' blocks through masked loads and stores (<see cref="TransposeEdge"/>); otherwise element by element — the
    /// same products α·a either way. Packs Aᵀ for the tiles and turns a swapped product's S back into C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeInto<T>(T* source, long lds, T* destination, nint ldd, int rows, int cols, T alpha, bool registers)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!registers)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var p = 0; p < cols; p++)
                {
                    destination[(p * ldd) + r] = alpha * source[p + (r * lds)];
                }
            }

            return;
        }

        var w = typeof(T) == typeof(float) ? 16 : 8;
        for (var r = 0; r < rows; r += w)
        {
            var height = Math.Min(w, rows - r);
            for (var p = 0; p < cols; p += w)
            {
                var width = Math.Min(w, cols - p);
                var from = source + p + (r * lds);
                var to = destination + (p * ldd) + r;
                if (height < w || width < w)
                {
                    TransposeEdge(from, lds, to, ldd, height, width, alpha);
                }
                else if (typeof(T) == typeof(float))
                {
                    Transpose16x16((float*)from, lds, (float*)to, ldd, float.CreateTruncating(alpha));
                }
                else
                {
                    Transpose8x8((double*)from, lds, (double*)to, ldd, double.CreateTruncating(alpha));
                }
            }
        }
    }

    /// <summary>
    /// A block of fewer than W rows or columns for <see cref="TransposeInto"/>: its rows are read by masked loads into a
    /// zero-padded W×W block on the stack, transposed in registers there, and the <paramref name="cols"/> rows of the
    /// result written by masked stores of <paramref name="rows"/> elements (masked-off lanes are neither read nor written).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void TransposeEdge<T>(T* source, long lds, T* destination, nint ldd, int rows, int cols, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var b = stackalloc float[256];
            var t = stackalloc float[256];
            var (read, write) = (Lanes32(cols), Lanes32(rows));
            for (var r = 0; r < 16; r++)
            {
                var row = r < rows ? Avx512F.MaskLoad((float*)source + (r * lds), read, Vector512<float>.Zero) : Vector512<float>.Zero;
                Vector512.Store(row, b + (16 * r));
            }

            Transpose16x16(b, 16, t, 16, float.CreateTruncating(alpha));
            for (var p = 0; p < cols; p++)
            {
                Avx512F.MaskStore((float*)destination + (p * ldd), write, Vector512.Load(t + (16 * p)));
            }
        }
        else
        {
            var b = stackalloc double[64];
            var t = stackalloc double[64];
            var (read, write) = (Lanes64(cols), Lanes64(rows));
            for (var r = 0; r < 8; r++)
            {
                var row = r < rows ? Avx512F.MaskLoad((double*)source + (r * lds), read, Vector512<double>.Zero) : Vector512<double>.Zero;
                Vector512.Store(row, b + (8 * r));
            }

            Transpose8x8(b, 8, t, 8, double.CreateTruncating(alpha));
            for (var p = 0; p < cols; p++)
            {
                Avx512F.MaskStore((double*)destination + (p * ldd), write, Vector512.Load(t + (8 * p)));
            }
        }
    }

    /// <summary>
    /// <c>destination[r] = α·source[r]</c> for r &lt; <paramref name="count"/> and zero for the rest of a 512-bit vector
    /// (AVX-512), by one masked load: the source past <paramref name="count"/> is not read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskedCopy<T>(T* source, T* destination, int count, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var values = Avx512F.MaskLoad((float*)source, Lanes32(count), Vector512<float>.Zero);
            Vector512.Store(values * float.CreateTruncating(alpha), (float*)destination);
        }
        else
        {
            var values = Avx512F.MaskLoad((double*)source, Lanes64(count), Vector512<double>.Zero);
            Vector512.Store(values * double.CreateTruncating(alpha), (double*)destination);
        }
    }

    /// <summary>
    /// <c>c[i] ← t[i]</c>, <c>c[i] + t[i]</c> or <c>β·c[i] + t[i]</c> (fused) for i &lt; <paramref name="count"/> by masked
    /// 512-bit loads and stores (AVX-512): the same operation per element as the tile's own update of C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskedUpdate<T>(T* t, T* c, int count, T beta, Update update)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var mask = Lanes32(count);
            var tile = Vector512.Load((float*)t);
            var result = update switch
            {
                Update.Overwrite => tile,
                Update.Accumulate => Avx512F.MaskLoad((float*)c, mask, Vector512<float>.Zero) + tile,
                _ => Vector512.FusedMultiplyAdd(Vector512.Create(float.CreateTruncating(beta)), Avx512F.MaskLoad((float*)c, mask, Vector512<float>.Zero), tile),
            };
            Avx512F.MaskStore((float*)c, mask, result);
        }
        else
        {
            var mask = Lanes64(count);
            var tile = Vector512.Load((double*)t);
            var result = update switch
            {
                Update.Overwrite => tile,
                Update.Accumulate => Avx512F.MaskLoad((double*)c, mask, Vector512<double>.Zero) + tile,
                _ => Vector512.FusedMultiplyAdd(Vector512.Create(double.CreateTruncating(beta)), Avx512F.MaskLoad((double*)c, mask, Vector512<double>.Zero), tile),
            };
            Avx512F.MaskStore((double*)c, mask, result);
        }
    }

    /// <summary>A mask of the first <paramref name="count"/> float lanes.</summary>
    private static Vector512<float> Lanes32(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>A mask of the first <paramref name="count"/> double lanes.</summary>
    private static Vector512<double> Lanes64(int count) => Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).AsDouble();

    /// <summary>
    /// <c>destination[p·ldd + r] = α·source[p + r·lds]</c> for a 16×16 block of floats: sixteen columns of the source
    /// are loaded as vectors and transposed in registers by four rounds of shuffles. After the first two (unpacks of
    /// pairs, then of quadruples), lane L of u[4g + q] holds element p = 4L + q of columns 4g … 4g + 3; the last two
    /// gather 128-bit lanes across the groups (0x88: lanes 0 and 2 of each operand; 0xDD: lanes 1 and 3).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Transpose16x16(float* source, long lds, float* destination, nint ldd, float alpha)
    {
        var r0 = Vector512.Load(source);
        var r1 = Vector512.Load(source + lds);
        var r2 = Vector512.Load(source + (2 * lds));
        var r3 = Vector512.Load(source + (3 * lds));
        var r4 = Vector512.Load(source + (4 * lds));
        var r5 = Vector512.Load(source + (5 * lds));
        var r6 = Vector512.Load(source + (6 * lds));
        var r7 = Vector512.Load(source + (7 * lds));
        var r8 = Vector512.Load(source + (8 * lds));
        var r9 = Vector512.Load(source + (9 * lds));
        var r10 = Vector512.Load(source + (10 * lds));
        var r11 = Vector512.Load(source + (11 * lds));
        var r12 = Vector512.Load(source + (12 * lds));
        var r13 = Vector512.Load(source + (13 * lds));
        var r14 = Vector512.Load(source + (14 * lds));
        var r15 = Vector512.Load(source + (15 * lds));
        var t0 = Avx512F.UnpackLow(r0, r1).AsDouble();
        var t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
        var t2 = Avx512F.UnpackLow(r2, r3).AsDouble();
        var t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        var u0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        var u1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        var u2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        var u3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
        var t4 = Avx512F.UnpackLow(r4, r5).AsDouble();
        var t5 = Avx512F.UnpackHigh(r4, r5).AsDouble();
        var t6 = Avx512F.UnpackLow(r6, r7).AsDouble();
        var t7 = Avx512F.UnpackHigh(r6, r7).AsDouble();
        var u4 = Avx512F.UnpackLow(t4, t6).AsSingle();
        var u5 = Avx512F.UnpackHigh(t4, t6).AsSingle();
        var u6 = Avx512F.UnpackLow(t5, t7).AsSingle();
        var u7 = Avx512F.UnpackHigh(t5, t7).AsSingle();
        var t8 = Avx512F.UnpackLow(r8, r9).AsDouble();
        var t9 = Avx512F.UnpackHigh(r8, r9).AsDouble();
        var t10 = Avx512F.UnpackLow(r10, r11).AsDouble();
        var t11 = Avx512F.UnpackHigh(r10, r11).AsDouble();
        var u8 = Avx512F.UnpackLow(t8, t10).AsSingle();
        var u9 = Avx512F.UnpackHigh(t8, t10).AsSingle();
        var u10 = Avx512F.UnpackLow(t9, t11).AsSingle();
        var u11 = Avx512F.UnpackHigh(t9, t11).AsSingle();
        var t12 = Avx512F.UnpackLow(r12, r13).AsDouble();
        var t13 = Avx512F.UnpackHigh(r12, r13).AsDouble();
        var t14 = Avx512F.UnpackLow(r14, r15).AsDouble();
        var t15 = Avx512F.UnpackHigh(r14, r15).AsDouble();
        var u12 = Avx512F.UnpackLow(t12, t14).AsSingle();
        var u13 = Avx512F.UnpackHigh(t12, t14).AsSingle();
        var u14 = Avx512F.UnpackLow(t13, t15).AsSingle();
        var u15 = Avx512F.UnpackHigh(t13, t15).AsSingle();
        var scale = Vector512.Create(alpha);
        var scaled = alpha != 1f;
        var v0 = Avx512F.Shuffle4x128(u0, u4, 0x88);
        var w0 = Avx512F.Shuffle4x128(u0, u4, 0xDD);
        var x0 = Avx512F.Shuffle4x128(u8, u12, 0x88);
        var y0 = Avx512F.Shuffle4x128(u8, u12, 0xDD);
        var o0 = Avx512F.Shuffle4x128(v0, x0, 0x88);
        (scaled ? o0 * scale : o0).Store(destination);
        var o8 = Avx512F.Shuffle4x128(v0, x0, 0xDD);
        (scaled ? o8 * scale : o8).Store(destination + (8 * ldd));
        var o4 = Avx512F.Shuffle4x128(w0, y0, 0x88);
        (scaled ? o4 * scale : o4).Store(destination + (4 * ldd));
        var o12 = Avx512F.Shuffle4x128(w0, y0, 0xDD);
        (scaled ? o12 * scale : o12).Store(destination + (12 * ldd));
        var v1 = Avx512F.Shuffle4x128(u1, u5, 0x88);
        var w1 = Avx512F.Shuffle4x128(u1, u5, 0xDD);
        var x1 = Avx512F.Shuffle4x128(u9, u13, 0x88);
        var y1 = Avx512F.Shuffle4x128(u9, u13, 0xDD);
        var o1 = Avx512F.Shuffle4x128(v1, x1, 0x88);
        (scaled ? o1 * scale : o1).Store(destination + ldd);
        var o9 = Avx512F.Shuffle4x128(v1, x1, 0xDD);
        (scaled ? o9 * scale : o9).Store(destination + (9 * ldd));
        var o5 = Avx512F.Shuffle4x128(w1, y1, 0x88);
        (scaled ? o5 * scale : o5).Store(destination + (5 * ldd));
        var o13 = Avx512F.Shuffle4x128(w1, y1, 0xDD);
        (scaled ? o13 * scale : o13).Store(destination + (13 * ldd));
        var v2 = Avx512F.Shuffle4x128(u2, u6, 0x88);
        var w2 = Avx512F.Shuffle4x128(u2, u6, 0xDD);
        var x2 = Avx512F.Shuffle4x128(u10, u14, 0x88);
        var y2 = Avx512F.Shuffle4x128(u10, u14, 0xDD);
        var o2 = Avx512F.Shuffle4x128(v2, x2, 0x88);
        (scaled ? o2 * scale : o2).Store(destination + (2 * ldd));
        var o10 = Avx512F.Shuffle4x128(v2, x2, 0xDD);
        (scaled ? o10 * scale : o10).Store(destination + (10 * ldd));
        var o6 = Avx512F.Shuffle4x128(w2, y2, 0x88);
        (scaled ? o6 * scale : o6).Store(destination + (6 * ldd));
        var o14 = Avx512F.Shuffle4x128(w2, y2, 0xDD);
        (scaled ? o14 * scale : o14).Store(destination + (14 * ldd));
        var v3 = Avx512F.Shuffle4x128(u3, u7, 0x88);
        var w3 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
        var x3 = Avx512F.Shuffle4x128(u11, u15, 0x88);
        var y3 = Avx512F.Shuffle4x128(u11, u15, 0xDD);
        var o3 = Avx512F.Shuffle4x128(v3, x3, 0x88);
        (scaled ? o3 * scale : o3).Store(destination + (3 * ldd));
        var o11 = Avx512F.Shuffle4x128(v3, x3, 0xDD);
        (scaled ? o11 * scale : o11).Store(destination + (11 * ldd));
        var o7 = Avx512F.Shuffle4x128(w3, y3, 0x88);
        (scaled ? o7 * scale : o7).Store(destination + (7 * ldd));
        var o15 = Avx512F.Shuffle4x128(w3, y3, 0xDD);
        (scaled ? o15 * scale : o15).Store(destination + (15 * ldd));
    }

    /// <summary>
    /// <c>destination[p·ldd + r] = α·source[p + r·lds]</c> for an 8×8 block of doubles, transposed in registers: after
    /// the unpacks lane L of t[2g] holds element p = 2L of columns 2g and 2g + 1, and t[2g + 1] element p = 2L + 1; two
    /// rounds of 128-bit lane shuffles finish it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8x8(double* source, long lds, double* destination, nint ldd, double alpha)
    {
        var r0 = Vector512.Load(source);
        var r1 = Vector512.Load(source + lds);
        var r2 = Vector512.Load(source + (2 * lds));
        var r3 = Vector512.Load(source + (3 * lds));
        var r4 = Vector512.Load(source + (4 * lds));
        var r5 = Vector512.Load(source + (5 * lds));
        var r6 = Vector512.Load(source + (6 * lds));
        var r7 = Vector512.Load(source + (7 * lds));
        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5);
        var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7);
        var t7 = Avx512F.UnpackHigh(r6, r7);
        var scale = Vector512.Create(alpha);
        var scaled = alpha != 1.0;
        var s0 = Avx512F.Shuffle4x128(t0, t2, 0x88);
        var h0 = Avx512F.Shuffle4x128(t0, t2, 0xDD);
        var e0 = Avx512F.Shuffle4x128(t4, t6, 0x88);
        var f0 = Avx512F.Shuffle4x128(t4, t6, 0xDD);
        var o0 = Avx512F.Shuffle4x128(s0, e0, 0x88);
        (scaled ? o0 * scale : o0).Store(destination);
        var o4 = Avx512F.Shuffle4x128(s0, e0, 0xDD);
        (scaled ? o4 * scale : o4).Store(destination + (4 * ldd));
        var o2 = Avx512F.Shuffle4x128(h0, f0, 0x88);
        (scaled ? o2 * scale : o2).Store(destination + (2 * ldd));
        var o6 = Avx512F.Shuffle4x128(h0, f0, 0xDD);
        (scaled ? o6 * scale : o6).Store(destination + (6 * ldd));
        var s1 = Avx512F.Shuffle4x128(t1, t3, 0x88);
        var h1 = Avx512F.Shuffle4x128(t1, t3, 0xDD);
        var e1 = Avx512F.Shuffle4x128(t5, t7, 0x88);
        var f1 = Avx512F.Shuffle4x128(t5, t7, 0xDD);
        var o1 = Avx512F.Shuffle4x128(s1, e1, 0x88);
        (scaled ? o1 * scale : o1).Store(destination + ldd);
        var o5 = Avx512F.Shuffle4x128(s1, e1, 0xDD);
        (scaled ? o5 * scale : o5).Store(destination + (5 * ldd));
        var o3 = Avx512F.Shuffle4x128(h1, f1, 0x88);
        (scaled ? o3 * scale : o3).Store(destination + (3 * ldd));
        var o7 = Avx512F.Shuffle4x128(h1, f1, 0xDD);
        (scaled ? o7 * scale : o7).Store(destination + (7 * ldd));
    }

    /// <summary>
    /// Packs rows [p0, p0 + kc) of columns [j0, j0 + nr) of op(B) into a sliver of <paramref name="cols"/> columns:
    /// element (p, j) lands at <c>p·cols + (j − j0)</c>; columns past <paramref name="nr"/> are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackSliver<T>(Problem<T> problem, int p0, int kc, int j0, int nr, int cols, T* destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ldb = (long)problem.Ldb;
        if (problem.TransB == Transpose.No)
        {
            // Column j of B is contiguous in p: one sequential stream per column.
            for (var j = 0; j < cols; j++)
            {
                var source = problem.B + p0 + ((j0 + j) * ldb);
                for (var p = 0; p < kc; p++)
                {
                    destination[(p * cols) + j] = j < nr ? source[p] : T.Zero;
                }
            }
        }
        else
        {
            // op(B) = Bᵀ: row p of op(B) is column p of B, contiguous in j: one block copy per row (the sliver's whole
            // k block of a Gram matrix's operand streams through here, so the copy is not done element by element).
            var source = problem.B + j0 + (p0 * ldb);
            var bytes = (uint)(nr * sizeof(T));
            for (var p = 0; p < kc; p++, source += ldb, destination += cols)
            {
                Unsafe.CopyBlockUnaligned(destination, source, bytes);
                for (var j = nr; j < cols; j++)
                {
                    destination[j] = T.Zero;
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>
    /// The 32 × 12 float32 register tile on 512-bit vectors, for a caller that packs its own operands (only when
    /// <see cref="Vector512.IsHardwareAccelerated"/>): <c>C[0..32, 0..12] ← Ã·B̃</c>, or <c>C + Ã·B̃</c> with
    /// <paramref name="accumulate"/>, over <paramref name="kc"/> steps, where Ã holds 32 contiguous floats per step and B̃ 12.
    /// Each element is one fused chain over the steps, then stored or added to C: the same bits as <see cref="Gemm{T}"/> gives
    /// for k = <paramref name="kc"/> ≤ 512 with β = 0 or β = 1.
    /// </summary>
    internal static void Tile32x12(int kc, float* a, float* b, float* c, nint ldc, bool accumulate) =>
        Kernel2x12<Simd512<float>, Vector512<float>, float>(kc, a, 32, b, 12, 1, c, ldc, 0f, accumulate ? Update.Accumulate : Update.Overwrite);

    /// <summary>
    /// The 2-vector × 12-column register tile: <c>C[0..2·W, 0..12] ⊕= Ã·B̃</c> over <paramref name="kc"/> steps, where Ã holds
    /// 2·W contiguous elements per step (steps <paramref name="sa"/> apart) and element (p, j) of B̃ is at
    /// <c>b[p·<paramref name="sp"/> + j·<paramref name="sj"/>]</c>; 24 accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel2x12<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, nint ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c000 = TS.Zero, c001 = TS.Zero, c002 = TS.Zero, c003 = TS.Zero, c004 = TS.Zero, c005 = TS.Zero, c006 = TS.Zero, c007 = TS.Zero, c008 = TS.Zero, c009 = TS.Zero, c010 = TS.Zero, c011 = TS.Zero, c100 = TS.Zero, c101 = TS.Zero, c102 = TS.Zero, c103 = TS.Zero, c104 = TS.Zero, c105 = TS.Zero, c106 = TS.Zero, c107 = TS.Zero, c108 = TS.Zero, c109 = TS.Zero, c110 = TS.Zero, c111 = TS.Zero;
        T* b4 = b + (4 * sj), b8 = b + (8 * sj);
        nint s2 = 2 * sj, s3 = 3 * sj;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var a1 = TS.Load(a + TS.Count);
            var x0 = TS.Broadcast(b[0]);
            c000 = TS.MultiplyAdd(a0, x0, c000);
            c100 = TS.MultiplyAdd(a1, x0, c100);
            var x1 = TS.Broadcast(b[sj]);
            c001 = TS.MultiplyAdd(a0, x1, c001);
            c101 = TS.MultiplyAdd(a1, x1, c101);
            var x2 = TS.Broadcast(b[s2]);
            c002 = TS.MultiplyAdd(a0, x2, c002);
            c102 = TS.MultiplyAdd(a1, x2, c102);
            var x3 = TS.Broadcast(b[s3]);
            c003 = TS.MultiplyAdd(a0, x3, c003);
            c103 = TS.MultiplyAdd(a1, x3, c103);
            var x4 = TS.Broadcast(b4[0]);
            c004 = TS.MultiplyAdd(a0, x4, c004);
            c104 = TS.MultiplyAdd(a1, x4, c104);
            var x5 = TS.Broadcast(b4[sj]);
            c005 = TS.MultiplyAdd(a0, x5, c005);
            c105 = TS.MultiplyAdd(a1, x5, c105);
            var x6 = TS.Broadcast(b4[s2]);
            c006 = TS.MultiplyAdd(a0, x6, c006);
            c106 = TS.MultiplyAdd(a1, x6, c106);
            var x7 = TS.Broadcast(b4[s3]);
            c007 = TS.MultiplyAdd(a0, x7, c007);
            c107 = TS.MultiplyAdd(a1, x7, c107);
            var x8 = TS.Broadcast(b8[0]);
            c008 = TS.MultiplyAdd(a0, x8, c008);
            c108 = TS.MultiplyAdd(a1, x8, c108);
            var x9 = TS.Broadcast(b8[sj]);
            c009 = TS.MultiplyAdd(a0, x9, c009);
            c109 = TS.MultiplyAdd(a1, x9, c109);
            var x10 = TS.Broadcast(b8[s2]);
            c010 = TS.MultiplyAdd(a0, x10, c010);
            c110 = TS.MultiplyAdd(a1, x10, c110);
            var x11 = TS.Broadcast(b8[s3]);
            c011 = TS.MultiplyAdd(a0, x11, c011);
            c111 = TS.MultiplyAdd(a1, x11, c111);
            a += sa;
            b += sp;
            b4 += sp;
            b8 += sp;
        }

        Write<TS, TV, T>(c, c000, beta, update);
        Write<TS, TV, T>(c + TS.Count, c100, beta, update);
        Write<TS, TV, T>(c + ldc, c001, beta, update);
        Write<TS, TV, T>(c + ldc + TS.Count, c101, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c002, beta, update);
        Write<TS, TV, T>(c + (2 * ldc) + TS.Count, c102, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c003, beta, update);
        Write<TS, TV, T>(c + (3 * ldc) + TS.Count, c103, beta, update);
        Write<TS, TV, T>(c + (4 * ldc), c004, beta, update);
        Write<TS, TV, T>(c + (4 * ldc) + TS.Count, c104, beta, update);
        Write<TS, TV, T>(c + (5 * ldc), c005, beta, update);
        Write<TS, TV, T>(c + (5 * ldc) + TS.Count, c105, beta, update);
        Write<TS, TV, T>(c + (6 * ldc), c006, beta, update);
        Write<TS, TV, T>(c + (6 * ldc) + TS.Count, c106, beta, update);
        Write<TS, TV, T>(c + (7 * ldc), c007, beta, update);
        Write<TS, TV, T>(c + (7 * ldc) + TS.Count, c107, beta, update);
        Write<TS, TV, T>(c + (8 * ldc), c008, beta, update);
        Write<TS, TV, T>(c + (8 * ldc) + TS.Count, c108, beta, update);
        Write<TS, TV, T>(c + (9 * ldc), c009, beta, update);
        Write<TS, TV, T>(c + (9 * ldc) + TS.Count, c109, beta, update);
        Write<TS, TV, T>(c + (10 * ldc), c010, beta, update);
        Write<TS, TV, T>(c + (10 * ldc) + TS.Count, c110, beta, update);
        Write<TS, TV, T>(c + (11 * ldc), c011, beta, update);
        Write<TS, TV, T>(c + (11 * ldc) + TS.Count, c111, beta, update);
    }

    /// <summary>
    /// The 2-vector × 8-column register tile: <c>C[0..2·W, 0..8] ⊕= Ã·B̃</c> over <paramref name="kc"/> steps, where Ã holds
    /// 2·W contiguous elements per step (steps <paramref name="sa"/> apart) and element (p, j) of B̃ is at
    /// <c>b[p·<paramref name="sp"/> + j·<paramref name="sj"/>]</c>; 16 accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel2x8<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, nint ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c000 = TS.Zero, c001 = TS.Zero, c002 = TS.Zero, c003 = TS.Zero, c004 = TS.Zero, c005 = TS.Zero, c006 = TS.Zero, c007 = TS.Zero, c100 = TS.Zero, c101 = TS.Zero, c102 = TS.Zero, c103 = TS.Zero, c104 = TS.Zero, c105 = TS.Zero, c106 = TS.Zero, c107 = TS.Zero;
        T* b4 = b + (4 * sj);
        nint s2 = 2 * sj, s3 = 3 * sj;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var a1 = TS.Load(a + TS.Count);
            var x0 = TS.Broadcast(b[0]);
            c000 = TS.MultiplyAdd(a0, x0, c000);
            c100 = TS.MultiplyAdd(a1, x0, c100);
            var x1 = TS.Broadcast(b[sj]);
            c001 = TS.MultiplyAdd(a0, x1, c001);
            c101 = TS.MultiplyAdd(a1, x1, c101);
            var x2 = TS.Broadcast(b[s2]);
            c002 = TS.MultiplyAdd(a0, x2, c002);
            c102 = TS.MultiplyAdd(a1, x2, c102);
            var x3 = TS.Broadcast(b[s3]);
            c003 = TS.MultiplyAdd(a0, x3, c003);
            c103 = TS.MultiplyAdd(a1, x3, c103);
            var x4 = TS.Broadcast(b4[0]);
            c004 = TS.MultiplyAdd(a0, x4, c004);
            c104 = TS.MultiplyAdd(a1, x4, c104);
            var x5 = TS.Broadcast(b4[sj]);
            c005 = TS.MultiplyAdd(a0, x5, c005);
            c105 = TS.MultiplyAdd(a1, x5, c105);
            var x6 = TS.Broadcast(b4[s2]);
            c006 = TS.MultiplyAdd(a0, x6, c006);
            c106 = TS.MultiplyAdd(a1, x6, c106);
            var x7 = TS.Broadcast(b4[s3]);
            c007 = TS.MultiplyAdd(a0, x7, c007);
            c107 = TS.MultiplyAdd(a1, x7, c107);
            a += sa;
            b += sp;
            b4 += sp;
        }

        Write<TS, TV, T>(c, c000, beta, update);
        Write<TS, TV, T>(c + TS.Count, c100, beta, update);
        Write<TS, TV, T>(c + ldc, c001, beta, update);
        Write<TS, TV, T>(c + ldc + TS.Count, c101, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c002, beta, update);
        Write<TS, TV, T>(c + (2 * ldc) + TS.Count, c102, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c003, beta, update);
        Write<TS, TV, T>(c + (3 * ldc) + TS.Count, c103, beta, update);
        Write<TS, TV, T>(c + (4 * ldc), c004, beta, update);
        Write<TS, TV, T>(c + (4 * ldc) + TS.Count, c104, beta, update);
        Write<TS, TV, T>(c + (5 * ldc), c005, beta, update);
        Write<TS, TV, T>(c + (5 * ldc) + TS.Count, c105, beta, update);
        Write<TS, TV, T>(c + (6 * ldc), c006, beta, update);
        Write<TS, TV, T>(c + (6 * ldc) + TS.Count, c106, beta, update);
        Write<TS, TV, T>(c + (7 * ldc), c007, beta, update);
        Write<TS, TV, T>(c + (7 * ldc) + TS.Count, c107, beta, update);
    }

    /// <summary>
    /// The 2-vector × 4-column register tile: <c>C[0..2·W, 0..4] ⊕= Ã·B̃</c> over <paramref name="kc"/> steps, where Ã holds
    /// 2·W contiguous elements per step (steps <paramref name="sa"/> apart) and element (p, j) of B̃ is at
    /// <c>b[p·<paramref name="sp"/> + j·<paramref name="sj"/>]</c>; 8 accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel2x4<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, nint ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c000 = TS.Zero, c001 = TS.Zero, c002 = TS.Zero, c003 = TS.Zero, c100 = TS.Zero, c101 = TS.Zero, c102 = TS.Zero, c103 = TS.Zero;
        nint s2 = 2 * sj, s3 = 3 * sj;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var a1 = TS.Load(a + TS.Count);
            var x0 = TS.Broadcast(b[0]);
            c000 = TS.MultiplyAdd(a0, x0, c000);
            c100 = TS.MultiplyAdd(a1, x0, c100);
            var x1 = TS.Broadcast(b[sj]);
            c001 = TS.MultiplyAdd(a0, x1, c001);
            c101 = TS.MultiplyAdd(a1, x1, c101);
            var x2 = TS.Broadcast(b[s2]);
            c002 = TS.MultiplyAdd(a0, x2, c002);
            c102 = TS.MultiplyAdd(a1, x2, c102);
            var x3 = TS.Broadcast(b[s3]);
            c003 = TS.MultiplyAdd(a0, x3, c003);
            c103 = TS.MultiplyAdd(a1, x3, c103);
            a += sa;
            b += sp;
        }

        Write<TS, TV, T>(c, c000, beta, update);
        Write<TS, TV, T>(c + TS.Count, c100, beta, update);
        Write<TS, TV, T>(c + ldc, c001, beta, update);
        Write<TS, TV, T>(c + ldc + TS.Count, c101, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c002, beta, update);
        Write<TS, TV, T>(c + (2 * ldc) + TS.Count, c102, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c003, beta, update);
        Write<TS, TV, T>(c + (3 * ldc) + TS.Count, c103, beta, update);
    }

    /// <summary>
    /// The 1-vector × 12-column register tile: <c>C[0..1·W, 0..12] ⊕= Ã·B̃</c> over <paramref name="kc"/> steps, where Ã holds
    /// 1·W contiguous elements per step (steps <paramref name="sa"/> apart) and element (p, j) of B̃ is at
    /// <c>b[p·<paramref name="sp"/> + j·<paramref name="sj"/>]</c>; 12 accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x12<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, nint ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c000 = TS.Zero, c001 = TS.Zero, c002 = TS.Zero, c003 = TS.Zero, c004 = TS.Zero, c005 = TS.Zero, c006 = TS.Zero, c007 = TS.Zero, c008 = TS.Zero, c009 = TS.Zero, c010 = TS.Zero, c011 = TS.Zero;
        T* b4 = b + (4 * sj), b8 = b + (8 * sj);
        nint s2 = 2 * sj, s3 = 3 * sj;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var x0 = TS.Broadcast(b[0]);
            c000 = TS.MultiplyAdd(a0, x0, c000);
            var x1 = TS.Broadcast(b[sj]);
            c001 = TS.MultiplyAdd(a0, x1, c001);
            var x2 = TS.Broadcast(b[s2]);
            c002 = TS.MultiplyAdd(a0, x2, c002);
            var x3 = TS.Broadcast(b[s3]);
            c003 = TS.MultiplyAdd(a0, x3, c003);
            var x4 = TS.Broadcast(b4[0]);
            c004 = TS.MultiplyAdd(a0, x4, c004);
            var x5 = TS.Broadcast(b4[sj]);
            c005 = TS.MultiplyAdd(a0, x5, c005);
            var x6 = TS.Broadcast(b4[s2]);
            c006 = TS.MultiplyAdd(a0, x6, c006);
            var x7 = TS.Broadcast(b4[s3]);
            c007 = TS.MultiplyAdd(a0, x7, c007);
            var x8 = TS.Broadcast(b8[0]);
            c008 = TS.MultiplyAdd(a0, x8, c008);
            var x9 = TS.Broadcast(b8[sj]);
            c009 = TS.MultiplyAdd(a0, x9, c009);
            var x10 = TS.Broadcast(b8[s2]);
            c010 = TS.MultiplyAdd(a0, x10, c010);
            var x11 = TS.Broadcast(b8[s3]);
            c011 = TS.MultiplyAdd(a0, x11, c011);
            a += sa;
            b += sp;
            b4 += sp;
            b8 += sp;
        }

        Write<TS, TV, T>(c, c000, beta, update);
        Write<TS, TV, T>(c + ldc, c001, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c002, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c003, beta, update);
        Write<TS, TV, T>(c + (4 * ldc), c004, beta, update);
        Write<TS, TV, T>(c + (5 * ldc), c005, beta, update);
        Write<TS, TV, T>(c + (6 * ldc), c006, beta, update);
        Write<TS, TV, T>(c + (7 * ldc), c007, beta, update);
        Write<TS, TV, T>(c + (8 * ldc), c008, beta, update);
        Write<TS, TV, T>(c + (9 * ldc), c009, beta, update);
        Write<TS, TV, T>(c + (10 * ldc), c010, beta, update);
        Write<TS, TV, T>(c + (11 * ldc), c011, beta, update);
    }

    /// <summary>
    /// The 1-vector × 8-column register tile: <c>C[0..1·W, 0..8] ⊕= Ã·B̃</c> over <paramref name="kc"/> steps, where Ã holds
    /// 1·W contiguous elements per step (steps <paramref name="sa"/> apart) and element (p, j) of B̃ is at
    /// <c>b[p·<paramref name="sp"/> + j·<paramref name="sj"/>]</c>; 8 accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x8<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, nint ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c000 = TS.Zero, c001 = TS.Zero, c002 = TS.Zero, c003 = TS.Zero, c004 = TS.Zero, c005 = TS.Zero, c006 = TS.Zero, c007 = TS.Zero;
        T* b4 = b + (4 * sj);
        nint s2 = 2 * sj, s3 = 3 * sj;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var x0 = TS.Broadcast(b[0]);
            c000 = TS.MultiplyAdd(a0, x0, c000);
            var x1 = TS.Broadcast(b[sj]);
            c001 = TS.MultiplyAdd(a0, x1, c001);
            var x2 = TS.Broadcast(b[s2]);
            c002 = TS.MultiplyAdd(a0, x2, c002);
            var x3 = TS.Broadcast(b[s3]);
            c003 = TS.MultiplyAdd(a0, x3, c003);
            var x4 = TS.Broadcast(b4[0]);
            c004 = TS.MultiplyAdd(a0, x4, c004);
            var x5 = TS.Broadcast(b4[sj]);
            c005 = TS.MultiplyAdd(a0, x5, c005);
            var x6 = TS.Broadcast(b4[s2]);
            c006 = TS.MultiplyAdd(a0, x6, c006);
            var x7 = TS.Broadcast(b4[s3]);
            c007 = TS.MultiplyAdd(a0, x7, c007);
            a += sa;
            b += sp;
            b4 += sp;
        }

        Write<TS, TV, T>(c, c000, beta, update);
        Write<TS, TV, T>(c + ldc, c001, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c002, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c003, beta, update);
        Write<TS, TV, T>(c + (4 * ldc), c004, beta, update);
        Write<TS, TV, T>(c + (5 * ldc), c005, beta, update);
        Write<TS, TV, T>(c + (6 * ldc), c006, beta, update);
        Write<TS, TV, T>(c + (7 * ldc), c007, beta, update);
    }

    /// <summary>
    /// The 1-vector × 4-column register tile: <c>C[0..1·W, 0..4] ⊕= Ã·B̃</c> over <paramref name="kc"/> steps, where Ã holds
    /// 1·W contiguous elements per step (steps <paramref name="sa"/> apart) and element (p, j) of B̃ is at
    /// <c>b[p·<paramref name="sp"/> + j·<paramref name="sj"/>]</c>; 4 accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x4<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, nint ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c000 = TS.Zero, c001 = TS.Zero, c002 = TS.Zero, c003 = TS.Zero;
        nint s2 = 2 * sj, s3 = 3 * sj;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var x0 = TS.Broadcast(b[0]);
            c000 = TS.MultiplyAdd(a0, x0, c000);
            var x1 = TS.Broadcast(b[sj]);
            c001 = TS.MultiplyAdd(a0, x1, c001);
            var x2 = TS.Broadcast(b[s2]);
            c002 = TS.MultiplyAdd(a0, x2, c002);
            var x3 = TS.Broadcast(b[s3]);
            c003 = TS.MultiplyAdd(a0, x3, c003);
            a += sa;
            b += sp;
        }

        Write<TS, TV, T>(c, c000, beta, update);
        Write<TS, TV, T>(c + ldc, c001, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c002, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c003, beta, update);
    }

    /// <summary>Part <c>part</c> of <c>parts</c> of one product (row panels or column slivers), as a job for <see cref="Partitioned"/>.</summary>
    private readonly struct Parts<TS, TV, T>(Problem<T> problem, int mr, bool byRows) : IPartitionedJob
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int parts)
        {
            if (byRows)
            {
                Run<TS, TV, T>(problem, mr, Split(problem.M, mr, part, parts, false), Split(problem.M, mr, part + 1, parts, false), 0, problem.N);
            }
            else
            {
                Run<TS, TV, T>(problem, mr, 0, problem.M, Split(problem.N, NR, part, parts, problem.LowerOnly), Split(problem.N, NR, part + 1, parts, problem.LowerOnly));
            }
        }
    }

    /// <summary>Part b of a product split by k blocks: block b into C (b = 0, as the serial loop) or into partial buffer b − 1.</summary>
    private readonly struct KParts<TS, TV, T>(Problem<T> problem, int mr, int kc, T* partial) : IPartitionedJob
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int parts)
        {
            var p0 = part * kc;
            var depth = Math.Min(kc, problem.K - p0);
            var a = problem.A + (problem.TransA == Transpose.No ? p0 * (nint)problem.Lda : p0);
            var b = problem.B + (problem.TransB == Transpose.No ? p0 : p0 * (nint)problem.Ldb);
            var block = part == 0
                ? new Problem<T>(problem.TransA, problem.TransB, problem.M, problem.N, depth, problem.Alpha, a, problem.Lda, b, problem.Ldb, problem.Beta, problem.C, problem.Ldc, false)
                : new Problem<T>(problem.TransA, problem.TransB, problem.M, problem.N, depth, problem.Alpha, a, problem.Lda, b, problem.Ldb, T.Zero, partial + ((long)(part - 1) * problem.M * problem.N), problem.M, false);
            Run<TS, TV, T>(block, mr, 0, problem.M, 0, problem.N);
        }
    }

    /// <summary>One validated product, with the operands pinned by the caller for its whole duration.</summary>
    private readonly struct Problem<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc, bool lowerOnly)
        where T : unmanaged
    {
        public Transpose TransA { get; } = transA;

        public Transpose TransB { get; } = transB;

        public int M { get; } = m;

        public int N { get; } = n;

        public int K { get; } = k;

        public T Alpha { get; } = alpha;

        public T* A { get; } = a;

        public int Lda { get; } = lda;

        public T* B { get; } = b;

        public int Ldb { get; } = ldb;

        public T Beta { get; } = beta;

        public T* C { get; } = c;

        public int Ldc { get; } = ldc;

        public bool LowerOnly { get; } = lowerOnly;
    }
}
