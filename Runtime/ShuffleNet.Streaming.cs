using System.Runtime.CompilerServices;
using ShuffleNetGpu.Runtime.Execution;

namespace ShuffleNetGpu;

public sealed partial class ShuffleNet
{
    /// <summary>
    /// <see cref="RunStreamAsync"/> on an executor that overlaps copies with kernels. Each batch is submitted (under the
    /// gate: upload, kernels, copy out of the arena, all enqueued) and its collection started at once on the thread pool
    /// (waiting for the download without the gate, so the next submit is not held up). Up to
    /// <see cref="BatchPipeline.Depth"/> batches are in flight; while the source is not ready, finished batches are
    /// yielded meanwhile, so a slow or pausing source never holds back a result that is done.
    /// </summary>
    async IAsyncEnumerable<float[]> StreamPipelined(IPipelinedExecutor executor, IAsyncEnumerable<float[]> batches,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var inFlight = new Queue<Task<float[]>>();
        Task previous = Task.CompletedTask;
        BatchPipeline? pipeline = null;
        var source = batches.GetAsyncEnumerator(cancellationToken);
        Task<bool>? pending = null;   // the source's MoveNextAsync while it runs beside the collections
        try
        {
            while (true)
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

                var batch = source.Current;
                int n = BatchSize(batch);
                var logits = NewOutput(n, Graph, Graph.OutputTensor);
                PipelineBatch submitted;
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    pipeline ??= executor.BeginPipeline();
                    submitted = pipeline.Submit(batch, n, Graph, _single[Graph.OutputTensor]);
                }
                finally { _gate.Release(); }
                // Collections run in order, each after the one before it.
                var started = pipeline;
                var collect = previous.ContinueWith(_ =>
                {
                    started.Collect(submitted, new RunOutputs(logits));
                    return logits;
                }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                previous = collect;
                inFlight.Enqueue(collect);
                if (inFlight.Count == BatchPipeline.Depth) yield return await inFlight.Dequeue().ConfigureAwait(false);
            }
            while (inFlight.Count > 0) yield return await inFlight.Dequeue().ConfigureAwait(false);
        }
        finally
        {
            // Cancelled, failed or ended early: let collections in flight finish (device work already enqueued), then
            // free the staging buffers; the network stays usable.
            try { await previous.ConfigureAwait(false); }
            catch (Exception) { }   // already surfaced to the consumer, or the stream is ending for another reason
            if (pending is { IsCompleted: false })
            {
                // An async iterator cannot be disposed while a MoveNextAsync runs: dispose it when that ends.
                _ = pending.ContinueWith(t => { _ = t.Exception; return source.DisposeAsync().AsTask(); },
                    CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            }
            else await source.DisposeAsync().ConfigureAwait(false);
            if (pipeline is not null)
            {
                await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try { pipeline.Dispose(); }
                finally { _gate.Release(); }
            }
        }
    }
}
