namespace ShuffleNetGpu.Imaging.Pipeline;

/// <summary>One file's network input, or why it has none.</summary>
/// <param name="Path">The file, as given.</param>
/// <param name="Input">3 x <see cref="Height"/> x <see cref="Width"/> floats (B, G, R planes), or null when <paramref name="Error"/> is set.</param>
/// <param name="Error">The typed error (an <see cref="ImageFormatException"/>, or a <see cref="FileNotFoundException"/>
/// for a missing file); its message names the file.</param>
public sealed record PreprocessedImage(string Path, float[]? Input, Exception? Error)
{
    /// <summary>The input's height in pixels (224 for upstream evaluation's preprocessing).</summary>
    public int Height { get; init; } = ImagePreprocessor.OutputSize;

    /// <summary>The input's width in pixels.</summary>
    public int Width { get; init; } = ImagePreprocessor.OutputSize;
}
