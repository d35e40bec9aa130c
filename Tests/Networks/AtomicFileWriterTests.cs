using ShuffleNetGpu.Runtime.Features;
using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Networks;

/// <summary>Issue 19 item 12: one write-to-temp-then-rename helper; a failed rename leaves no temporary file, and a
/// pair of files appears together or not at all.</summary>
public sealed class AtomicFileWriterTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-atomic-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Makes a rename onto <paramref name="path"/> fail: a non-empty folder takes its name.</summary>
    static void BlockWithAFolder(string path) => File.WriteAllText(Path.Combine(Directory.CreateDirectory(path).FullName, "keep"), "x");

    string[] Entries() => Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void AGroupWhoseSecondRenameFailsLeavesTheOldFirstFileAndNoTemporaryFiles()
    {
        string npy = Path.Combine(_dir, "a.npy"), txt = Path.Combine(_dir, "a.txt");
        File.WriteAllText(npy, "old");
        var group = new AtomicFileWriter();
        group.Open(npy).Write("new"u8);
        group.Open(txt).Write("list"u8);
        BlockWithAFolder(txt);
        Assert.ThrowsAny<IOException>(group.Commit);
        group.Dispose();
        Assert.Equal("old", File.ReadAllText(npy));
        Assert.Equal(["a.npy", "a.txt"], Entries());
    }

    [Fact]
    public void AGroupCommitsEveryFileAndDisposedUncommittedWritesNothing()
    {
        using (var group = new AtomicFileWriter())
        {
            group.Open(Path.Combine(_dir, "x.bin")).Write("1"u8);
            group.Open(Path.Combine(_dir, "y.bin")).Write("2"u8);
        }
        Assert.Empty(Entries());
        using (var group = new AtomicFileWriter())
        {
            group.Open(Path.Combine(_dir, "x.bin")).Write("1"u8);
            group.Open(Path.Combine(_dir, "y.bin")).Write("2"u8);
            group.Commit();
        }
        Assert.Equal(["x.bin", "y.bin"], Entries());
        Assert.Equal("2", File.ReadAllText(Path.Combine(_dir, "y.bin")));
    }

    [Fact]
    public void NpyRowWriterDeletesItsTemporaryFileWhenTheRenameFails()
    {
        string path = Path.Combine(_dir, "rows.npy");
        using (var writer = new NpyRowWriter(path, [4]))
        {
            writer.Append([1, 2, 3, 4]);
            BlockWithAFolder(path);
            Assert.ThrowsAny<IOException>(writer.Commit);
        }
        Assert.Equal(["rows.npy"], Entries());
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void EmbeddingExportNeverLeavesANewNpyBesideAnOldFileList()
    {
        string npy = Path.Combine(_dir, "emb.npy");
        File.WriteAllText(npy, "old");
        BlockWithAFolder(EmbeddingExport.FileListPath(npy));
        string images = Directory.CreateDirectory(Path.Combine(_dir, "images")).FullName;
        File.Copy(Path.Combine(Fixtures.Root, "images", "logo.png"), Path.Combine(images, "logo.png"));
        using var net = ShuffleNet.FromWeights(global::ShuffleNetGpu.Converter.CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv1-g3")), BackendKind.Cpu);
        Assert.ThrowsAny<Exception>(() => EmbeddingExport.Write(net, images, [Path.Combine(images, "logo.png")], npy, 4));
        Assert.Equal("old", File.ReadAllText(npy));
        Assert.Equal(["emb.npy", "emb.txt", "images"], Entries());
    }
}
