using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Runtime.Execution;

namespace ShuffleNetGpu;

public sealed partial class ShuffleNet
{
    /// <summary>
    /// The embeddings (N x <see cref="EmbeddingSize"/> each, as <see cref="Embed(float[], int, int)"/> gives them, bit for
    /// bit) of a stream of batches, each at its own size, yielded in order; pipelined and cancelled as
    /// <see cref="RunStreamAsync"/> is. What <c>embed</c> over a folder runs, fed by the decode worker pool.
    /// </summary>
    /// <exception cref="InputSizeException">a batch's side below <see cref="Networks.Graph.InputShapes.MinSize"/> or above
    /// <see cref="Networks.Graph.InputShapes.MaxSize"/> (the stream ends there, after the batches before it).</exception>
    /// <exception cref="ShuffleNetException">a batch is empty or not a whole number of images of its size (likewise).</exception>
    public IAsyncEnumerable<float[]> EmbedStreamAsync(IAsyncEnumerable<SizedBatch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        return StreamPipelined(batches, _embeddingTensor, cancellationToken);
    }

    /// <summary>The logits stream's batches, at the classifier's size.</summary>
    static async IAsyncEnumerable<SizedBatch> AtImageSize(IAsyncEnumerable<float[]> batches, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false)) yield return new SizedBatch(batch, ImageSize, ImageSize);
    }

    /// <summary>
    /// <see cref="RunStreamAsync"/> and <see cref="EmbedStreamAsync"/> (tensor <paramref name="tensor"/> of each batch) on
    /// any backend and any number of devices. Batch j goes to device j mod k (one device:
    /// always device 0). Each batch is submitted under the gate (on an ILGPU device: upload, kernels and copy out of the
    /// arena enqueued on its <see cref="BatchPipeline"/>; on the cpu engine: kept for its run) and its collection started
    /// at once on the thread pool, after the same device's previous collection (waiting for the download without the
    /// gate; the cpu engine runs the batch there, under the gate). Up to <see cref="BatchPipeline.Depth"/> batches a
    /// device are in flight; while the source is not ready, finished batches are yielded meanwhile, so a slow or pausing
    /// source never holds back a result that is done. A batch that cannot be submitted becomes a failed result in its
    /// place: the batches before it are yielded, then its error, and the source is read no further.
    /// </summary>
    async IAsyncEnumerable<float[]> StreamPipelined(IAsyncEnumerable<SizedBatch> batches, int tensor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lanes = Lanes;
        int devices = lanes.Count, depth = devices * BatchPipeline.Depth, nextDevice = 0;
        var streams = new StreamLane?[devices];
        var previous = new Task[devices];   // each device's last collection: a device's batches are collected in order
        Array.Fill(previous, Task.CompletedTask);
        var inFlight = new Queue<Task<float[]>>();
        var source = batches.GetAsyncEnumerator(cancellationToken);
        Task<bool>? pending = null;   // the source's MoveNextAsync while it runs beside the collections
        try
        {
            bool failed = false;
            while (!failed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = source.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    pending = next.AsTask();
                    while (inFlight.Count > 0 && await Task.WhenAny(pending, inFlight.Peek()).ConfigureAwait(false) != pending)
                    {
                        yield return await inFlight.Dequeue().ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                    bool more = await pending.ConfigureAwait(false);
                    pending = null;
                    if (!more) break;
                }
                else if (!await next.ConfigureAwait(false)) break;

                int device = nextDevice;
                nextDevice = (nextDevice + 1) % devices;
                var entry = await Submit(source.Current, tensor, device, streams, previous, cancellationToken).ConfigureAwait(false);
                inFlight.Enqueue(entry);
                failed = entry.IsFaulted;
                if (!failed && inFlight.Count == depth) yield return await inFlight.Dequeue().ConfigureAwait(false);
            }
            while (inFlight.Count > 0)
            {
                yield return await inFlight.Dequeue().ConfigureAwait(false);
                if (inFlight.Count > 0) cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            // Cancelled, failed or ended early: let collections in flight finish (device work already enqueued), then
            // free the staging buffers; the network stays usable.
            try { await Task.WhenAll(previous).ConfigureAwait(false); }
            catch (Exception) { }   // already surfaced to the consumer, or the stream is ending for another reason
            if (pending is { IsCompleted: false })
            {
                // An async iterator cannot be disposed while a MoveNextAsync runs: dispose it when that ends.
                _ = pending.ContinueWith(t => { _ = t.Exception; return source.DisposeAsync().AsTask(); },
                    CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            }
            else await source.DisposeAsync().ConfigureAwait(false);
            if (streams.Any(s => s is not null))
            {
                await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try { foreach (var s in streams) s?.Dispose(); }
                finally { _gate.Release(); }
            }
        }
    }

    /// <summary>Submits <paramref name="batch"/> to <paramref name="device"/> under the gate and starts its collection
    /// after that device's previous one. Returns the batch's logits to come, or (a bad batch, the memory limit, a device
    /// failure, the network disposed) a failed task; only cancellation while waiting for the gate is thrown.</summary>
    async Task<Task<float[]>> Submit(SizedBatch batch, int tensor, int device, StreamLane?[] streams, Task[] previous,
        CancellationToken cancellationToken)
    {
        var lanes = Lanes;
        int n = 0;
        float[] logits;
        Action<float[][]> collect;
        StreamLane stream;
        try
        {
            ArgumentNullException.ThrowIfNull(batch.Images, "batch");
            NetworkGraph sized = SizedGraph(batch.Height, batch.Width);
            n = BatchSize(batch.Images, sized);
            logits = NewOutput(n, sized, tensor);
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ThrowIfDisposed();
                stream = streams[device] ??= lanes.BeginStream(device);
                collect = lanes.Submit(stream, device, batch.Images, n, sized, _single[tensor]);
            }
            finally { _gate.Release(); }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Task.FromException<float[]>(e);
        }
        var collected = previous[device].ContinueWith(_ =>
        {
            try
            {
                if (stream.CollectNeedsGate)
                {
                    using (EnterGate())
                    {
                        ThrowIfDisposed();
                        collect([logits]);
                    }
                }
                else collect([logits]);
            }
            catch (Exception e) when (lanes.WrapsStreamFailure(e)) { throw lanes.StreamFailure(device, n, e); }
            return logits;
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        previous[device] = collected;
        return collected;
    }
}
