using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Nn.IO;

/// <summary>
/// Writes files so that nothing already on disk is lost or half-written: the contents go to a temporary file in the
/// target's directory, are flushed to disk, and the temporary file then takes the target's name in one atomic step.
/// </summary>
/// <remarks>
/// <para><b>The policy.</b> <see cref="Check"/> (also the first thing every write does) refuses, before any work:
/// an empty path; a target that exists and is not a regular file (a directory, a device such as <c>/dev/full</c>, a
/// named pipe, a socket — following symbolic links); a path that leads through <c>/proc</c> (such as
/// <c>/dev/stdout</c>) rather than to a file; a missing directory; a directory this process cannot create files in
/// (tested by creating and removing a temporary file there, so read-only mounts are caught as well as
/// permissions); and an existing target when <c>overwrite</c> is false.</para>
/// <para><b>Symbolic links are written through</b>: when the target is a link (or a chain of links), the file it
/// finally points to is replaced and the link stays. A dangling link creates the file it points to.</para>
/// <para><b>Create or replace, atomically.</b> With <c>overwrite</c> true the temporary file is renamed over the
/// target (<c>rename(2)</c>: a reader sees the old file or the new one, never a mixture; the old file's permission
/// bits are kept). With <c>overwrite</c> false it is given the target's name by <c>renameat2(RENAME_NOREPLACE)</c>
/// or <c>link(2)</c>, which fail in the kernel if the name exists, so of two concurrent writers exactly one
/// succeeds and the other gets <see cref="TargetExistsException"/>; no file is silently replaced. (.NET's
/// <see cref="File.Move(string, string, bool)"/> with <c>overwrite: false</c> is not enough on Unix: it checks that
/// the target is absent and then calls <c>rename</c>, which replaces a file created in between.) On a file system
/// with neither primitive (FAT) the check-then-move of .NET is the fallback. The directory is flushed after the
/// rename so the new name survives a power loss.</para>
/// <para><b>Temporary files</b> are named <c>.&lt;name&gt;.nn-&lt;process id&gt;-&lt;random&gt;.tmp</c> beside the
/// target. They are deleted when writing fails; one left by a process that was killed (its process id no longer
/// runs) is deleted by the next check or write of the same target.</para>
/// </remarks>
public static class AtomicFile
{
    private const string TemporaryMarker = ".nn-";
    private const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Checks that <paramref name="path"/> may be written (see the policy in the remarks) without writing it, and
    /// removes stale temporary files of earlier, killed writers of the same target.
    /// </summary>
    /// <param name="path">The target file.</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <returns>The full path of the file that will be written: <paramref name="path"/>, or the file its symbolic links lead to.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or blank.</exception>
    /// <exception cref="TargetExistsException">The target exists and <paramref name="overwrite"/> is false.</exception>
    /// <exception cref="DirectoryNotFoundException">The target's directory does not exist.</exception>
    /// <exception cref="IOException">Any other refusal: the message is one line that starts with <paramref name="path"/> and says why.</exception>
    public static string Check(string path, bool overwrite = false)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The output path is empty: give a file name.", nameof(path));
        }

        if (FileIdentity.Of(path) is { Kind: not FileKind.Regular } existing)
        {
            throw new IOException($"{path} is {existing.Describe()}, not a regular file: only regular files are written");
        }

        var target = Resolve(path);
        var directory = Path.GetDirectoryName(target) ?? throw new IOException($"{path} has no directory");
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{path}: the directory {directory} does not exist");
        }

        if (!overwrite && File.Exists(target))
        {
            throw TargetExistsException.For(path, createdMeanwhile: false);
        }

        RemoveStaleTemporaryFiles(target);
        var probe = TemporaryName(target);
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot create files in {directory} ({Reason(e)})", e);
        }
        finally
        {
            File.Delete(probe);
        }

        return target;
    }

    /// <summary>Atomically writes <paramref name="contents"/> as UTF-8 (no byte-order mark) to <paramref name="path"/>.</summary>
    /// <param name="path">The target file (see the policy in the remarks).</param>
    /// <param name="contents">The text to write.</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or blank.</exception>
    /// <exception cref="TargetExistsException">The target exists (or appeared while writing) and <paramref name="overwrite"/> is false.</exception>
    /// <exception cref="IOException">The path is refused (see <see cref="Check"/>) or writing fails; the message names <paramref name="path"/>.</exception>
    public static void WriteAllText(string path, string contents, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(contents);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16, leaveOpen: true);
            writer.Write(contents);
        }, overwrite);
    }

    /// <summary>
    /// Atomically writes what <paramref name="write"/> puts into the stream it is given to <paramref name="path"/>.
    /// If <paramref name="write"/> throws, its exception propagates unchanged, the temporary file is deleted and any
    /// existing file at <paramref name="path"/> is unchanged.
    /// </summary>
    /// <param name="path">The target file (see the policy in the remarks).</param>
    /// <param name="write">Writes the contents into the stream (which it must not close or dispose).</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or blank.</exception>
    /// <exception cref="TargetExistsException">The target exists (or appeared while writing) and <paramref name="overwrite"/> is false.</exception>
    /// <exception cref="IOException">The path is refused (see <see cref="Check"/>) or writing fails (for example the disk is full); the message names <paramref name="path"/>.</exception>
    public static void Write(string path, Action<Stream> write, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(write);
        var target = Check(path, overwrite);
        var directory = Path.GetDirectoryName(target)!;
        var temporary = TemporaryName(target);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            KeepPermissions(target, temporary);
            Publish(temporary, target, path, overwrite);
            UnixFile.SyncDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not TargetExistsException && e.Message.Contains(temporary, StringComparison.Ordinal))
        {
            // Failures of the temporary file (disk full, quota) are reported against the target the caller named.
            File.Delete(temporary);
            throw new IOException($"{path}: cannot be written ({Reason(e)}); any existing file is unchanged", e);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Deletes the temporary files <c>.&lt;name&gt;.nn-&lt;pid&gt;-*.tmp</c> of <paramref name="target"/> whose writing
    /// process no longer runs. Files of running processes (including this one) are left alone.
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    internal static int RemoveStaleTemporaryFiles(string target)
    {
        var directory = Path.GetDirectoryName(target)!;
        var prefix = TemporaryPrefix(target);
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*" + TemporarySuffix, new EnumerationOptions { MatchType = MatchType.Simple, AttributesToSkip = 0 }))
        {
            var name = Path.GetFileName(file.AsSpan());
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = name[prefix.Length..];
            var dash = rest.IndexOf('-');
            if (dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsRunning(pid))
            {
                try
                {
                    File.Delete(file);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Someone else's file we may not delete: leave it.
                }
            }
        }

        return removed;
    }

    /// <summary>The name of a fresh temporary file for <paramref name="target"/>, in its directory.</summary>
    internal static string TemporaryName(string target) =>
        Path.Combine(Path.GetDirectoryName(target)!, TemporaryPrefix(target)) + $"{Environment.ProcessId}-{Path.GetRandomFileName().Replace(".", string.Empty, StringComparison.Ordinal)}{TemporarySuffix}";

    /// <summary>The start of the file names of <paramref name="target"/>'s temporary files: <c>.&lt;name&gt;.nn-</c>.</summary>
    private static string TemporaryPrefix(string target)
    {
        var name = Path.GetFileName(target);

        // Keep the temporary name within the 255-byte limit of most file systems.
        return $".{(name.Length > 100 ? name[..100] : name)}{TemporaryMarker}";
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        if (OperatingSystem.IsLinux())
        {
            return Directory.Exists($"/proc/{pid}");
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The full path a write of <paramref name="path"/> replaces: the path itself, or where its chain of symbolic links ends.</summary>
    private static string Resolve(string path)
    {
        var current = Path.GetFullPath(path);
        for (var hops = 0; hops < 40; hops++)
        {
            if (current.StartsWith("/proc/", StringComparison.Ordinal))
            {
                throw new IOException($"{path} leads to {current}, a file of the process table, not a regular file");
            }

            var link = new FileInfo(current).LinkTarget;
            if (link is null)
            {
                return current;
            }

            current = Path.GetFullPath(link, Path.GetDirectoryName(current)!);
        }

        throw new IOException($"{path}: more than 40 symbolic links in a chain (a loop?)");
    }

    private static void Publish(string temporary, string target, string path, bool overwrite)
    {
        if (overwrite)
        {
            // rename(2) (MoveFileEx with MOVEFILE_REPLACE_EXISTING on Windows): atomic replacement.
            File.Move(temporary, target, overwrite: true);
            return;
        }

        switch (OperatingSystem.IsWindows() ? UnixFile.NoReplaceResult.Unsupported : UnixFile.RenameNoReplace(temporary, target))
        {
            case UnixFile.NoReplaceResult.Done:
                return;
            case UnixFile.NoReplaceResult.Exists:
                throw TargetExistsException.For(path, createdMeanwhile: true);
            default:
                // Windows' MoveFileEx without MOVEFILE_REPLACE_EXISTING is atomic; on a Unix file system without hard
                // links this is .NET's check-then-rename, the best that file system offers.
                try
                {
                    File.Move(temporary, target, overwrite: false);
                }
                catch (IOException) when (File.Exists(target))
                {
                    throw TargetExistsException.For(path, createdMeanwhile: true);
                }

                return;
        }
    }

    private static void KeepPermissions(string target, string temporary)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(target))
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(temporary, File.GetUnixFileMode(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The new file keeps the default permissions.
        }
    }

    /// <summary>The reason of an I/O failure without the path .NET appends (which would name the temporary file).</summary>
    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",

        // .NET puts errno in HResult for the errors it has no special exception for (EROFS, ENOSPC, EDQUOT, …).
        IOException { HResult: > 0 and < 4096 } io => Marshal.GetPInvokeErrorMessage(io.HResult).ToLowerInvariant(),
        _ => e.Message.Split(" : '", 2)[0].TrimEnd('.'),
    };
}
