using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Issue 19 item 12: commands that found nothing to do, or could read nothing, say so and write nothing;
/// a features folder holds exactly one run's maps.</summary>
public sealed class EmptyResultTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-empty-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    const string Id = "tiny-shufflenetv1-g3";

    [Fact]
    public void ClassifyAndEmbedBothRefuseAFolderWithoutImagesNamingIt()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "not an image");
        var classify = CliRunner.Run("classify", "--model", Fixtures.Checkpoint(Id), empty, "--backend", "cpu");
        var embed = CliRunner.Run("embed", "--model", Fixtures.Checkpoint(Id), empty, "-o", Path.Combine(_dir, "e.npy"), "--backend", "cpu");
        foreach (var r in new[] { classify, embed })
        {
            Assert.Equal(1, r.Code);
            Assert.Equal("", r.Out);
            Assert.Single(r.Err.TrimEnd().Split('\n'));
            Assert.Contains($"{empty}: holds no image files", r.Err);
        }
        Assert.Equal(classify.Err, embed.Err);
    }

    [Fact]
    public void EmbedWritesNothingWhenNoImageCanBeRead()
    {
        string images = Directory.CreateDirectory(Path.Combine(_dir, "images")).FullName;
        File.WriteAllText(Path.Combine(images, "a.jpg"), "not a jpeg");
        File.WriteAllBytes(Path.Combine(images, "b.png"), []);
        string outDir = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var (code, output, err) = CliRunner.Run("embed", "--model", Fixtures.Checkpoint(Id), images, "-o", Path.Combine(outDir, "e.npy"), "--backend", "cpu");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("a.jpg", err);
        Assert.Contains("b.png", err);
        Assert.Contains("none of the 2 images could be read", err);
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
    }

    [Fact]
    public void FeaturesRemovesAnEarlierRunsMapsThatWereNotAskedForAndKeepsOtherFiles()
    {
        string input = Path.Combine(Fixtures.TinyDir(Id), "input.npy");
        string outDir = Path.Combine(_dir, "maps");
        var first = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), input, "--embedding", "-o", outDir, "--backend", "cpu");
        Assert.True(first.Code == 0, first.Err);
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        var second = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), input, "--stages", "3", "-o", outDir, "--backend", "cpu");
        Assert.True(second.Code == 0, second.Err);
        Assert.Equal(["c3.npy", "notes.txt"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("c4.npy: removed", second.Out);
        Assert.Equal(4, NpyFile.Read(Path.Combine(outDir, "c3.npy")).Shape.Length);
    }
}
