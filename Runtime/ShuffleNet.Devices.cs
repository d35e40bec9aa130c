using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Devices;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu;

// One network over several devices (DeviceSelection): one executor and arena per device (MultiDeviceExecutor), a batch
// split across them and joined in input order, a stream's batches dealt out whole; and the device memory limit.
public sealed partial class ShuffleNet
{
    /// <summary>Loads a converted weights file onto the devices of <paramref name="devices"/> (e.g.
    /// <c>DeviceSelection.All(BackendKind.Cuda)</c>): each device gets its own kernels, weights and arena; a batch is split
    /// across them (contiguous shares, in device order, sizes differing by at most one image) and the results come back in
    /// input order, with the bits one device gives. Calls stay serialised as on one device (each uses every device).</summary>
    /// <param name="path">The converted file.</param>
    /// <param name="devices">The backend and its devices.</param>
    /// <param name="cpuThreads">Threads of the cpu backend (one device only); ignored by the others.</param>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="WeightsFormatException">the file is malformed.</exception>
    /// <exception cref="Runtime.Backends.BackendException">the backend is not present, or has no such device.</exception>
    /// <exception cref="ShuffleNetException">more than one device of the cpu backend, or bad <paramref name="cpuThreads"/>.</exception>
    public static ShuffleNet Load(string path, DeviceSelection devices, int cpuThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(devices);
        CheckDeviceArguments(devices.Backend, cpuThreads);
        InputFile.Require(path, "a converted weights file (.safetensors)", message => new WeightsFormatException(message));
        return FromWeights(ModelWeights.Load(path), devices, cpuThreads);
    }

    /// <summary>Puts <paramref name="weights"/> onto the devices of <paramref name="devices"/> (see <see cref="Load(string, DeviceSelection, int)"/>).</summary>
    /// <exception cref="Runtime.Backends.BackendException">the backend is not present, or has no such device.</exception>
    /// <exception cref="ShuffleNetException">more than one device of the cpu backend, or bad <paramref name="cpuThreads"/>.</exception>
    public static ShuffleNet FromWeights(ModelWeights weights, DeviceSelection devices, int cpuThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(devices);
        CheckDeviceArguments(devices.Backend, cpuThreads);
        return new(weights, devices.Create(), cpuThreads);
    }

    /// <summary>The devices this network runs on (one line each), in the order batches are split across them.</summary>
    public IReadOnlyList<string> Devices => [.. Enumerable.Range(0, Lanes.Count).Select(Lanes.Describe)];

    /// <summary>How many devices this network runs on.</summary>
    public int DeviceCount => Lanes.Count;

    /// <summary>
    /// The memory each device may hold for this network, weights and activation arena together (null, the default: the
    /// device's own figure only). The arena budget of a device is the smallest of <see cref="MaxArenaBytes"/>, this less
    /// the weights, and what the device reports: on CUDA its free memory (plus the arena already held, less 64 MiB for the
    /// driver), on OpenCL its global memory less the weights; ilgpu-cpu and cpu report none. A batch whose plan needs more
    /// on any device throws <see cref="ArenaMemoryException"/> before anything is allocated or launched, with
    /// <see cref="ArenaMemoryException.MaxBatch"/> the largest batch that fits; a smaller batch then runs.
    /// </summary>
    /// <exception cref="ShuffleNetException">set to a negative value.</exception>
    public long? DeviceMemoryLimitBytes
    {
        get => Lanes.DeviceLimitBytes;
        set
        {
            if (value < 0) throw new ShuffleNetException($"the device memory limit must be 0 or more bytes, not {value}");
            using (EnterGate()) Lanes.DeviceLimitBytes = value;
        }
    }

    /// <summary>The executors, one per device.</summary>
    internal MultiDeviceExecutor Lanes => (MultiDeviceExecutor)_executor;

    string DescribeDevices() => Lanes.Count == 1
        ? Lanes.Describe(0)
        : $"{Lanes.Count} devices: " + string.Join("; ", Enumerable.Range(0, Lanes.Count).Select(d => $"[{d}] {Lanes.Describe(d)}"));

    /// <summary>
    /// <see cref="RunStreamAsync"/> over several devices: the batches are read ahead (at most one a device) and dealt out
    /// whole, one a device, the group run at once under the gate (so the gate's rules hold as on one device) and yielded in
    /// order. Cancellation ends the stream between batches, while waiting for the gate or for the source.
    /// </summary>
    async IAsyncEnumerable<float[]> RunStreamOnDevicesAsync(IAsyncEnumerable<float[]> batches,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lanes = Lanes;
        var queue = Channel.CreateBounded<float[]>(new BoundedChannelOptions(lanes.Count) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Pump(batches, queue.Writer, stop.Token);
        try
        {
            var group = new List<float[]>(lanes.Count);
            int nextDevice = 0;   // round-robin over the whole stream, however the batches arrive grouped
            while (await queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                group.Clear();
                while (group.Count < lanes.Count && queue.Reader.TryRead(out var next)) group.Add(next);
                // A bad batch ends the stream where it stands: the batches before it still run and are yielded.
                ShuffleNetException? bad = null;
                for (int i = 0; i < group.Count && bad is null; i++)
                {
                    try { BatchSize(group[i]); }
                    catch (ShuffleNetException e)
                    {
                        bad = e;
                        group.RemoveRange(i, group.Count - i);
                    }
                }
                var outputs = group.Select(b => NewOutput(b.Length / ImageElements, Graph, Graph.OutputTensor)).ToArray();
                Exception?[] errors = [];
                if (group.Count > 0)
                {
                    await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        ThrowIfDisposed();
                        cancellationToken.ThrowIfCancellationRequested();
                        var run = group.ToArray();
                        errors = await Task.Run(() => lanes.RunEach(run, Graph, _single[Graph.OutputTensor], outputs, nextDevice), CancellationToken.None)
                            .ConfigureAwait(false);
                    }
                    finally { _gate.Release(); }
                    nextDevice = (nextDevice + group.Count) % lanes.Count;
                }
                for (int i = 0; i < outputs.Length; i++)
                {
                    if (errors[i] is { } error) ExceptionDispatchInfo.Throw(error);
                    if (i > 0) cancellationToken.ThrowIfCancellationRequested();
                    yield return outputs[i];
                }
                if (bad is not null) throw bad;
            }
            await pump.ConfigureAwait(false);   // the source's own error, if it failed
        }
        finally
        {
            stop.Cancel();
            try { await pump.ConfigureAwait(false); }
            catch (Exception) when (stop.IsCancellationRequested) { }   // already reported above, or ended by us
        }
    }

    /// <summary>Reads the source into <paramref name="writer"/> until it ends, fails or <paramref name="stop"/> fires;
    /// disposes the source either way.</summary>
    static async Task Pump(IAsyncEnumerable<float[]> batches, ChannelWriter<float[]> writer, CancellationToken stop)
    {
        try
        {
            await foreach (var batch in batches.WithCancellation(stop).ConfigureAwait(false))
                await writer.WriteAsync(batch, stop).ConfigureAwait(false);
        }
        finally { writer.TryComplete(); }
    }
}
