using System.Reflection;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// What <c>demo</c> needs, embedded in the CLI assembly (Cli.csproj: resources named <c>demo/...</c>), so that the
/// installed dotnet tool runs its demo anywhere, with no repository: the tiny ShuffleNetV2 checkpoint of
/// <c>fixtures/tiny/tiny-shufflenetv2</c> with its input and PyTorch's logits, and the sample images of
/// <c>fixtures/images</c>. They are written to a temporary folder (the converter and the image decoder read files),
/// deleted on <see cref="Dispose"/>.
/// </summary>
sealed class DemoFiles : IDisposable
{
    const string Prefix = "demo/", ImagePrefix = "demo/images/";

    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("shufflenet-demo-");

    public DemoFiles()
    {
        var assembly = Assembly.GetExecutingAssembly();
        try
        {
            var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
            if (!names.Contains(Prefix + "checkpoint.pth.tar"))
                throw new InvalidOperationException("the demo files are not embedded in the CLI assembly (Cli.csproj)");
            Directory.CreateDirectory(ImagesFolder);
            foreach (var name in names)
            {
                using var source = assembly.GetManifestResourceStream(name)!;
                using var target = File.Create(Path.Combine(_dir.FullName, name[Prefix.Length..]));
                source.CopyTo(target);
            }
            Images = names.Where(n => n.StartsWith(ImagePrefix, StringComparison.Ordinal))
                .Select(n => Path.Combine(ImagesFolder, n[ImagePrefix.Length..])).Order(StringComparer.Ordinal).ToList();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Checkpoint => Path.Combine(_dir.FullName, "checkpoint.pth.tar");
    public string Input => Path.Combine(_dir.FullName, "input.npy");
    public string Logits => Path.Combine(_dir.FullName, "logits.npy");
    /// <summary>Where the converted weights go (inside the folder deleted afterwards).</summary>
    public string Converted => Path.Combine(_dir.FullName, "tiny-shufflenetv2.safetensors");
    public IReadOnlyList<string> Images { get; } = [];

    string ImagesFolder => Path.Combine(_dir.FullName, "images");

    public void Dispose()
    {
        if (_dir.Exists) _dir.Delete(recursive: true);
    }
}
