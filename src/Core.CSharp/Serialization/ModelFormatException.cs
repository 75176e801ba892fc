namespace Nn.Serialization;

/// <summary>
/// A model or checkpoint file cannot be read: it is not JSON, it is cut short, it is not an Nn model file, it was
/// written by a newer format version, or its contents are inconsistent (shapes that do not chain, a non-finite or
/// missing value, an unknown activation or loss). The message is one line and starts with the file name.
/// </summary>
public sealed class ModelFormatException : IOException
{
    /// <summary>Creates the exception with a default message.</summary>
    public ModelFormatException()
    {
    }

    /// <summary>Creates the exception with a one-line message naming the file and what is wrong.</summary>
    /// <param name="message">The message.</param>
    public ModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that revealed the problem.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception, e.g. a JSON syntax error.</param>
    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
