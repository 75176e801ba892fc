using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Nn.IO;

/// <summary>
/// The few POSIX file-system calls .NET does not expose and that safe output needs: <c>statx</c> (what kind of file
/// a path names, and its device and inode), <c>renameat2(RENAME_NOREPLACE)</c> and <c>link</c> (create a name only
/// if it does not exist, atomically), and <c>fsync</c> of a directory (make a rename durable).
/// </summary>
/// <remarks>
/// <para>Why not <see cref="File.Move(string, string, bool)"/> with <c>overwrite: false</c>: on Unix it looks the
/// destination up with <c>lstat</c> and, when it is absent, calls <c>rename</c>, which replaces whatever another
/// process created in between. Two writers that both saw no file both "succeed" and one file is silently lost.
/// <c>renameat2</c> with <c>RENAME_NOREPLACE</c> (Linux ≥ 3.15, glibc ≥ 2.28) and <c>link</c> fail with
/// <c>EEXIST</c> in the kernel instead, in one step.</para>
/// <para>"libc" is resolved by the runtime to the C library of the platform (<c>libc.so.6</c> on glibc), so no
/// development package is needed. <c>statx</c> and <c>renameat2</c> are Linux calls; elsewhere the callers fall back
/// to managed checks and <c>link</c>.</para>
/// </remarks>
internal static partial class UnixFile
{
    /// <summary>errno: the name exists.</summary>
    public const int EExist = 17;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const uint NoReplaceFlag = 1;
    private const int StatxSize = 256;

    /// <summary>The outcome of an atomic create-if-absent rename.</summary>
    public enum NoReplaceResult
    {
        /// <summary>The source now has the target's name.</summary>
        Done,

        /// <summary>The target exists; nothing changed.</summary>
        Exists,

        /// <summary>Neither <c>renameat2</c> nor <c>link</c> works on this system or file system.</summary>
        Unsupported,
    }

    /// <summary>Whether the native calls can be used: Linux only (the <c>statx</c> layout and <c>renameat2</c> are Linux's).</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux();

    /// <summary>
    /// The file type bits (<c>st_mode &amp; S_IFMT</c>), device and inode of <paramref name="path"/>, following symbolic
    /// links unless <paramref name="noFollow"/>; null when the path does not exist (or a component is not a directory).
    /// </summary>
    /// <exception cref="IOException">Any other failure (for example permission denied on a directory of the path).</exception>
    public static (int Type, ulong Device, ulong Inode)? Stat(string path, bool noFollow)
    {
        // struct statx is the same on every Linux architecture: stx_mode (u16) at byte 28, stx_ino (u64) at 32,
        // stx_dev_major and stx_dev_minor (u32) at 136 and 140.
        Span<byte> buffer = stackalloc byte[StatxSize];
        if (Statx(AtFdCwd, path, noFollow ? AtSymlinkNoFollow : 0, StatxType | StatxIno, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is 2 or 20 ? null : throw Error(errno, path);
        }

        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]);
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]);
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]);
        return (mode & 0xF000, device, inode);
    }

    /// <summary>
    /// Gives <paramref name="source"/> the name <paramref name="target"/> only if no file has that name, in one atomic
    /// step: <c>renameat2(RENAME_NOREPLACE)</c>, or where the file system does not support that flag, <c>link</c>
    /// followed by removing the source name.
    /// </summary>
    /// <exception cref="IOException">Another failure (permissions, a missing directory, …); the message names <paramref name="target"/>.</exception>
    public static NoReplaceResult RenameNoReplace(string source, string target)
    {
        if (OperatingSystem.IsLinux())
        {
            if (RenameAt2(AtFdCwd, source, AtFdCwd, target, NoReplaceFlag) == 0)
            {
                return NoReplaceResult.Done;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == EExist)
            {
                return NoReplaceResult.Exists;
            }

            // EINVAL: the file system does not support the flag; ENOSYS: an old kernel. Anything else is a real error.
            if (errno is not (22 or 38 or 95))
            {
                throw Error(errno, target);
            }
        }

        if (OperatingSystem.IsWindows())
        {
            return NoReplaceResult.Unsupported;
        }

        if (Link(source, target) == 0)
        {
            File.Delete(source);
            return NoReplaceResult.Done;
        }

        var linkErrno = Marshal.GetLastPInvokeError();
        return linkErrno switch
        {
            EExist => NoReplaceResult.Exists,

            // EPERM, EOPNOTSUPP, ENOSYS, EMLINK: hard links are not available here.
            1 or 95 or 38 or 31 => NoReplaceResult.Unsupported,
            _ => throw Error(linkErrno, target),
        };
    }

    /// <summary>Flushes a directory's entries to disk so that a rename in it survives a power loss; failures are ignored.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!Available)
        {
            return;
        }

        var fd = Open(directory, 0);
        if (fd < 0)
        {
            return;
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    private static IOException Error(int errno, string path) =>
        new($"{path}: {Marshal.GetPInvokeErrorMessage(errno).ToLowerInvariant()}");

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
