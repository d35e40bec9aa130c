namespace ShuffleNetGpu.Imaging;

/// <summary>An image file that cannot be used as network input: missing, unreadable, undecodable or too large.
/// The message is one line naming the file and the problem.</summary>
public sealed class ImageFormatException : ShuffleNetException
{
    /// <summary>An error with a one-line <paramref name="message"/> naming the file.</summary>
    public ImageFormatException(string message) : base(message) { }
    /// <summary>An error with a one-line <paramref name="message"/> naming the file, caused by <paramref name="inner"/>.</summary>
    public ImageFormatException(string message, Exception inner) : base(message, inner) { }
}
