using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Features;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// <c>embed</c> decodes on <see cref="Imaging.Pipeline.PreprocessingPool"/>'s workers (issue 12): with several workers
/// and an unreadable file in the middle, the rows are in the files' order, each the embedding of its own file (the same
/// bits as a serial run through <see cref="ImagePreprocessor.Load(string, bool, long)"/> and <see cref="ShuffleNet.Embed(float[])"/>
/// over the same windows of files), the file list names the readable files in order, and the files written are
/// byte-identical to a one-worker run.
/// </summary>
public sealed class EmbedDecodePoolTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-embed-pool-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RowsFollowTheFilesWithSeveralWorkersAndAnUnreadableFileInTheMiddle()
    {
        // Images of different sizes and formats (the large JPEG decodes slowest), so with 4 workers they finish out of order.
        string[] sources = ["hubble_deep_field.jpg", "logo.png", "coffee.png", "camera.png", "chelsea.png"];
        var files = new List<string>();
        for (int i = 0; i < 11; i++)
        {
            string name = Path.Combine(_dir, $"img{i:D2}{Path.GetExtension(sources[i % sources.Length])}");
            if (i == 5) File.WriteAllText(name, "not an image");   // unreadable, in the middle of the second batch
            else File.Copy(Path.Combine(Fixtures.Root, "images", sources[i % sources.Length]), name);
            files.Add(name);
        }
        const int batch = 4;
        using var net = ShuffleNet.FromWeights(ShuffleNetGpu.Converter.CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2")), BackendKind.Cpu, cpuThreads: 2);

        string pooled = Path.Combine(_dir, "pooled.npy"), serial = Path.Combine(_dir, "serial.npy");
        var unreadable = new List<string>();
        var progress = new List<int>();
        var result = EmbeddingExport.Write(net, _dir, files, pooled, batch, progress.Add, (file, _) => unreadable.Add(file), decodeWorkers: 4);
        EmbeddingExport.Write(net, _dir, files, serial, batch, decodeWorkers: 1);

        Assert.Equal([files[5]], unreadable);
        Assert.Equal(10, result.Rows);
        Assert.Equal([4, 8, 11], progress);
        var readable = files.Where((_, i) => i != 5).ToList();
        Assert.Equal(readable.Select(f => Path.GetFileName(f)), File.ReadAllLines(EmbeddingExport.FileListPath(pooled)));

        // The expected rows, made here: each window of `batch` files, decoded one by one, embedded together.
        var expected = new List<float>();
        for (int start = 0; start < files.Count; start += batch)
        {
            var inputs = files.Skip(start).Take(batch).Where(f => f != files[5]).Select(f => ImagePreprocessor.Load(f)).ToList();
            expected.AddRange(net.Embed(inputs.SelectMany(x => x).ToArray()));
        }
        var (shape, rows) = NpyFile.Read(pooled);
        Assert.Equal([10, net.EmbeddingSize], shape);
        Assert.Equal(expected.ToArray(), rows);

        Assert.Equal(File.ReadAllBytes(serial), File.ReadAllBytes(pooled));
        Assert.Equal(File.ReadAllBytes(EmbeddingExport.FileListPath(serial)), File.ReadAllBytes(EmbeddingExport.FileListPath(pooled)));
    }
}
