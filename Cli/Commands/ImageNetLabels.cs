using System.Reflection;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>The ImageNet-1k class names in the standard index order (<c>data/imagenet_classes.txt</c>, embedded).</summary>
static class ImageNetLabels
{
    /// <summary>ImageNet-1k's class count: only a model with this many classes gets these names.</summary>
    public const int Count = 1000;

    static readonly Lazy<string[]> Names = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("imagenet_classes.txt")
            ?? throw new InvalidOperationException("imagenet_classes.txt is not embedded in the CLI assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
    });

    public static string Of(int index) => Names.Value[index];
}
