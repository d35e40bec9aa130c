using System.Diagnostics;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Imaging.Pipeline;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// classify's and eval's engine loop: the decode pool's images, in the files' order, batched (unreadable ones reported
/// as the decoder meets them and skipped) and fed to <see cref="ShuffleNet.RunStreamAsync"/>, which on the GPU backends
/// uploads the next batch and downloads the previous one while a batch's kernels run. Decoded batches are taken on a
/// thread-pool thread, so the engine never waits for the host while the decoders keep up. The source runs beside the
/// consumer (the stream reads ahead), so the callbacks hold one lock: never two at once; failures in the order met,
/// batches in order.
/// </summary>
static class StreamedBatches
{
    /// <summary>Wall time of the whole loop and the part of it spent waiting for decoded images.</summary>
    public readonly record struct Timing(TimeSpan Wall, TimeSpan WaitingForDecode)
    {
        /// <summary>The time the engine had work: the wall time less the waits for the decoders.</summary>
        public TimeSpan Engine => Wall - WaitingForDecode;
    }

    /// <param name="net">The network.</param>
    /// <param name="items">The decode pool's output (with whatever the caller pairs with each image), in order.</param>
    /// <param name="image">An item's decoded image.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="failed">Called for each unreadable item.</param>
    /// <param name="done">Called with each batch's readable items and their logits, in order.</param>
    /// <param name="seen">Called with the number of items (readable or not) handed to the engine so far.</param>
    public static Timing Run<T>(ShuffleNet net, IEnumerable<T> items, Func<T, PreprocessedImage> image, int batchSize,
        Action<T> failed, Action<IReadOnlyList<T>, float[]> done, Action<int> seen) =>
        RunAsync(net, items, image, batchSize, failed, done, seen).GetAwaiter().GetResult();

    static async Task<Timing> RunAsync<T>(ShuffleNet net, IEnumerable<T> items, Func<T, PreprocessedImage> image, int batchSize,
        Action<T> failed, Action<IReadOnlyList<T>, float[]> done, Action<int> seen)
    {
        var submitted = new Queue<(List<T> Items, int Seen)>();
        var callbacks = new Lock();
        var waiting = new Stopwatch();
        var wall = Stopwatch.StartNew();
        using var source = items.GetEnumerator();

        async IAsyncEnumerable<float[]> Batches([EnumeratorCancellation] CancellationToken token = default)
        {
            int count = 0;
            while (true)
            {
                waiting.Start();
                var (chunk, exhausted) = await Task.Run(() => Take(source, image, batchSize), token).ConfigureAwait(false);
                waiting.Stop();
                var loaded = new List<T>();
                count += chunk.Count;
                lock (callbacks)
                {
                    foreach (var item in chunk)
                    {
                        if (image(item).Input is null) failed(item);
                        else loaded.Add(item);
                    }
                    if (loaded.Count > 0) submitted.Enqueue((loaded, count));
                    else seen(count);
                }
                if (loaded.Count > 0) yield return Concatenate(loaded.Select(l => image(l).Input!).ToList());
                if (exhausted) yield break;
            }
        }

        await foreach (var logits in net.RunStreamAsync(Batches()).ConfigureAwait(false))
        {
            lock (callbacks)
            {
                var (batch, count) = submitted.Dequeue();
                done(batch, logits);
                seen(count);
            }
        }
        return new Timing(wall.Elapsed, waiting.Elapsed);
    }

    /// <summary>Up to <paramref name="batchSize"/> readable items and the unreadable ones met on the way; true when the
    /// source has no more.</summary>
    static (List<T> Chunk, bool Exhausted) Take<T>(IEnumerator<T> source, Func<T, PreprocessedImage> image, int batchSize)
    {
        var chunk = new List<T>();
        int readable = 0;
        while (readable < batchSize)
        {
            if (!source.MoveNext()) return (chunk, true);
            chunk.Add(source.Current);
            if (image(source.Current).Input is not null) readable++;
        }
        return (chunk, false);
    }

    static float[] Concatenate(List<float[]> inputs)
    {
        var batch = new float[inputs.Sum(i => (long)i.Length)];
        long offset = 0;
        foreach (var input in inputs)
        {
            input.CopyTo(batch, offset);
            offset += input.Length;
        }
        return batch;
    }
}
