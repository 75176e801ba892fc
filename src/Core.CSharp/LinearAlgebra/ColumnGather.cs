namespace Nn.LinearAlgebra;

/// <summary>
/// Copies chosen columns of a column-major matrix into consecutive columns of another: the minibatch gather. Reading
/// shuffled columns of a data set larger than the caches waits on memory, so large gathers are split over the cores,
/// each with its own outstanding reads.
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
        for (var j = 0; j < columns.Length; j++)
        {
            source.Slice(columns[j] * rows, rows).CopyTo(destination.Slice(j * rows, rows));
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
