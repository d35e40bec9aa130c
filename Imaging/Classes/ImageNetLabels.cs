namespace ShuffleNetGpu.Imaging.Classes;

/// <summary>The ImageNet-1k class names in the standard index order (<c>data/imagenet_classes.txt</c>, embedded).</summary>
public static class ImageNetLabels
{
    /// <summary>ImageNet-1k's class count: only a model with this many classes gets these names.</summary>
    public const int Count = 1000;

    static readonly Lazy<string[]> Names = new(() =>
    {
        using var stream = typeof(ImageNetLabels).Assembly.GetManifestResourceStream("imagenet_classes.txt")
            ?? throw new InvalidOperationException("imagenet_classes.txt is not embedded in the imaging assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
    });

    /// <summary>The name of class <paramref name="index"/> (0..999).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not 0..999.</exception>
    public static string Of(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Names.Value[index];
    }

    /// <summary>The names a model with <paramref name="classes"/> outputs shows: ImageNet's for 1000 classes, else
    /// <c>class N</c> (ImageNet's first ten names on a 10-class model would be a made-up prediction).</summary>
    public static string For(int classes, int index) => classes == Count ? Of(index) : $"class {index}";
}
