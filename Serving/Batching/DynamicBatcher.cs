using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using ShuffleNetGpu.Serving.Metrics;
using ShuffleNetGpu.Serving.Protocol;

namespace ShuffleNetGpu.Serving.Batching;

/// <summary>
/// One model's queue: concurrent requests are gathered into one forward pass of up to
/// <see cref="BatchingOptions.MaxBatch"/> images (or what arrived within <see cref="BatchingOptions.MaxDelay"/> of the
/// first), run once with the span API, and split back. The queue is bounded: with
/// <see cref="BatchingOptions.MaxQueue"/> requests waiting or running, one more is refused at once rather than left to
/// time out.
/// </summary>
sealed class DynamicBatcher : IAsyncDisposable
{
    readonly ShuffleNet _net;
    readonly BatchingOptions _options;
    readonly ServingMetrics _metrics;
    readonly string _model;
    readonly Channel<BatchJob> _queue = Channel.CreateUnbounded<BatchJob>(new UnboundedChannelOptions { SingleReader = true });
    readonly Task _loop;
    int _outstanding;   // requests queued, gathering or running: the bound MaxQueue keeps

    public DynamicBatcher(string model, ShuffleNet net, BatchingOptions options, ServingMetrics metrics)
    {
        _model = model;
        _net = net;
        _options = options;
        _metrics = metrics;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Queues <paramref name="count"/> images for <paramref name="target"/>; the task gives their slice of the result.</summary>
    /// <exception cref="InferenceException">the queue is full, or the server is stopping (503).</exception>
    public Task<float[]> Submit(float[] images, int count, BatchTarget target, CancellationToken cancel)
    {
        if (Interlocked.Increment(ref _outstanding) > _options.MaxQueue)
        {
            Interlocked.Decrement(ref _outstanding);
            _metrics.Rejected(_model);
            throw new InferenceException(InferenceStatus.Unavailable,
                $"model '{_model}' has {_options.MaxQueue} requests waiting or running already (the server's --max-queue): try again later");
        }
        var job = new BatchJob(images, count, target, cancel);
        job.Result.ContinueWith(_ => Interlocked.Decrement(ref _outstanding), TaskContinuationOptions.ExecuteSynchronously);
        if (!_queue.Writer.TryWrite(job))
        {
            job.Fail(new InferenceException(InferenceStatus.Unavailable, $"model '{_model}' is stopping: the server is shutting down"));
        }
        return job.Result;
    }

    async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<BatchJob>();
        BatchJob? carried = null;   // the job that ended the last batch (another target, or too many images)
        while (true)
        {
            BatchJob? first = carried;
            carried = null;
            if (first is null)
            {
                if (!await reader.WaitToReadAsync().ConfigureAwait(false)) return;   // completed and drained
                if (!reader.TryRead(out first)) continue;
            }
            if (first.IsDone) continue;
            batch.Clear();
            batch.Add(first);
            int images = first.Count;
            long deadline = first.EnqueuedAt + (long)(_options.MaxDelay.TotalSeconds * Stopwatch.Frequency);
            while (images < _options.MaxBatch)
            {
                if (reader.TryRead(out var next))
                {
                    if (next.IsDone) continue;
                    if (next.Target != first.Target || images + next.Count > _options.MaxBatch) { carried = next; break; }
                    batch.Add(next);
                    images += next.Count;
                    continue;
                }
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (wait <= TimeSpan.Zero) break;
                using var timer = new CancellationTokenSource(wait);
                try
                {
                    if (!await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false)) break;
                }
                catch (OperationCanceledException) { break; }
            }
            Run(batch);
        }
    }

    /// <summary>Runs the jobs still wanted as one batch and hands each its rows.</summary>
    void Run(List<BatchJob> batch)
    {
        batch.RemoveAll(j => j.IsDone);
        if (batch.Count == 0) return;
        var target = batch[0].Target;
        int images = batch.Sum(j => j.Count);
        long started = Stopwatch.GetTimestamp();
        foreach (var job in batch) _metrics.Queued(_model, Stopwatch.GetElapsedTime(job.EnqueuedAt, started));
        try
        {
            float[] output = Compute(batch, images, target);
            int perImage = output.Length / images, offset = 0;
            foreach (var job in batch)
            {
                job.Complete(output.AsSpan(offset, job.Count * perImage).ToArray());
                offset += job.Count * perImage;
            }
        }
        catch (Exception e)
        {
            foreach (var job in batch) job.Fail(e);
        }
        // A network over several devices splits the batch across them: one label names them all.
        _metrics.Batch(_model, _net.DeviceCount > 1 ? $"{_net.Backend} x{_net.DeviceCount}" : _net.Backend.ToString(), images,
            Stopwatch.GetElapsedTime(started));
    }

    float[] Compute(List<BatchJob> batch, int images, BatchTarget target)
    {
        int length = images * ShuffleNet.ImageElements;
        // A lone job runs on its own array; several are copied side by side into a pooled one.
        float[] input = batch.Count == 1 ? batch[0].Images : ArrayPool<float>.Shared.Rent(length);
        try
        {
            if (batch.Count > 1)
            {
                int offset = 0;
                foreach (var job in batch)
                {
                    job.Images.AsSpan(0, job.Count * ShuffleNet.ImageElements).CopyTo(input.AsSpan(offset));
                    offset += job.Count * ShuffleNet.ImageElements;
                }
            }
            var span = input.AsSpan(0, length);
            switch (target.Stage)
            {
                case 0:
                {
                    var logits = new float[images * _net.Classes];
                    _net.Run(span, logits);
                    return logits;
                }
                case 1:
                {
                    var embedding = new float[images * _net.EmbeddingSize];
                    _net.Embed(span, embedding);
                    return embedding;
                }
                default:
                    // The stage maps have no span overload; they take an exact array.
                    return _net.Features(span.ToArray(), target.Stage)[target.Stage].Data;
            }
        }
        finally
        {
            if (batch.Count > 1) ArrayPool<float>.Shared.Return(input);
        }
    }

    /// <summary>Stops taking requests and finishes those queued (graceful shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
