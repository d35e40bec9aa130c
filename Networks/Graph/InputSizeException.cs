namespace ShuffleNetGpu.Networks.Graph;

/// <summary>
/// An input height or width the network cannot take: below <see cref="InputShapes.MinSize"/> or above
/// <see cref="InputShapes.MaxSize"/>, or, for logits, a size at which the classifier's fixed 7x7 average pool does not
/// cover the whole last map. The message names the size asked for and the sizes that work.
/// </summary>
/// <param name="message">One line: the size, what was expected.</param>
/// <param name="height">The input height asked for.</param>
/// <param name="width">The input width asked for.</param>
public sealed class InputSizeException(string message, int height, int width) : ShuffleNetException(message)
{
    /// <summary>The input height asked for.</summary>
    public int Height { get; } = height;

    /// <summary>The input width asked for.</summary>
    public int Width { get; } = width;
}
