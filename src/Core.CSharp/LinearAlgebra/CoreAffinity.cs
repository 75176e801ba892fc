using System.Runtime.InteropServices;

namespace Nn.LinearAlgebra;

/// <summary>
/// Keeps a sleeping helper thread from being woken onto the core of the thread that wakes it (Linux only; elsewhere, or
/// when a call is refused, nothing happens). The scheduler may queue a woken thread on its waker's core — which is busy
/// with its own part of the job — and leave it there, waiting for that core, until a periodic balance moves it; on a
/// 2-core virtual machine that was measured to take one to ten milliseconds, long enough for whole products to finish
/// without the helper, and a helper that stepped aside once it ran was queued on the waker's core again at its next
/// wake-up. So the waker narrows the sleeping helper's allowed cores to exclude its own before it wakes it
/// (<see cref="KeepOff"/>), and the helper, once running elsewhere, allows them all again (<see cref="Restore"/>).
/// </summary>
internal static partial class CoreAffinity
{
    /// <summary>Words of a CPU mask: 1,024 CPUs.</summary>
    public const int MaskWords = 16;

    /// <summary>The CPU the calling thread runs on, or −1 when unknown.</summary>
    public static int CurrentCpu() => AskLinux(static () => GetCpu());

    /// <summary>The kernel's id of the calling thread (for <see cref="KeepOff"/>), or −1 when unknown.</summary>
    public static int CurrentThreadId() => AskLinux(static () => GetThreadId());

    /// <summary>
    /// When the calling thread runs on a known CPU and thread <paramref name="thread"/> may run on another, narrows that
    /// thread's allowed CPUs to exclude the caller's, saving its allowed set in <paramref name="saved"/> (of
    /// <see cref="MaskWords"/> words) for <see cref="Restore"/>; returns the CPU it kept the thread off, or −1 when it did not.
    /// </summary>
    public static int KeepOff(int thread, Span<ulong> saved)
    {
        if (thread <= 0 || saved.Length < MaskWords)
        {
            return -1;
        }

        var cpu = CurrentCpu();
        if (cpu < 0 || cpu >= MaskWords * 64)
        {
            return -1;
        }

        try
        {
            var size = (nuint)(MaskWords * sizeof(ulong));
            if (GetAffinity(thread, size, ref MemoryMarshal.GetReference(saved)) != 0)
            {
                return -1;
            }

            Span<ulong> others = stackalloc ulong[MaskWords];
            saved[..MaskWords].CopyTo(others);
            others[cpu / 64] &= ~(1UL << (cpu % 64));
            return others.IndexOfAnyExcept(0UL) >= 0 && SetAffinity(thread, size, ref MemoryMarshal.GetReference(others)) == 0 ? cpu : -1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>Allows the calling thread the CPUs of <paramref name="saved"/> again (as <see cref="KeepOff"/> saved them).</summary>
    public static void Restore(ReadOnlySpan<ulong> saved)
    {
        if (saved.Length < MaskWords)
        {
            return;
        }

        try
        {
            _ = SetAffinity(0, (nuint)(MaskWords * sizeof(ulong)), ref MemoryMarshal.GetReference(saved));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No C library to ask: nothing was narrowed either.
        }
    }

    /// <summary>The C library's answer on Linux; −1 elsewhere or when the library or its function is missing.</summary>
    private static int AskLinux(Func<int> call)
    {
        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }

        try
        {
            return call();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int GetCpu();

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int GetAffinity(int pid, nuint size, ref ulong mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SetAffinity(int pid, nuint size, ref ulong mask);
}
