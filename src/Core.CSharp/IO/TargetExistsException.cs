namespace Nn.IO;

/// <summary>
/// <see cref="AtomicFile"/> was asked not to replace an existing file and the target exists — either it was there
/// before, or another writer created it while this one was writing. Nothing was replaced and the temporary file is
/// gone. The message is one line naming the target.
/// </summary>
public sealed class TargetExistsException : IOException
{
    /// <summary>Creates the exception with a default message.</summary>
    public TargetExistsException()
    {
    }

    /// <summary>Creates the exception with a one-line message naming the file.</summary>
    /// <param name="message">The message.</param>
    public TargetExistsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that revealed the problem.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception.</param>
    public TargetExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a target, as given by the caller.</summary>
    /// <param name="path">The target path.</param>
    /// <param name="createdMeanwhile">True when the file appeared while this writer was writing.</param>
    internal static TargetExistsException For(string path, bool createdMeanwhile) =>
        new(createdMeanwhile
            ? $"{path} was created by another writer while this one was writing; it was not replaced"
            : $"{path} already exists and was not replaced");
}
