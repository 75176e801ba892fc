using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.LinearAlgebra;

/// <summary>
/// Cache-blocked, packed matrix multiply on hardware vectors, after Goto and van de Geijn, "Anatomy of
/// High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008, and the BLIS loop structure (Van Zee and
/// van de Geijn, ACM TOMS 41(3), 2015): a kc×nc panel of op(B) is packed into NR-column slivers, an mc×kc
/// block of α·op(A) into MR-row slivers, and a register tile of MR×NR elements of C accumulates kc
/// fused multiply-adds per element before it is written once.
/// </summary>
/// <remarks>
/// Column blocks of C go to thread-pool threads when the product is large; each thread packs its own operands
/// into buffers rented from <see cref="ArrayPool{T}"/> and the work item is reused, so the steady state
/// allocates nothing.
/// Tiny products skip packing and threads altogether. With β = 0 the old C is never read.
/// </remarks>
internal static unsafe class PackedGemm
{
    /// <summary>Columns per register tile (the broadcast operand).</summary>
    private const int NR = 8;

    /// <summary>At or below this many multiply-adds (m·n·k) a plain loop beats packing.</summary>
    private const long DirectWork = 2048;

    /// <summary>From this many multiply-adds on, column blocks run on several threads.</summary>
    private const long ParallelWork = 1L << 20;

    /// <summary>Column blocks per thread in a threaded product, so a thread that starts late still gets a share.</summary>
    private const int BlocksPerThread = 4;

    /// <summary>Largest op(A), in bytes, that every column block may re-read: it stays in the L2 caches.</summary>
    private const long SharedABytes = 1L << 21;

    /// <summary>How the register tile is combined with C.</summary>
    private enum Update
    {
        /// <summary><c>C ← T</c>: β = 0, old C not read.</summary>
        Overwrite,

        /// <summary><c>C ← C + T</c>: β = 1, or a later k block.</summary>
        Accumulate,

        /// <summary><c>C ← T + β·C</c>.</summary>
        Scale,
    }

    /// <summary>Whether <see cref="Gemm{T}"/> runs on 512-bit or 256-bit vectors here (false: plain loops).</summary>
    internal static bool IsAccelerated => Vector512.IsHardwareAccelerated || (Vector256.IsHardwareAccelerated && Fma.IsSupported);

    /// <summary>
    /// <c>C ← α·op(A)·op(B) + β·C</c>, arguments as in <see cref="IBlasBackend"/> (already validated, m, n &gt; 0).
    /// With <paramref name="lowerOnly"/> (m = n) only the register tiles that touch the lower triangle are
    /// computed; tiles strictly above the diagonal are left as they were.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static void Gemm<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc, bool lowerOnly)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 0 || T.IsZero(alpha))
        {
            ScaleOnly(m, n, beta, c, ldc);
            return;
        }

        if ((long)m * n * k <= DirectWork || !IsAccelerated)
        {
            Direct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }

        fixed (T* pa = a, pb = b, pc = c)
        {
            var problem = new Problem<T>(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, lowerOnly);
            if (Vector512.IsHardwareAccelerated)
            {
                Dispatch<Simd512<T>, Vector512<T>, T>(problem);
            }
            else
            {
                Dispatch<Simd256<T>, Vector256<T>, T>(problem);
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

    /// <summary>The textbook loop of dot products, for products too small to repay packing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Direct<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Element strides of op(A) along i and p, and of op(B) along p and j.
        var (ai, ap) = transA == Transpose.No ? (1, lda) : (lda, 1);
        var (bp, bj) = transB == Transpose.No ? (1, ldb) : (ldb, 1);
        var overwrite = T.IsZero(beta);
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
            {
                var sum = T.Zero;
                int ia = i * ai, ib = j * bj;
                for (var p = 0; p < k; p++, ia += ap, ib += bp)
                {
                    sum = T.FusedMultiplyAdd(a[ia], b[ib], sum);
                }

                ref var cij = ref c[i + (j * ldc)];
                cij = overwrite ? alpha * sum : (alpha * sum) + (beta * cij);
            }
        }
    }

