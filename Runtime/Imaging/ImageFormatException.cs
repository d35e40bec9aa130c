namespace ShuffleNetGpu.Imaging;

/// <summary>An image file that cannot be used as network input: missing, unreadable, undecodable or too large.
/// The message is one line naming the file and the problem.</summary>
public sealed class ImageFormatException : ShuffleNetException
{
    public ImageFormatException(string message) : base(message) { }
    public ImageFormatException(string message, Exception inner) : base(message, inner) { }
}
