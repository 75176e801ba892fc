namespace Nn.IO;

/// <summary>What a path names, after following symbolic links (see <see cref="FileIdentity"/>).</summary>
public enum FileKind
{
    /// <summary>A regular file: the only kind Nn writes.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A character device such as <c>/dev/null</c> or a terminal.</summary>
    CharacterDevice,

    /// <summary>A block device such as a disk.</summary>
    BlockDevice,

    /// <summary>A named pipe (FIFO), including a pipe reached through <c>/dev/stdout</c>.</summary>
    Fifo,

    /// <summary>A Unix-domain socket.</summary>
    Socket,
}
