namespace Nn.Data;

/// <summary>
/// A data file exists but its contents are not what its format promises: a wrong magic number, data cut short,
/// or files that should match (images and labels) disagreeing on their sizes. The message names the file.
/// </summary>
public sealed class DataFormatException : IOException
{
    /// <summary>Creates the exception with a default message.</summary>
    public DataFormatException()
    {
    }

    /// <summary>Creates the exception with a one-line message naming the file and what is wrong.</summary>
    /// <param name="message">The message.</param>
    public DataFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that revealed the problem.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception, e.g. a corrupt gzip stream.</param>
    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
