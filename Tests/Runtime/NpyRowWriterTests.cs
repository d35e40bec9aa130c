using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Runtime;

public sealed class NpyRowWriterTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-npyrows-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RowsAppendedInPiecesReadBackAsOneArrayWithTheSameBytesAsNpyFileWrite()
    {
        var data = Enumerable.Range(0, 5 * 96).Select(i => i * 0.5f - 7).ToArray();
        string path = Path.Combine(_dir, "rows.npy"), whole = Path.Combine(_dir, "whole.npy");
        using (var writer = new NpyRowWriter(path, [96]))
        {
            writer.Append(data.AsSpan(0, 2 * 96));
            writer.Append([]);
            writer.Append(data.AsSpan(2 * 96));
            Assert.Equal(5, writer.Rows);
            Assert.False(File.Exists(path)); // nothing in place before the commit
            writer.Commit();
        }
        var (shape, read) = NpyFile.Read(path);
        Assert.Equal([5, 96], shape);
        Assert.Equal(data, read);
        NpyFile.Write(whole, [5, 96], data);
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(path)); // the same header (padded to 64) as a one-shot write
        Assert.Equal(0, (File.ReadAllBytes(path).Length - data.Length * 4) % 64);
    }

    [Fact]
    public void AnUncommittedWriterLeavesNoFileAndPartialRowsAreRefused()
    {
        string path = Path.Combine(_dir, "rows.npy");
        using (var writer = new NpyRowWriter(path, [3, 2]))
        {
            Assert.Throws<ArgumentException>(() => writer.Append(new float[7]));
            writer.Append(new float[12]);
        }
        Assert.Empty(Directory.GetFiles(_dir));

        using (var empty = new NpyRowWriter(path, [4])) empty.Commit();
        var (shape, data) = NpyFile.Read(path);
        Assert.Equal([0, 4], shape);
        Assert.Empty(data);
    }
}
