using System.Runtime.InteropServices;

namespace Nn.LinearAlgebra;

/// <summary>
/// Moves a helper thread that has just been woken off the core of the thread that woke it (Linux only; elsewhere, or when
/// a call is refused, nothing happens). The scheduler may queue a woken thread on its waker's core — which is busy with
/// its own part of the job — and leave it there until a periodic balance moves it to the idle core; on a 2-core virtual
/// machine that was measured to take one to ten milliseconds, long enough for whole products to finish without the
/// helper. The helper, once it runs, steps aside itself: it narrows its allowed cores to exclude the waker's (which
/// migrates it at once) and widens them again.
/// </summary>
internal static partial class CoreAffinity
{
    private const int MaskWords = 16; // 1,024 CPUs

    /// <summary>The CPU the calling thread runs on, or −1 when unknown.</summary>
    public static int CurrentCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }

        try
        {
            return GetCpu();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>When the calling thread runs on <paramref name="cpu"/>, moves it to another CPU of its allowed set, then allows the whole set again.</summary>
    public static void StepAsideFrom(int cpu)
    {
        if (cpu < 0 || cpu >= MaskWords * 64 || CurrentCpu() != cpu)
        {
            return;
        }

        try
        {
            Span<ulong> allowed = stackalloc ulong[MaskWords];
            var size = (nuint)(MaskWords * sizeof(ulong));
            if (GetAffinity(0, size, ref MemoryMarshal.GetReference(allowed)) != 0)
            {
                return;
            }

            Span<ulong> others = stackalloc ulong[MaskWords];
            allowed.CopyTo(others);
            others[cpu / 64] &= ~(1UL << (cpu % 64));
            if (others.IndexOfAnyExcept(0UL) < 0)
            {
                return;
            }

            if (SetAffinity(0, size, ref MemoryMarshal.GetReference(others)) == 0)
            {
                _ = SetAffinity(0, size, ref MemoryMarshal.GetReference(allowed));
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No C library to ask: the thread stays where it is.
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int GetCpu();

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int GetAffinity(int pid, nuint size, ref ulong mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SetAffinity(int pid, nuint size, ref ulong mask);
}
