namespace ShuffleNetGpu.Imaging.Classes;

/// <summary>The ImageNet-1k class names and WordNet ids in the standard index order (<c>data/imagenet_classes.txt</c>
/// and <c>data/imagenet_synsets.txt</c>, embedded).</summary>
public static class ImageNetLabels
{
    /// <summary>ImageNet-1k's class count: only a model with this many classes gets these names.</summary>
    public const int Count = 1000;

    static readonly Lazy<string[]> Names = new(() => Lines("imagenet_classes.txt"));
    static readonly Lazy<string[]> SynsetIds = new(() => Lines("imagenet_synsets.txt"));
    static readonly Lazy<Dictionary<string, int>> IndexOfSynset = new(() =>
        SynsetIds.Value.Select((id, i) => KeyValuePair.Create(id, i)).ToDictionary(StringComparer.Ordinal));

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

    /// <summary>The WordNet id of class <paramref name="index"/> (<c>n01440764</c> for 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not 0..999.</exception>
    public static string SynsetOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return SynsetIds.Value[index];
    }

    /// <summary>The class index of WordNet id <paramref name="synset"/>, or null when it is not an ImageNet-1k class.</summary>
    public static int? IndexOf(string synset) => IndexOfSynset.Value.TryGetValue(synset, out int i) ? i : null;

    static string[] Lines(string resource)
    {
        using var stream = typeof(ImageNetLabels).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is not embedded in the imaging assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
    }
}
