using System.Text;

namespace Nn.IO;

/// <summary>
/// Writes files so that a reader never sees a half-written one: the contents go to a temporary file in the
/// target's directory, are flushed to disk, and the temporary file is then renamed over the target. A crash or an
/// exception before the rename leaves any existing file untouched.
/// </summary>
/// <remarks>
/// The rename is atomic when the temporary file and the target are on the same file system, which is why the
/// temporary file lives next to the target (a hidden name <c>.&lt;name&gt;.&lt;random&gt;.tmp</c>). The temporary
/// file is deleted when writing fails.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Atomically writes <paramref name="contents"/> as UTF-8 (no byte-order mark) to <paramref name="path"/>.</summary>
    /// <param name="path">The target file. Its directory must exist.</param>
    /// <param name="contents">The text to write.</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a directory.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or the write or the rename fails; the message names the file.</exception>
    /// <exception cref="DirectoryNotFoundException">The target's directory does not exist.</exception>
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
    /// If <paramref name="write"/> throws, its exception propagates, the temporary file is deleted and any existing
    /// file at <paramref name="path"/> is unchanged.
    /// </summary>
    /// <param name="path">The target file. Its directory must exist.</param>
    /// <param name="write">Writes the contents into the stream (which it must not close or dispose).</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a directory.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or the write or the rename fails; the message names the file.</exception>
    /// <exception cref="DirectoryNotFoundException">The target's directory does not exist.</exception>
    public static void Write(string path, Action<Stream> write, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ArgumentException($"{path} is a directory, not a file.", nameof(path));
        }

        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path} has no directory.", nameof(path));
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write {path}: the directory {directory} does not exist.");
        }

        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"{path} already exists; pass overwrite: true to replace it.");
        }

        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Path.GetRandomFileName()}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            Rename(temporary, full, path, overwrite);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void Rename(string temporary, string full, string path, bool overwrite)
    {
        try
        {
            File.Move(temporary, full, overwrite);
        }
        catch (IOException e) when (!overwrite && File.Exists(full))
        {
            // Another writer created the target between the check above and the rename.
            throw new IOException($"{path} already exists; pass overwrite: true to replace it.", e);
        }
    }
}
