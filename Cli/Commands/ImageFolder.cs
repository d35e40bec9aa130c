using ShuffleNetGpu.Cli.Options;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>The image files a folder argument names, the same for classify, embed and eval: by extension,
/// recursively, in ordinal order. A folder holding none is an error naming it (not an empty, successful run).</summary>
static class ImageFolder
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tga", ".tif", ".tiff"];

    /// <summary>The image files below <paramref name="folder"/>; none is allowed (eval's class folders may be empty).</summary>
    public static IEnumerable<string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal);

    /// <summary>The image files below <paramref name="folder"/>, only <paramref name="shard"/>'s slice of them when given.</summary>
    /// <exception cref="ShuffleNetException"><paramref name="folder"/> is not a folder or holds no image files.</exception>
    public static List<string> NonEmpty(string folder, Shard? shard = null)
    {
        if (!Directory.Exists(folder)) throw new ShuffleNetException($"{folder}: not a folder");
        var files = Files(folder).ToList();
        if (files.Count == 0) throw new ShuffleNetException($"{folder}: holds no image files ({string.Join(", ", Extensions)})");
        return Shard.Select(shard, files);
    }
}
