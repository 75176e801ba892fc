namespace Nn.IO;

/// <summary>
/// What an existing path names after following symbolic links: its kind, and a key that is equal for two paths
/// exactly when they name the same file — however they are spelled (relative or absolute, through symbolic links,
/// <c>..</c>, or, on Linux, through hard links, since the key is the device and inode number there).
/// </summary>
/// <remarks>
/// On Linux the kind and key come from <c>statx</c>. Elsewhere the kind is <see cref="FileKind.Regular"/> or
/// <see cref="FileKind.Directory"/> (devices and pipes cannot be told apart from .NET there) and the key is the full
/// path with the symbolic links of its last component resolved.
/// </remarks>
/// <param name="Kind">What the path names.</param>
/// <param name="Key">Equal for two paths that name the same file.</param>
public sealed record FileIdentity(FileKind Kind, string Key)
{
    /// <summary>The identity of the file at <paramref name="path"/>, following symbolic links, or null when nothing is there.</summary>
    /// <param name="path">A path, relative to the current directory or absolute.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The path cannot be examined (for example a directory on the way is not searchable); the message names it.</exception>
    public static FileIdentity? Of(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (UnixFile.Available)
        {
            return UnixFile.Stat(path, noFollow: false) is { } stat ? new FileIdentity(KindOf(stat.Type), $"{stat.Device}:{stat.Inode}") : null;
        }

        var full = Path.GetFullPath(path);
        var final = File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        return Directory.Exists(final) ? new FileIdentity(FileKind.Directory, final)
            : File.Exists(final) ? new FileIdentity(FileKind.Regular, final)
            : null;
    }

    /// <summary>A short phrase for messages: "a regular file", "a character device", …</summary>
    public string Describe() => Kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a named pipe",
        _ => "a socket",
    };

    private static FileKind KindOf(int type) => type switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0x1000 => FileKind.Fifo,
        _ => FileKind.Socket,
    };
}
