using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>
/// One device's part of a stream (<see cref="ShuffleNet.RunStreamAsync"/>): batches submitted under the network's gate
/// and collected later, in order. On an ILGPU device through a <see cref="BatchPipeline"/> (submitting enqueues the
/// upload, the kernels and the copy out of the arena; collecting waits for the download and needs no gate); on the cpu
/// engine, which reads its input in place and has no copies to hide, submitting keeps the batch and collecting runs it
/// (under the gate: <see cref="CollectNeedsGate"/>), so there the stream's pipelining is the source read ahead.
/// </summary>
sealed class StreamLane : IDisposable
{
    readonly INetworkExecutor _executor;
    readonly BatchPipeline? _pipeline;

    public StreamLane(INetworkExecutor executor)
    {
        _executor = executor;
        _pipeline = executor is IPipelinedExecutor pipelined ? pipelined.BeginPipeline() : null;
    }

    /// <summary>Whether a collection uses the executor (and so must hold the network's gate).</summary>
    public bool CollectNeedsGate => _pipeline is null;

    /// <summary>Page-locked staging bytes held (0 on the cpu engine).</summary>
    public long PinnedBytes => _pipeline?.PinnedBytes ?? 0;

    /// <summary>Submits a batch; the result collects it into one array per output (call those in submission order).</summary>
    public Action<float[][]> Submit(float[] input, int n, NetworkGraph sized, int[] outputs)
    {
        if (_pipeline is { } pipeline)
        {
            var batch = pipeline.Submit(input, n, sized, outputs);
            return destination => pipeline.Collect(batch, new RunOutputs(destination));
        }
        var executor = _executor;
        return destination => executor.Run(input, n, sized, outputs, new RunOutputs(destination));
    }

    public void Dispose() => _pipeline?.Dispose();
}