    /// <summary>Splits the columns of C over threads when the product is large enough to repay it.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Dispatch<TS, TV, T>(Problem<T> problem)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = problem.N;
        var threads = (long)problem.M * n * problem.K >= ParallelWork ? Math.Min(Environment.ProcessorCount, n / NR) : 1;
        if (threads <= 1)
        {
            Run<TS, TV, T>(problem, 0, n);
            return;
        }

        // Four column blocks per thread (of at least four register tiles each), claimed as threads become free, when
        // op(A) is small enough to stay in cache: every block reads all of it. A large op(A) (the Gram matrix of a
        // whole data set) is streamed from memory once per block, so then each thread takes one block.
        var aBytes = (long)problem.M * problem.K * sizeof(T);
        var perThread = aBytes <= SharedABytes ? BlocksPerThread : 1;
        var blocks = Math.Max(threads, Math.Min(threads * perThread, n / (4 * NR)));
        Partitioned.Run(new ColumnBlocks<TS, TV, T>(problem), blocks, threads);
    }

    /// <summary>
    /// Start of column block <paramref name="t"/> of <paramref name="count"/>, a multiple of NR. Blocks carry equal
    /// work: equal widths for a full product; for the lower triangle, column j costs n − j, so block t starts
    /// where the cumulative work <c>x·n − x²/2</c> reaches <c>t/count</c> of <c>n²/2</c>.
    /// </summary>
    private static int ColumnSplit<T>(Problem<T> problem, int t, int count)
        where T : unmanaged
    {
        if (t >= count)
        {
            return problem.N;
        }

        var n = problem.N;
        var x = problem.LowerOnly ? n * (1 - Math.Sqrt(1 - ((double)t / count))) : (double)n * t / count;
        return Math.Min(n, (int)Math.Round(x / NR) * NR);
    }

    /// <summary>The blocked loops over columns [<paramref name="jBegin"/>, <paramref name="jEnd"/>) of C, on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TS, TV, T>(Problem<T> problem, int jBegin, int jEnd)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (jBegin >= jEnd)
        {
            return;
        }

        var (m, k, ldc) = (problem.M, problem.K, problem.Ldc);
        var w = TS.Count;
        var mr = m <= w ? w : 2 * w;

        // Block sizes: a kc×NR sliver of B̃ (16 KiB) stays in L1 across a column of register tiles, an mc×kc
        // block of Ã (512 KiB) in L2, and the kc×nc panel of B̃ in L3.
        var kcMax = 2048 / sizeof(T);
        var mcMax = 256;
        var ncMax = 2048;
        var kBlocks = (k + kcMax - 1) / kcMax;
        var kcTarget = (k + kBlocks - 1) / kBlocks;
        var firstUpdate = T.IsZero(problem.Beta) ? Update.Overwrite : problem.Beta == T.One ? Update.Accumulate : Update.Scale;

        // With a single row panel every element of op(B) feeds one register tile only, so packing B would
        // cost as much as it saves: read it in place instead.
        var inPlaceB = m <= mr && !problem.LowerOnly;

        // Columns of A already hold full row panels contiguously, and L2 serves them as well as a packed copy:
        // only α ≠ 1 (folded into the copy) and the ragged last panel need packing.
        var inPlaceA = problem.TransA == Transpose.No && problem.Alpha == T.One;
        var width = Math.Min(ncMax, jEnd - jBegin);
        var bPanel = ArrayPool<T>.Shared.Rent(kcTarget * RoundUp(width, NR));
        var aBlock = ArrayPool<T>.Shared.Rent(kcTarget * RoundUp(Math.Min(mcMax, m), mr));
        var tile = stackalloc T[2 * w * NR];
        try
        {
            fixed (T* bp = bPanel, ap = aBlock)
            {
                for (var jc = jBegin; jc < jEnd; jc += ncMax)
                {
                    var nc = Math.Min(ncMax, jEnd - jc);
                    for (var pc = 0; pc < k; pc += kcTarget)
                    {
                        var kc = Math.Min(kcTarget, k - pc);
                        var update = pc == 0 ? firstUpdate : Update.Accumulate;
                        if (!inPlaceB)
                        {
                            PackB(problem, pc, kc, jc, nc, bp);
                        }

                        for (var ic = problem.LowerOnly ? jc : 0; ic < m; ic += mcMax)
                        {
                            var mc = Math.Min(mcMax, m - ic);
                            PackA<TS, TV, T>(problem, ic, mc, pc, kc, mr, inPlaceA, ap);
                            for (var jr = 0; jr < nc; jr += NR)
                            {
                                var nr = Math.Min(NR, nc - jr);
                                T* sliver;
                                nint sp = NR, sj = 1;
                                if (!inPlaceB)
                                {
                                    sliver = bp + (jr * kc);
                                }
                                else if (nr == NR)
                                {
                                    (sp, sj) = problem.TransB == Transpose.No ? ((nint)1, (nint)problem.Ldb) : ((nint)problem.Ldb, (nint)1);
                                    sliver = problem.B + (pc * sp) + ((jc + jr) * sj);
                                }
                                else
                                {
                                    PackB(problem, pc, kc, jc + jr, nr, bp);
                                    sliver = bp;
                                }

                                for (var ir = 0; ir < mc; ir += mr)
                                {
                                    var rows = Math.Min(mr, mc - ir);
                                    if (problem.LowerOnly && ic + ir + rows <= jc + jr)
                                    {
                                        continue; // every row of this tile is above every column: strictly upper.
                                    }

                                    var c = problem.C + ic + ir + ((long)(jc + jr) * ldc);
                                    var inPlace = inPlaceA && rows == mr;
                                    var panel = inPlace ? problem.A + ic + ir + (pc * (nint)problem.Lda) : ap + (ir * kc);
                                    var sa = inPlace ? (nint)problem.Lda : mr;
                                    Tile<TS, TV, T>(kc, panel, sa, sliver, sp, sj, c, ldc, rows, nr, mr, problem.Beta, update, tile);
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(aBlock);
            ArrayPool<T>.Shared.Return(bPanel);
        }
    }

    /// <summary>
    /// One register tile; partial tiles at the edges go through <paramref name="scratch"/> so C is never touched out
    /// of bounds. The B sliver is packed when <c>sp = NR, sj = 1</c>, else read in place with those strides.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, int ldc, int rows, int cols, int mr, T beta, Update update, T* scratch)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var full = rows == mr && cols == NR;
        var target = full ? c : scratch;
        var targetLd = full ? ldc : mr;
        var targetUpdate = full ? update : Update.Overwrite;
        if (sp == NR && sj == 1)
        {
            if (mr == TS.Count)
            {
                Kernel1x8<TS, TV, T>(kc, a, sa, b, target, targetLd, beta, targetUpdate);
            }
            else
            {
                Kernel2x8<TS, TV, T>(kc, a, sa, b, target, targetLd, beta, targetUpdate);
            }
        }
        else if (mr == TS.Count)
        {
            Kernel1x8Strided<TS, TV, T>(kc, a, sa, b, sp, sj, target, targetLd, beta, targetUpdate);
        }
        else
        {
            Kernel2x8Strided<TS, TV, T>(kc, a, sa, b, sp, sj, target, targetLd, beta, targetUpdate);
        }

        if (full)
        {
            return;
        }

        for (var j = 0; j < cols; j++)
        {
            var cj = c + ((long)j * ldc);
            var tj = scratch + (j * mr);
            for (var i = 0; i < rows; i++)
            {
                cj[i] = update switch
                {
                    Update.Overwrite => tj[i],
                    Update.Accumulate => cj[i] + tj[i],
                    _ => tj[i] + (beta * cj[i]),
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
    /// Packs rows [i0, i0 + mc) and columns [p0, p0 + kc) of α·op(A) into MR-row slivers: element (i, p) of
    /// sliver s lands at <c>s·MR·kc + p·MR + (i mod MR)</c>; rows past the end of A are zero. With
    /// <paramref name="onlyRagged"/> full slivers are skipped (they are read in place).
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
            var i = i0 + ir;
            if (onlyRagged && rows == mr)
            {
                continue;
            }

            if (problem.TransA == Transpose.No)
            {
                // Column p of A holds rows i.. contiguously.
                var source = problem.A + i + (p0 * lda);
                for (var p = 0; p < kc; p++, source += lda)
                {
                    var d = destination + (p * mr);
                    if (rows == mr)
                    {
                        for (var v = 0; v < mr; v += w)
                        {
                            TS.Store(d + v, TS.Multiply(TS.Load(source + v), alphaV));
                        }
                    }
                    else
                    {
                        for (var r = 0; r < rows; r++)
                        {
                            d[r] = alpha * source[r];
                        }

                        for (var r = rows; r < mr; r++)
                        {
                            d[r] = T.Zero;
                        }
                    }
                }
            }
            else
            {
                // op(A) = Aᵀ: row i of op(A) is column i of A, contiguous in p.
                for (var r = 0; r < rows; r++)
                {
                    var source = problem.A + p0 + ((i + r) * lda);
                    for (var p = 0; p < kc; p++)
                    {
                        destination[(p * mr) + r] = alpha * source[p];
                    }
                }

                for (var p = 0; p < kc && rows < mr; p++)
                {
                    for (var r = rows; r < mr; r++)
                    {
                        destination[(p * mr) + r] = T.Zero;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs rows [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into NR-column slivers: element (p, j) of
    /// sliver s lands at <c>s·NR·kc + p·NR + (j mod NR)</c>; columns past the end of B are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB<T>(Problem<T> problem, int p0, int kc, int j0, int nc, T* destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ldb = (long)problem.Ldb;
        for (var jr = 0; jr < nc; jr += NR, destination += NR * kc)
        {
            var cols = Math.Min(NR, nc - jr);
            var j = j0 + jr;
            if (problem.TransB == Transpose.No && cols == NR)
            {
                // Column j of B is contiguous in p: read eight columns as eight sequential streams and
                // write each packed row of eight contiguously.
                var s0 = problem.B + p0 + (j * ldb);
                T* s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb, s4 = s3 + ldb, s5 = s4 + ldb, s6 = s5 + ldb, s7 = s6 + ldb;
                var d = destination;
                for (var p = 0; p < kc; p++, d += NR)
                {
                    d[0] = s0[p];
                    d[1] = s1[p];
                    d[2] = s2[p];
                    d[3] = s3[p];
                    d[4] = s4[p];
                    d[5] = s5[p];
                    d[6] = s6[p];
                    d[7] = s7[p];
                }
            }
            else if (problem.TransB == Transpose.No)
            {
                for (var s = 0; s < cols; s++)
                {
                    var source = problem.B + p0 + ((j + s) * ldb);
                    for (var p = 0; p < kc; p++)
                    {
                        destination[(p * NR) + s] = source[p];
                    }
                }
            }
            else if (cols == NR)
            {
                // op(B) = Bᵀ: row p of op(B) is column p of B, contiguous in j, so each packed row is one copy.
                var source = problem.B + j + (p0 * ldb);
                for (var p = 0; p < kc; p++, source += ldb)
                {
                    Unsafe.CopyBlockUnaligned(destination + (p * NR), source, (uint)(NR * sizeof(T)));
                }
            }
            else
            {
                var source = problem.B + j + (p0 * ldb);
                for (var p = 0; p < kc; p++, source += ldb)
                {
                    var d = destination + (p * NR);
                    for (var s = 0; s < cols; s++)
                    {
                        d[s] = source[s];
                    }
                }
            }

            for (var p = 0; p < kc && cols < NR; p++)
            {
                for (var s = cols; s < NR; s++)
                {
                    destination[(p * NR) + s] = T.Zero;
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>
    /// The 2-vector × 8-column register tile: <c>C[0..2·W, 0..8] ⊕= Ã·B̃</c> over <paramref name="kc"/> steps, where
    /// Ã holds 2·W contiguous elements per step (steps <paramref name="sa"/> apart) and B̃ holds 8; 16 accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel2x8<TS, TV, T>(int kc, T* a, nint sa, T* b, T* c, int ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c00 = TS.Zero, c10 = TS.Zero, c01 = TS.Zero, c11 = TS.Zero, c02 = TS.Zero, c12 = TS.Zero, c03 = TS.Zero, c13 = TS.Zero, c04 = TS.Zero, c14 = TS.Zero, c05 = TS.Zero, c15 = TS.Zero, c06 = TS.Zero, c16 = TS.Zero, c07 = TS.Zero, c17 = TS.Zero;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var a1 = TS.Load(a + TS.Count);
            var b0 = TS.Broadcast(b[0]);
            c00 = TS.MultiplyAdd(a0, b0, c00);
            c10 = TS.MultiplyAdd(a1, b0, c10);
            var b1 = TS.Broadcast(b[1]);
            c01 = TS.MultiplyAdd(a0, b1, c01);
            c11 = TS.MultiplyAdd(a1, b1, c11);
            var b2 = TS.Broadcast(b[2]);
            c02 = TS.MultiplyAdd(a0, b2, c02);
            c12 = TS.MultiplyAdd(a1, b2, c12);
            var b3 = TS.Broadcast(b[3]);
            c03 = TS.MultiplyAdd(a0, b3, c03);
            c13 = TS.MultiplyAdd(a1, b3, c13);
            var b4 = TS.Broadcast(b[4]);
            c04 = TS.MultiplyAdd(a0, b4, c04);
            c14 = TS.MultiplyAdd(a1, b4, c14);
            var b5 = TS.Broadcast(b[5]);
            c05 = TS.MultiplyAdd(a0, b5, c05);
            c15 = TS.MultiplyAdd(a1, b5, c15);
            var b6 = TS.Broadcast(b[6]);
            c06 = TS.MultiplyAdd(a0, b6, c06);
            c16 = TS.MultiplyAdd(a1, b6, c16);
            var b7 = TS.Broadcast(b[7]);
            c07 = TS.MultiplyAdd(a0, b7, c07);
            c17 = TS.MultiplyAdd(a1, b7, c17);
            a += sa;
            b += 8;
        }

        Write<TS, TV, T>(c, c00, beta, update);
        Write<TS, TV, T>(c + TS.Count, c10, beta, update);
        Write<TS, TV, T>(c + ldc, c01, beta, update);
        Write<TS, TV, T>(c + ldc + TS.Count, c11, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c02, beta, update);
        Write<TS, TV, T>(c + (2 * ldc) + TS.Count, c12, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c03, beta, update);
        Write<TS, TV, T>(c + (3 * ldc) + TS.Count, c13, beta, update);
        Write<TS, TV, T>(c + (4 * ldc), c04, beta, update);
        Write<TS, TV, T>(c + (4 * ldc) + TS.Count, c14, beta, update);
        Write<TS, TV, T>(c + (5 * ldc), c05, beta, update);
        Write<TS, TV, T>(c + (5 * ldc) + TS.Count, c15, beta, update);
        Write<TS, TV, T>(c + (6 * ldc), c06, beta, update);
        Write<TS, TV, T>(c + (6 * ldc) + TS.Count, c16, beta, update);
        Write<TS, TV, T>(c + (7 * ldc), c07, beta, update);
        Write<TS, TV, T>(c + (7 * ldc) + TS.Count, c17, beta, update);
    }

    /// <summary>
    /// The 1-vector × 8-column register tile: <c>C[0..1·W, 0..8] ⊕= Ã·B̃</c> over <paramref name="kc"/> steps, where
    /// Ã holds W contiguous elements per step (steps <paramref name="sa"/> apart) and B̃ holds 8; 8 accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x8<TS, TV, T>(int kc, T* a, nint sa, T* b, T* c, int ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c00 = TS.Zero, c01 = TS.Zero, c02 = TS.Zero, c03 = TS.Zero, c04 = TS.Zero, c05 = TS.Zero, c06 = TS.Zero, c07 = TS.Zero;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var b0 = TS.Broadcast(b[0]);
            c00 = TS.MultiplyAdd(a0, b0, c00);
            var b1 = TS.Broadcast(b[1]);
            c01 = TS.MultiplyAdd(a0, b1, c01);
            var b2 = TS.Broadcast(b[2]);
            c02 = TS.MultiplyAdd(a0, b2, c02);
            var b3 = TS.Broadcast(b[3]);
            c03 = TS.MultiplyAdd(a0, b3, c03);
            var b4 = TS.Broadcast(b[4]);
            c04 = TS.MultiplyAdd(a0, b4, c04);
            var b5 = TS.Broadcast(b[5]);
            c05 = TS.MultiplyAdd(a0, b5, c05);
            var b6 = TS.Broadcast(b[6]);
            c06 = TS.MultiplyAdd(a0, b6, c06);
            var b7 = TS.Broadcast(b[7]);
            c07 = TS.MultiplyAdd(a0, b7, c07);
            a += sa;
            b += 8;
        }

        Write<TS, TV, T>(c, c00, beta, update);
        Write<TS, TV, T>(c + ldc, c01, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c02, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c03, beta, update);
        Write<TS, TV, T>(c + (4 * ldc), c04, beta, update);
        Write<TS, TV, T>(c + (5 * ldc), c05, beta, update);
        Write<TS, TV, T>(c + (6 * ldc), c06, beta, update);
        Write<TS, TV, T>(c + (7 * ldc), c07, beta, update);
    }

    /// <summary>
    /// As <see cref="Kernel2x8"/>, but reading op(B) in place: element (p, j) of the sliver is at
    /// <c>b[p·<paramref name="sp"/> + j·<paramref name="sj"/>]</c>. Used when a single row panel covers C, so packing B would not be repaid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel2x8Strided<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, int ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c00 = TS.Zero, c10 = TS.Zero, c01 = TS.Zero, c11 = TS.Zero, c02 = TS.Zero, c12 = TS.Zero, c03 = TS.Zero, c13 = TS.Zero, c04 = TS.Zero, c14 = TS.Zero, c05 = TS.Zero, c15 = TS.Zero, c06 = TS.Zero, c16 = TS.Zero, c07 = TS.Zero, c17 = TS.Zero;
        T* bh = b + (4 * sj);
        nint s2 = 2 * sj, s3 = 3 * sj;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var a1 = TS.Load(a + TS.Count);
            var b0 = TS.Broadcast(b[0]);
            c00 = TS.MultiplyAdd(a0, b0, c00);
            c10 = TS.MultiplyAdd(a1, b0, c10);
            var b1 = TS.Broadcast(b[sj]);
            c01 = TS.MultiplyAdd(a0, b1, c01);
            c11 = TS.MultiplyAdd(a1, b1, c11);
            var b2 = TS.Broadcast(b[s2]);
            c02 = TS.MultiplyAdd(a0, b2, c02);
            c12 = TS.MultiplyAdd(a1, b2, c12);
            var b3 = TS.Broadcast(b[s3]);
            c03 = TS.MultiplyAdd(a0, b3, c03);
            c13 = TS.MultiplyAdd(a1, b3, c13);
            var b4 = TS.Broadcast(bh[0]);
            c04 = TS.MultiplyAdd(a0, b4, c04);
            c14 = TS.MultiplyAdd(a1, b4, c14);
            var b5 = TS.Broadcast(bh[sj]);
            c05 = TS.MultiplyAdd(a0, b5, c05);
            c15 = TS.MultiplyAdd(a1, b5, c15);
            var b6 = TS.Broadcast(bh[s2]);
            c06 = TS.MultiplyAdd(a0, b6, c06);
            c16 = TS.MultiplyAdd(a1, b6, c16);
            var b7 = TS.Broadcast(bh[s3]);
            c07 = TS.MultiplyAdd(a0, b7, c07);
            c17 = TS.MultiplyAdd(a1, b7, c17);
            a += sa;
            b += sp;
            bh += sp;
        }

        Write<TS, TV, T>(c, c00, beta, update);
        Write<TS, TV, T>(c + TS.Count, c10, beta, update);
        Write<TS, TV, T>(c + ldc, c01, beta, update);
        Write<TS, TV, T>(c + ldc + TS.Count, c11, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c02, beta, update);
        Write<TS, TV, T>(c + (2 * ldc) + TS.Count, c12, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c03, beta, update);
        Write<TS, TV, T>(c + (3 * ldc) + TS.Count, c13, beta, update);
        Write<TS, TV, T>(c + (4 * ldc), c04, beta, update);
        Write<TS, TV, T>(c + (4 * ldc) + TS.Count, c14, beta, update);
        Write<TS, TV, T>(c + (5 * ldc), c05, beta, update);
        Write<TS, TV, T>(c + (5 * ldc) + TS.Count, c15, beta, update);
        Write<TS, TV, T>(c + (6 * ldc), c06, beta, update);
        Write<TS, TV, T>(c + (6 * ldc) + TS.Count, c16, beta, update);
        Write<TS, TV, T>(c + (7 * ldc), c07, beta, update);
        Write<TS, TV, T>(c + (7 * ldc) + TS.Count, c17, beta, update);
    }

    /// <summary>
    /// As <see cref="Kernel1x8"/>, but reading op(B) in place: element (p, j) of the sliver is at
    /// <c>b[p·<paramref name="sp"/> + j·<paramref name="sj"/>]</c>. Used when a single row panel covers C, so packing B would not be repaid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x8Strided<TS, TV, T>(int kc, T* a, nint sa, T* b, nint sp, nint sj, T* c, int ldc, T beta, Update update)
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV c00 = TS.Zero, c01 = TS.Zero, c02 = TS.Zero, c03 = TS.Zero, c04 = TS.Zero, c05 = TS.Zero, c06 = TS.Zero, c07 = TS.Zero;
        T* bh = b + (4 * sj);
        nint s2 = 2 * sj, s3 = 3 * sj;
        for (var p = 0; p < kc; p++)
        {
            var a0 = TS.Load(a);
            var b0 = TS.Broadcast(b[0]);
            c00 = TS.MultiplyAdd(a0, b0, c00);
            var b1 = TS.Broadcast(b[sj]);
            c01 = TS.MultiplyAdd(a0, b1, c01);
            var b2 = TS.Broadcast(b[s2]);
            c02 = TS.MultiplyAdd(a0, b2, c02);
            var b3 = TS.Broadcast(b[s3]);
            c03 = TS.MultiplyAdd(a0, b3, c03);
            var b4 = TS.Broadcast(bh[0]);
            c04 = TS.MultiplyAdd(a0, b4, c04);
            var b5 = TS.Broadcast(bh[sj]);
            c05 = TS.MultiplyAdd(a0, b5, c05);
            var b6 = TS.Broadcast(bh[s2]);
            c06 = TS.MultiplyAdd(a0, b6, c06);
            var b7 = TS.Broadcast(bh[s3]);
            c07 = TS.MultiplyAdd(a0, b7, c07);
            a += sa;
            b += sp;
            bh += sp;
        }

        Write<TS, TV, T>(c, c00, beta, update);
        Write<TS, TV, T>(c + ldc, c01, beta, update);
        Write<TS, TV, T>(c + (2 * ldc), c02, beta, update);
        Write<TS, TV, T>(c + (3 * ldc), c03, beta, update);
        Write<TS, TV, T>(c + (4 * ldc), c04, beta, update);
        Write<TS, TV, T>(c + (5 * ldc), c05, beta, update);
        Write<TS, TV, T>(c + (6 * ldc), c06, beta, update);
        Write<TS, TV, T>(c + (7 * ldc), c07, beta, update);
    }

    /// <summary>Column block <c>part</c> of <c>parts</c> of one product, as a job for <see cref="Partitioned"/>.</summary>
    private readonly struct ColumnBlocks<TS, TV, T>(Problem<T> problem) : IPartitionedJob
        where TS : struct, ISimdVector<TV, T>
        where TV : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part, int parts) =>
            Run<TS, TV, T>(problem, ColumnSplit(problem, part, parts), ColumnSplit(problem, part + 1, parts));
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
