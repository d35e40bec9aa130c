using System.Runtime.ExceptionServices;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Pipeline;
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
/// image can be read nothing is written. Rows stream to disk: memory holds the batches in flight
/// (<see cref="ShuffleNet.EmbedStreamAsync"/>: a few per device).
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
    /// <param name="decodeWorkers">Threads decoding ahead of the network (<see cref="PreprocessingPool"/>; 0: one per
    /// processor). Rows and files do not depend on it: images are taken in the files' order.</param>
    /// <exception cref="MeanImageException">ShuffleNetV2.Large with <paramref name="sizing"/> that gives no mean.</exception>
    public static EmbeddingExportResult Write(ShuffleNet net, string root, IReadOnlyList<string> files, string npyPath, int batchSize,
        Action<int>? progress = null, Action<string, string>? unreadable = null, long maxPixels = ImagePreprocessor.DefaultMaxPixels,
        DetectionPreprocessing? sizing = null, int decodeWorkers = 0)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(files);
        if (batchSize < 1) throw new ShuffleNetException($"batch size must be >= 1, got {batchSize}");
        if (!npyPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            throw new ShuffleNetException($"{npyPath}: the embeddings file must end in .npy (the file list goes beside it as .txt)");
        ImagePreprocessor.CheckMaxPixels(maxPixels);
        var family = net.Config.Family;
        if (sizing is not null) NetworkInput.CheckMean(root, family, sizing);   // once, not once per image
        bool large = family == ModelFamily.Large;
        int size = net.EmbeddingSize;
        // Images at their own size can be megabytes each: then only enough ahead to keep the workers busy.
        var pool = new PreprocessingPool(decodeWorkers, batch: batchSize);
        if (sizing is not null) pool = new PreprocessingPool(decodeWorkers, maxAhead: 2 * pool.Workers);
        Func<string, (float[], int, int)> preprocess = sizing is null
            ? file => (ImagePreprocessor.Load(file, large, maxPixels), ImagePreprocessor.OutputSize, ImagePreprocessor.OutputSize)
            : file => { var (_, h, w, image) = NetworkInput.LoadAnySize(file, family, sizing, maxPixels); return (image, h, w); };
        var failed = new List<(string, string)>();
        using var group = new AtomicFileWriter();
        using var rows = new NpyRowWriter(group, npyPath, [size]);
        // The file list is closed (flushed into the group's stream) before the group commits.
        using (var list = new StreamWriter(group.Open(FileListPath(npyPath)), leaveOpen: true))
        {
            // The decoded batches go through ShuffleNet.EmbedStreamAsync: the next window decodes (and, on a GPU, uploads)
            // while this one runs. Batches are the same windows of batchSize files as when decoding was serial (fewer rows
            // where a file is unreadable, split where the size changes), so the rows are the same bits.
            var callbacks = new Lock();   // the source runs beside the consumer: one callback at a time
            var done = new Queue<int>();  // per batch streamed: files handled once it is written (-1: a window's earlier part)
            async IAsyncEnumerable<SizedBatch> Batches()
            {
                using var images = pool.Load(files, preprocess).GetEnumerator();
                int handled = 0;
                while (true)
                {
                    var window = await Task.Run(() =>
                    {
                        var taken = new List<PreprocessedImage>(batchSize);
                        while (taken.Count < batchSize && images.MoveNext()) taken.Add(images.Current);
                        return taken;
                    }).ConfigureAwait(false);
                    if (window.Count == 0) yield break;
                    var ready = new List<SizedBatch>();
                    var batch = new List<float[]>();
                    (int H, int W) shape = (0, 0);
                    void Flush()
                    {
                        if (batch.Count > 0) ready.Add(new SizedBatch(batch.SelectMany(b => b).ToArray(), shape.H, shape.W));
                        batch.Clear();
                    }
                    lock (callbacks)
                    {
                        foreach (var image in window)
                        {
                            if (image.Error is InputSizeException tooSmall) ExceptionDispatchInfo.Throw(tooSmall);
                            if (image.Error is { } error)
                            {
                                failed.Add((image.Path, error.Message));
                                unreadable?.Invoke(image.Path, error.Message);
                                continue;
                            }
                            if ((image.Height, image.Width) != shape) Flush();
                            shape = (image.Height, image.Width);
                            batch.Add(image.Input!);
                            list.WriteLine(Path.GetRelativePath(root, image.Path));
                        }
                        Flush();
                        handled += window.Count;
                        for (int i = 0; i < ready.Count; i++) done.Enqueue(i == ready.Count - 1 ? handled : -1);
                        if (ready.Count == 0) progress?.Invoke(handled);
                    }
                    foreach (var sized in ready) yield return sized;
                }
            }
            async Task Consume()
            {
                await foreach (var embeddings in net.EmbedStreamAsync(Batches()).ConfigureAwait(false))
                {
                    rows.Append(embeddings);
                    lock (callbacks)
                        if (done.Dequeue() is var count and >= 0) progress?.Invoke(count);
                }
            }
            // On the thread pool: no caller's synchronisation context is waited on.
            Task.Run(Consume).GetAwaiter().GetResult();
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
