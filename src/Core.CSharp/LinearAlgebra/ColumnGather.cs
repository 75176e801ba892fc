namespace Nn.LinearAlgebra;

/// <summary>
/// Copies chosen columns of a column-major matrix into consecutive columns of another: the minibatch gather. Reading
/// shuffled columns of a data set larger than the caches waits on memory, so each column's cache lines are asked for a
/// few columns before they are copied, and large gathers are split over the cores, each with its own outstanding reads
/// (or run on a helper thread while a training pass goes on: <see cref="Columns{T}"/>).
/// </summary>
internal static unsafe class ColumnGather
{
    /// <summary>Destination column j ← source column <c>columns[j]</c>; every column has <paramref name="rows"/> elements.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Gather<T>(ReadOnlySpan<T> source, int rows, ReadOnlySpan<int> columns, Span<T> destination)
        where T : unmanaged
    {
        var threads = Math.Min(Partitioned.ThreadsFor<T>((long)rows * columns.Length), columns.Length);
        if (threads <= 1)
        {
            Copy(source, rows, columns, destination);
            return;
        }

        fixed (T* s = source, d = destination)
        fixed (int* c = columns)
        {
            Partitioned.Run(new Job<T>(s, source.Length, rows, c, columns.Length, d), threads, threads);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Copy<T>(ReadOnlySpan<T> source, int rows, ReadOnlySpan<int> columns, Span<T> destination)
        where T : unmanaged
    {
        var bytes = (long)rows * sizeof(T);
        fixed (T* s = source)
        {
            // The first columns' lines requested before any is copied, then each column's lines Ahead columns before its
            // copy: a copy waits on memory once per gather, not once per column.
            for (var j = 0; j < Math.Min(Ahead, columns.Length); j++)
            {
                Request((byte*)(s + ((long)columns[j] * rows)), bytes);
            }

            for (var j = 0; j < columns.Length; j++)
            {
                if (j + Ahead < columns.Length)
                {
                    Request((byte*)(s + ((long)columns[j + Ahead] * rows)), bytes);
                }

                source.Slice(columns[j] * rows, rows).CopyTo(destination.Slice(j * rows, rows));
            }
        }
    }

    /// <summary>Columns whose reads are in flight ahead of the one being copied.</summary>
    private const int Ahead = 4;

    /// <summary>Asks for the cache lines of [<paramref name="start"/>, <paramref name="start"/> + <paramref name="bytes"/>) without waiting for them.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Request(byte* start, long bytes)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            return;
        }

        for (long offset = 0; offset < bytes; offset += 64)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(start + offset);
        }
    }

    /// <summary>
    /// Destination column j ← source column <c>order[from + j]</c> for j &lt; <paramref name="count"/>, as a job of parts
    /// to run while the caller goes on (<see cref="Partitioned.Start{TJob}"/>): it holds the arrays, not pointers into them.
    /// </summary>
    internal readonly struct Columns<T>(T[] source, int rows, int[] order, int from, int count, T[] destination) : IPartitionedJob
        where T : unmanaged
    {
        /// <summary>Parts of about 16 columns, at most 8.</summary>
        public int Parts => Math.Clamp(count / 16, 1, 8);

        public void Run(int part, int parts)
        {
            var first = (int)((long)count * part / parts);
            var end = (int)((long)count * (part + 1) / parts);
            Copy<T>(source, rows, order.AsSpan(from + first, end - first), destination.AsSpan(first * rows, (end - first) * rows));
        }
    }

    private readonly struct Job<T>(T* source, int length, int rows, int* columns, int count, T* destination) : IPartitionedJob
        where T : unmanaged
    {
        public void Run(int part, int parts)
        {
            var from = (int)((long)count * part / parts);
            var to = (int)((long)count * (part + 1) / parts);
            Copy(new ReadOnlySpan<T>(source, length), rows, new ReadOnlySpan<int>(columns + from, to - from), new Span<T>(destination + ((long)from * rows), (to - from) * rows));
        }
    }
}
