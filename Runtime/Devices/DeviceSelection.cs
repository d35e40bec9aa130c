using System.Globalization;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Runtime.Devices;

/// <summary>
/// The devices one <see cref="ShuffleNet"/> runs on: every device of a backend (<see cref="All"/>) or a chosen list of
/// device indices (<see cref="Of"/>; CUDA devices in the driver's order, OpenCL devices GPUs first, as
/// <c>shufflenet info</c> lists them). An index may repeat: each entry gets its own ILGPU context, kernels, weights and
/// arena, so <c>0,0</c> runs two contexts on one device (ilgpu-cpu and a CPU OpenCL device such as PoCL have one device).
/// A batch is split across the devices in order and the results joined in input order; a stream of batches is dealt
/// out whole, one batch a device (see <see cref="ShuffleNet.RunStreamAsync"/>).
/// </summary>
public sealed class DeviceSelection
{
    readonly int[]? _indices;

    DeviceSelection(BackendKind backend, int[]? indices)
    {
        Backend = backend;
        _indices = indices;
    }

    /// <summary>The most devices one network runs on.</summary>
    public const int MaxDevices = 64;

    /// <summary>The backend asked for (<see cref="BackendKind.Auto"/>: CUDA if present, else OpenCL GPUs, else cpu).</summary>
    public BackendKind Backend { get; }

    /// <summary>The device indices chosen; null for every device of the backend.</summary>
    public IReadOnlyList<int>? Indices => _indices;

    /// <summary>Every device of <paramref name="backend"/> present here (ilgpu-cpu and cpu have one).</summary>
    public static DeviceSelection All(BackendKind backend = BackendKind.Auto) => new(Checked(backend), null);

    /// <summary>The devices <paramref name="indices"/> of <paramref name="backend"/>, in this order (repeats allowed: each is
    /// its own context).</summary>
    /// <exception cref="ShuffleNetException">no index, more than <see cref="MaxDevices"/>, or a negative one.</exception>
    public static DeviceSelection Of(BackendKind backend, params int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length is 0 or > MaxDevices)
            throw new ShuffleNetException($"devices: expected 1 to {MaxDevices} device indices, got {indices.Length}");
        foreach (int i in indices)
            if (i < 0) throw new ShuffleNetException($"devices: device index {i} is negative");
        return new(Checked(backend), (int[])indices.Clone());
    }

    /// <summary>Parses <c>all</c> or a comma-separated list of device indices (<c>0,1</c>; <c>0,0</c> for two contexts on
    /// device 0), as <c>--devices</c> takes it.</summary>
    /// <exception cref="ShuffleNetException">anything else (the message quotes the text and says what is expected).</exception>
    public static DeviceSelection Parse(BackendKind backend, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return All(backend);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var indices = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out indices[i]))
                throw new ShuffleNetException($"devices '{text}': expected 'all' or device indices separated by commas (e.g. 0,1), not '{parts[i]}'");
        return Of(backend, indices);
    }

    /// <summary>The backend that runs, <see cref="BackendKind.Auto"/> resolved (CUDA if it has devices, else OpenCL when
    /// it has a GPU, else cpu), and the device indices.</summary>
    internal (BackendKind Kind, int[] Indices) Resolve()
    {
        var kind = Backend;
        int count;
        if (kind == BackendKind.Auto)
        {
            if ((count = ComputeDevice.DeviceCount(BackendKind.Cuda)) > 0) kind = BackendKind.Cuda;
            else if ((count = OpenCLGpus()) > 0) kind = BackendKind.OpenCL;
            else (kind, count) = (BackendKind.Cpu, 1);
        }
        else count = ComputeDevice.DeviceCount(kind);
        if (count == 0)
            throw new BackendException($"backend '{kind.ToName()}' has no device here: {ComputeDevice.Probe().First(p => p.Kind == kind).Detail}");
        var indices = _indices ?? [.. Enumerable.Range(0, Math.Min(count, MaxDevices))];
        if (kind == BackendKind.Cpu && indices.Length > 1)
            throw new ShuffleNetException(
                $"devices: the cpu backend is one engine over every processor and runs on one device, not {indices.Length}; " +
                "for several engines load separate networks, each with part of the threads (cpuThreads)");
        return (kind, indices);
    }

    /// <summary>Creates the devices (all of them, or none: a failure disposes those made).</summary>
    internal List<ComputeDevice> Create(ILGPU.OptimizationLevel? level = null)
    {
        var (kind, indices) = Resolve();
        var devices = new List<ComputeDevice>();
        try
        {
            // One device of Auto keeps Auto's fallback reason; otherwise each index by name.
            if (Backend == BackendKind.Auto && indices is [0] && _indices is null) devices.Add(ComputeDevice.Create(BackendKind.Auto, level));
            else foreach (int i in indices) devices.Add(ComputeDevice.Create(kind, i, level));
            return devices;
        }
        catch
        {
            foreach (var d in devices) d.Dispose();
            throw;
        }
    }

    static int OpenCLGpus() =>
        ComputeDevice.DeviceCount(BackendKind.OpenCL) == 0 ? 0 : BackendDiscovery.ScanOpenCL().Usable.Count(BackendDiscovery.IsGpu);

    static BackendKind Checked(BackendKind backend) => Enum.IsDefined(backend)
        ? backend
        : throw new BackendException($"backend {(int)backend} is not a BackendKind; valid backends: {string.Join(", ", BackendNames.ValidNames)}");

    /// <summary><c>cuda:all</c>, <c>ilgpu-cpu:0,0</c>.</summary>
    public override string ToString() => $"{Backend.ToName()}:{(_indices is null ? "all" : string.Join(',', _indices))}";
}
