using System.Diagnostics;

namespace ShuffleNetGpu.Serving.Batching;

/// <summary>One request's images waiting for a batch, and where its slice of the result goes.</summary>
sealed class BatchJob
{
    readonly TaskCompletionSource<float[]> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly CancellationTokenRegistration _registration;

    public BatchJob(float[] images, int count, BatchTarget target, CancellationToken cancel)
    {
        Images = images;
        Count = count;
        Target = target;
        // A client that disconnects or times out stops waiting at once; the batcher then skips the job.
        _registration = cancel.Register(() => _result.TrySetCanceled(cancel));
    }

    public float[] Images { get; }
    public int Count { get; }
    public BatchTarget Target { get; }
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();
    public Task<float[]> Result => _result.Task;

    /// <summary>Cancelled (or already answered): nothing to compute.</summary>
    public bool IsDone => _result.Task.IsCompleted;

    public void Complete(float[] values) { _result.TrySetResult(values); _registration.Dispose(); }
    public void Fail(Exception e) { _result.TrySetException(e); _registration.Dispose(); }
}
