using System.Diagnostics;

namespace ShuffleNetGpu.Imaging.Pipeline;

/// <summary>
/// Decodes and preprocesses image files on worker threads (all processors by default) while the caller consumes the
/// results in the files' order: the caller runs batches through a network while the next images decode. At most
/// <see cref="MaxAhead"/> images are decoded ahead of the consumer, which bounds memory (a 224x224 input is 588 KiB,
/// plus the decoded image while it is being resized).
/// </summary>
public sealed class PreprocessingPool
{
    long _images, _busyTicks;

    /// <summary>A pool of <paramref name="workers"/> decoding threads (0: <see cref="Environment.ProcessorCount"/>),
    /// holding at most <paramref name="maxAhead"/> finished or running images ahead of the consumer (0: twice the
    /// workers, and at least one batch of <paramref name="batch"/>).</summary>
    /// <exception cref="ShuffleNetException">a negative count, or a <paramref name="batch"/> below 1.</exception>
    public PreprocessingPool(int workers = 0, int maxAhead = 0, int batch = 1)
    {
        if (workers < 0 || maxAhead < 0 || batch < 1)
            throw new ShuffleNetException($"a preprocessing pool needs workers >= 0, maxAhead >= 0 and batch >= 1, not {workers}, {maxAhead} and {batch}");
        Workers = workers == 0 ? Environment.ProcessorCount : workers;
        MaxAhead = maxAhead == 0 ? Math.Max(2 * Workers, batch + Workers) : maxAhead;
    }

    /// <summary>Threads decoding at once.</summary>
    public int Workers { get; }

    /// <summary>The most images decoded (or decoding) and not yet taken by the consumer.</summary>
    public int MaxAhead { get; }

    /// <summary>Images decoded so far (failures included).</summary>
    public long Images => Interlocked.Read(ref _images);

    /// <summary>Time the workers spent decoding and preprocessing, summed over workers.</summary>
    public TimeSpan BusyTime => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));

    /// <summary>What the workers deliver when kept busy: images per second of busy time, times the workers. On a
    /// machine where the consumer competes for the same cores this is above the throughput actually seen.</summary>
    public double ImagesPerSecond => BusyTime > TimeSpan.Zero ? Images / BusyTime.TotalSeconds * Workers : 0;

    /// <summary>
    /// The network inputs of <paramref name="paths"/>, in their order, preprocessed by
    /// <see cref="ImagePreprocessor.Load(string, bool, long)"/>. A file that cannot be read gives an item with its
    /// typed error rather than ending the sequence; any other exception is rethrown to the consumer.
    /// </summary>
    /// <param name="paths">The image files.</param>
    /// <param name="subtractLargeMean">Subtract the Large mean (the ShuffleNetV2.Large input).</param>
    /// <param name="maxPixels">The decompression-bomb limit.</param>
    /// <param name="cancel">Stops scheduling further files.</param>
    public IEnumerable<PreprocessedImage> Load(IReadOnlyList<string> paths, bool subtractLargeMean = false,
        long maxPixels = ImagePreprocessor.DefaultMaxPixels, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ImagePreprocessor.CheckMaxPixels(maxPixels);
        return Load(paths, path => (ImagePreprocessor.Load(path, subtractLargeMean, maxPixels), ImagePreprocessor.OutputSize, ImagePreprocessor.OutputSize), cancel);
    }

    /// <summary>
    /// The network inputs of <paramref name="paths"/>, in their order, each made by <paramref name="preprocess"/> on a
    /// worker (any size, e.g. <see cref="DetectionPreprocessor"/>'s). A <see cref="ShuffleNetException"/> or
    /// <see cref="FileNotFoundException"/> from it gives an item with that error rather than ending the sequence; any
    /// other exception is rethrown to the consumer.
    /// </summary>
    /// <param name="paths">The image files.</param>
    /// <param name="preprocess">A file's input (B, G, R planes) and its height and width; called on several threads at once.</param>
    /// <param name="cancel">Stops scheduling further files.</param>
    public IEnumerable<PreprocessedImage> Load(IReadOnlyList<string> paths, Func<string, (float[] Input, int Height, int Width)> preprocess,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(preprocess);
        return Ordered(paths, preprocess, cancel);
    }

    IEnumerable<PreprocessedImage> Ordered(IReadOnlyList<string> paths, Func<string, (float[] Input, int Height, int Width)> preprocess,
        CancellationToken cancel)
    {
        using var slots = new SemaphoreSlim(Workers);
        var ahead = new Queue<Task<PreprocessedImage>>();
        int next = 0;
        try
        {
            while (true)
            {
                while (ahead.Count < MaxAhead && next < paths.Count && !cancel.IsCancellationRequested)
                {
                    string path = paths[next++];
                    ahead.Enqueue(Task.Run(() => LoadOne(path, preprocess, slots), CancellationToken.None));
                }
                if (ahead.Count == 0) yield break;
                yield return ahead.Dequeue().GetAwaiter().GetResult();
            }
        }
        finally
        {
            // The consumer stopped early (or failed): let the scheduled work finish before the semaphore goes.
            foreach (var task in ahead) task.ContinueWith(_ => { }, TaskScheduler.Default).Wait();
        }
    }

    /// <summary>Waits for a worker slot without holding a thread (queued images would otherwise block thread-pool
    /// threads), then decodes; runs on the thread pool (Task.Run), never on the consumer's thread.</summary>
    async Task<PreprocessedImage> LoadOne(string path, Func<string, (float[] Input, int Height, int Width)> preprocess, SemaphoreSlim slots)
    {
        await slots.WaitAsync().ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        try
        {
            var (input, height, width) = preprocess(path);
            return new PreprocessedImage(path, input, null) { Height = height, Width = width };
        }
        catch (Exception e) when (e is ShuffleNetException or FileNotFoundException)
        {
            return new PreprocessedImage(path, null, e);
        }
        finally
        {
            Interlocked.Add(ref _busyTicks, watch.Elapsed.Ticks);
            Interlocked.Increment(ref _images);
            slots.Release();
        }
    }
}
