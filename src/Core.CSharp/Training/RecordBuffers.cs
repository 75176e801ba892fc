using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nn.Training;

/// <summary>
/// Buffers for a run's records (one per step and one per epoch), written once each, in order, and handed to the caller
/// at the end. A long run of tiny steps writes megabytes of them — 112 bytes per step for a full-batch run — and on
/// Linux each 4 KiB page the run writes for the first time costs a page fault on the training thread. A buffer of at
/// least <see cref="PopulateBytes"/> of a type without references (the step records) therefore has its pages faulted in
/// ahead of the writer on another thread (<c>madvise(MADV_POPULATE_WRITE)</c>, Linux 5.14 and later: it maps the pages
/// writable without writing to them, so it cannot disturb what the run has already written). Elsewhere, or when the
/// kernel refuses, nothing is done and the run takes the faults itself, as before.
/// </summary>
/// <remarks>
/// Arrays of types with references (the epoch records, which the run keeps in an ordinary builder) are left to the writer: their pages were found mapped read-only
/// to the kernel's zero page by then, and making such a page writable from another thread flushes the training core's
/// TLB by an interrupt each time (<c>do_wp_page</c> → <c>flush_tlb_mm_range</c> in a profile), which cost the writer
/// more than the faults it saved.
/// </remarks>
internal static partial class RecordBuffers
{
    /// <summary>From this size on, a buffer's pages are faulted in on another thread.</summary>
    public const int PopulateBytes = 1 << 20;

    private const int AdvisePopulateWrite = 23;

    private static volatile bool refused;

    /// <summary>
    /// An array of <paramref name="length"/> elements whose contents are unspecified — every element must be written
    /// before it is read — with its pages faulted in on a thread-pool thread when it is large and its type holds no
    /// references (see the class summary).
    /// </summary>
    public static T[] Allocate<T>(int length)
    {
        var array = GC.AllocateUninitializedArray<T>(length);
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>() && (long)length * Unsafe.SizeOf<T>() >= PopulateBytes && !refused && OperatingSystem.IsLinux())
        {
            ThreadPool.UnsafeQueueUserWorkItem(static a => Populate(a), array, preferLocal: false);
        }

        return array;
    }

    /// <summary>Faults in the whole pages of <paramref name="array"/>'s memory, pinned meanwhile; false when the kernel refused.</summary>
    internal static unsafe bool Populate<T>(T[] array)
    {
        var bytes = (long)array.Length * Unsafe.SizeOf<T>();
        var page = (nuint)Environment.SystemPageSize;
        fixed (byte* data = &Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(array)))
        {
            var start = (nuint)data;
            var first = (start + page - 1) & ~(page - 1);
            var end = (start + (nuint)bytes) & ~(page - 1);
            if (end <= first)
            {
                return false;
            }

            try
            {
                if (Madvise(first, end - first, AdvisePopulateWrite) == 0)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // No C library to ask: refused, as below.
            }

            // An older kernel (EINVAL) or no C library: the writer takes its own faults from now on.
            refused = true;
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nuint address, nuint length, int advice);
}
