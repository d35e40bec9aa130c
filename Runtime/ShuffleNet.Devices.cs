using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Devices;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu;

// One network over several devices (DeviceSelection): one executor and arena per device (MultiDeviceExecutor), a batch
// split across them and joined in input order, a stream's batches dealt out whole (ShuffleNet.Streaming.cs); and the
// device memory limit.
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
        return FromWeights(LoadWeightsFile(path), devices, cpuThreads);
    }

    /// <summary>Puts <paramref name="weights"/> onto the devices of <paramref name="devices"/> (see <see cref="Load(string, DeviceSelection, int)"/>).</summary>
    /// <exception cref="Runtime.Backends.BackendException">the backend is not present, or has no such device.</exception>
    /// <exception cref="ShuffleNetException">more than one device of the cpu backend, or bad <paramref name="cpuThreads"/>.</exception>
    public static ShuffleNet FromWeights(ModelWeights weights, DeviceSelection devices, int cpuThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(devices);
        return FromWeights(weights, new ShuffleNetOptions { Devices = devices, CpuThreads = cpuThreads });
    }

    /// <summary>A network over devices the caller created and keeps (tests: one of them shared with other networks, whose
    /// calls take turns with this network's through device 0's gate); disposing it leaves the devices open.</summary>
    internal static ShuffleNet FromDevices(ModelWeights weights, IReadOnlyList<ComputeDevice> devices) =>
        new(weights, devices, 0, ownsDevices: false);

    /// <summary>Device <paramref name="index"/> of this network (tests).</summary>
    internal ComputeDevice DeviceAt(int index) => _devices[index];

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
}
