using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Networks.Config;
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
    public static EmbeddingExportResult Write(ShuffleNet net, string root, IReadOnlyList<string> files, string npyPath, int batchSize,
        Action<int>? progress = null, Action<string, string>? unreadable = null, long maxPixels = ImagePreprocessor.DefaultMaxPixels)
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
                foreach (var file in files.Skip(start).Take(batchSize))
                {
                    try
                    {
                        batch.Add(ImagePreprocessor.Load(file, large, maxPixels));
                        list.WriteLine(Path.GetRelativePath(root, file));
                    }
                    catch (ShuffleNetException e)
                    {
                        failed.Add((file, e.Message));
                        unreadable?.Invoke(file, e.Message);
                    }
                }
                if (batch.Count > 0) rows.Append(net.Embed(batch.SelectMany(b => b).ToArray()));
                progress?.Invoke(Math.Min(start + batchSize, files.Count));
            }
        }
        if (rows.Rows == 0)
            throw new ShuffleNetException($"{root}: none of the {files.Count} images could be read; {npyPath} was not written");
        rows.Finish();
        group.Commit();
        return new EmbeddingExportResult(rows.Rows, size, failed);
    }
}
