using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>
/// Batches through one <see cref="GraphExecutor"/> with the copies hidden behind the kernels: batch k is copied into a
/// page-locked slot and uploaded on the upload stream, its kernels run on the executor's compute stream once the upload
/// is done (an event), its outputs are copied out of the arena on the compute stream and downloaded on the download
/// stream. With two slots, while batch k's kernels run, batch k+1 uploads (<see cref="Submit"/> of k+1 comes before
/// <see cref="Collect"/> of k) and batch k-1 downloads. On CUDA the streams wait for each other on the device (driver
/// events); elsewhere on the host (<see cref="StreamEvent"/>): the same order, the same bits as one-by-one runs.
/// <see cref="Submit"/> is called under the network's gate (it uses the executor); <see cref="Collect"/> may run on another
/// thread at the same time (it touches only its slot and the download stream) and holds the pipeline's own lock, which
/// <see cref="Dispose"/> takes too, so the buffers are never freed under a collection.
/// </summary>
sealed class BatchPipeline : IDisposable
{
    /// <summary>Batches in flight at most: enough for upload, compute and download of three neighbours to overlap.</summary>
    public const int Depth = 2;

    readonly GraphExecutor _executor;
    readonly AcceleratorStream _upload, _download;
    readonly StagingSlot[] _slots;
    readonly Lock _collecting = new();
    long _submitted, _collected;
    volatile bool _disposed;

    public BatchPipeline(GraphExecutor executor, Accelerator accelerator)
    {
        _executor = executor;
        _upload = accelerator.CreateStream();
        _download = accelerator.CreateStream();
        _slots = [.. Enumerable.Range(0, Depth).Select(_ => new StagingSlot(accelerator))];
    }

    /// <summary>Whether the streams wait for each other on the device (CUDA) rather than through the host.</summary>
    public bool OrderedOnDevice => _slots[0].Uploaded.OnDevice;

    /// <summary>Batches submitted and not yet collected.</summary>
    public int InFlight => (int)(_submitted - Volatile.Read(ref _collected));

    /// <summary>Page-locked host bytes the slots hold.</summary>
    public long PinnedBytes => _slots.Sum(s => s.PinnedBytes);

    /// <summary>Enqueues a batch (upload, kernels, copy out of the arena) and returns without waiting for the device.
    /// The plan is checked first, so a batch that cannot run is refused before anything is enqueued.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Depth"/> batches are already in flight.</exception>
    public PipelineBatch Submit(ReadOnlySpan<float> input, int n, NetworkGraph sized, IReadOnlyList<int> outputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (InFlight >= Depth) throw new InvalidOperationException($"{Depth} batches are in flight: collect one first");
        var plan = _executor.PlanFor(n, sized, outputs);
        var lengths = new long[outputs.Count];
        long total = 0;
        for (int i = 0; i < lengths.Length; i++) total += lengths[i] = plan.ElementsOf(outputs[i]);
        var slot = _slots[_submitted % Depth];
        slot.Ensure(input.Length, total);
        input.CopyTo(slot.HostInput.Span);
        var deviceInput = slot.DeviceInput!.View.AsContiguous().SubView(0, input.Length);
        deviceInput.CopyFromCPUUnsafeAsync(_upload, ref MemoryMarshal.GetReference(slot.HostInput.Span), input.Length);
        slot.Uploaded.Record(_upload);
        _executor.EnqueueCompute(plan, n, deviceInput, outputs, slot.DeviceOutput!.View.AsContiguous().SubView(0, total), slot.Uploaded);
        slot.Computed.Record(_executor.ComputeStream);
        return new PipelineBatch(_submitted++, slot, lengths, total);
    }

    /// <summary>Waits for the oldest batch in flight and copies its outputs into <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="batch"/> is not the oldest batch in flight.</exception>
    public void Collect(PipelineBatch batch, RunOutputs destination)
    {
        lock (_collecting) CollectLocked(batch, destination);
    }

    void CollectLocked(PipelineBatch batch, RunOutputs destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch.Sequence != _collected) throw new InvalidOperationException($"batch {batch.Sequence} collected out of order (next is {_collected})");
        var slot = batch.Slot;
        slot.Computed.MakeWait(_download);
        slot.DeviceOutput!.View.AsContiguous().SubView(0, batch.Total)
            .CopyToCPUUnsafeAsync(_download, ref MemoryMarshal.GetReference(slot.HostOutput.Span), batch.Total);
        slot.Downloaded.Record(_download);
        slot.Downloaded.WaitOnHost();
        var host = slot.HostOutput.Span;
        long offset = 0;
        for (int i = 0; i < batch.Lengths.Length; i++)
        {
            host.Slice((int)offset, (int)batch.Lengths[i]).CopyTo(destination.Slot(i, offset, batch.Lengths[i]));
            offset += batch.Lengths[i];
        }
        Volatile.Write(ref _collected, _collected + 1);
    }

    /// <summary>Waits for everything in flight (results not collected are dropped) and frees the staging buffers; the
    /// executor stays usable. Safe to call twice.</summary>
    public void Dispose()
    {
        lock (_collecting)
        {
            if (_disposed) return;
            _disposed = true;
        }
        if (!_executor.IsDisposed)
        {
            _upload.Synchronize();
            _executor.ComputeStream.Synchronize();
            _download.Synchronize();
        }
        foreach (var slot in _slots) slot.Dispose();
        _upload.Dispose();
        _download.Dispose();
        _executor.PipelineEnded(this);
    }
}
