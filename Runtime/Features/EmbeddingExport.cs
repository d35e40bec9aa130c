using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Runtime.Features;

/// <summary>What <see cref="EmbeddingExport.Write"/> did: rows written (one per readable image) and the files it could not read.</summary>
public sealed record EmbeddingExportResult(int Rows, int EmbeddingSize, IReadOnlyList<(string File, string Error)> Unreadable);

/// <summary>
/// The pooled embedding (<see cref="ShuffleNet.Embed(float[])"/>) of many image files, in batches, to one <c>.npy</c> of
/// [rows, D] and a text file naming each row's image: line i is the file of row i, relative to the folder the
/// files were listed from. Both are written beside their targets and renamed into place together at the end (one
/// <see cref="AtomicFileWriter"/> group), so a failed run leaves neither half-written nor a mismatched pair; when no
/// image can be read nothing is written. Rows stream to disk: memory holds one batch.
/// </summary>
public static class EmbeddingExport
{
    /// <summary>The file list's path for <paramref name="npyPath"/>: the same name with <c>.txt</c>.</summary>
    public static string FileListPath(string npyPath) => Path.ChangeExtension(npyPath, ".txt");

    /// <param name="net">The network.</param>
    /// <param name="root">The folder the files are under (the file list names them relative to it).</param>
    /// <param name="files">The images, in row order.</param>
    /// <param name="npyPath">The <c>.npy</c> to write; the file list goes to <see cref="FileListPath"/>.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="progress">Called with the number of files handled so far after each batch.</param>
    /// <param name="unreadable">Called with each file that cannot be read and why (it gets no row).</param>
    /// <param name="maxPixels">The decompression-bomb limit of <see cref="ImagePreprocessor.Load(string, bool, long)"/>.</param>
    /// <param name="sizing">Null: each image preprocessed as upstream evaluation does (224 x 224). Otherwise each at its
    /// own size (<see cref="DetectionPreprocessor"/>); consecutive images of one size share a forward pass.</param>
    public static EmbeddingExportResult Write(ShuffleNet net, string root, IReadOnlyList<string> files, string npyPath, int batchSize,
        Action<int>? progress = null, Action<string, string>? unreadable = null, long maxPixels = ImagePreprocessor.DefaultMaxPixels,
        DetectionPreprocessing? sizing = null)
    {
        if (batchSize < 1) throw new ShuffleNetException($"batch size must be >= 1, got {batchSize}");
        if (!npyPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            throw new ShuffleNetException($"{npyPath}: the embeddings file must end in .npy (the file list goes beside it as .txt)");
        bool large = net.Config.Family == ModelFamily.Large;
        int size = net.EmbeddingSize;
        var failed = new List<(string, string)>();
        using var group = new AtomicFileWriter();
        using var rows = new NpyRowWriter(group, npyPath, [size]);
        // The file list is closed (flushed into the group's stream) before the group commits.
        using (var list = new StreamWriter(group.Open(FileListPath(npyPath)), leaveOpen: true))
        {
            for (int start = 0; start < files.Count; start += batchSize)
            {
                var batch = new List<float[]>();
                (int H, int W) shape = (0, 0);
                void Flush()
                {
                    if (batch.Count > 0) rows.Append(net.Embed(batch.SelectMany(b => b).ToArray(), shape.H, shape.W));
                    batch.Clear();
                }
                foreach (var file in files.Skip(start).Take(batchSize))
                {
                    try
                    {
                        var (_, h, w, image) = sizing is null
                            ? (1, ImagePreprocessor.OutputSize, ImagePreprocessor.OutputSize, ImagePreprocessor.Load(file, large, maxPixels))
                            : NetworkInput.LoadAnySize(file, net.Config.Family, sizing, maxPixels);
                        if ((h, w) != shape) Flush();
                        shape = (h, w);
                        batch.Add(image);
                        list.WriteLine(Path.GetRelativePath(root, file));
                    }
                    catch (ShuffleNetException e) when (e is not InputSizeException)
                    {
                        failed.Add((file, e.Message));
                        unreadable?.Invoke(file, e.Message);
                    }
                }
                Flush();
                progress?.Invoke(Math.Min(start + batchSize, files.Count));
            }
        }
        if (rows.Rows == 0)
            throw new ShuffleNetException($"{root}: none of the {files.Count} images could be read; {npyPath} was not written");
        rows.Finish();
        group.Commit();
        return new EmbeddingExportResult(rows.Rows, size, failed);
    }

    /// <summary>The embeddings of a float32 <c>.npy</c> batch of N x 3 x H x W (any size), to <paramref name="npyPath"/>
    /// ([N, D]) and the file list beside it (line i: <c>input.npy[i]</c>), written together.</summary>
    /// <exception cref="NpyFormatException">the input is not a float32 N x 3 x H x W .npy.</exception>
    /// <exception cref="InputSizeException">H or W below 32.</exception>
    public static EmbeddingExportResult WriteBatch(ShuffleNet net, string inputNpy, string npyPath)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (!npyPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            throw new ShuffleNetException($"{npyPath}: the embeddings file must end in .npy (the file list goes beside it as .txt)");
        var (n, h, w, data) = NetworkInput.LoadAnySize(inputNpy, net.Config.Family, null);
        var embeddings = net.Embed(data, h, w);
        using var group = new AtomicFileWriter();
        NpyFile.Write(group, npyPath, [n, net.EmbeddingSize], embeddings);
        using (var list = new StreamWriter(group.Open(FileListPath(npyPath)), leaveOpen: true))
            for (int i = 0; i < n; i++) list.WriteLine($"{Path.GetFileName(inputNpy)}[{i}]");
        group.Commit();
        return new EmbeddingExportResult(n, net.EmbeddingSize, []);
    }
}
