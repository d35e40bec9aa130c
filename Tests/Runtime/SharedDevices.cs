using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// One device per ILGPU backend for a whole test collection: the networks the tests build on it share its compiled
/// kernels (<see cref="ShuffleNet.FromWeights(ShuffleNetGpu.Networks.Weights.ModelWeights, ComputeDevice, int)"/>), so
/// PoCL compiles each kernel once per test run instead of once per network (~20 s per network on 2 loaded cores).
/// A device is created on first use, so a collection whose OpenCL tests skip never touches OpenCL.
/// </summary>
public sealed class SharedDevices : IDisposable
{
    readonly Dictionary<BackendKind, ComputeDevice> _devices = [];
    readonly Lock _lock = new();

    /// <summary>The collection's device for <paramref name="kind"/>, created on first use.</summary>
    public ComputeDevice Get(BackendKind kind)
    {
        lock (_lock)
        {
            if (!_devices.TryGetValue(kind, out var device)) _devices[kind] = device = ComputeDevice.Create(kind);
            return device;
        }
    }

    public void Dispose()
    {
        foreach (var device in _devices.Values) device.Dispose();
    }
}

/// <summary>The test classes that build many networks on ILGPU backends (the tiny fixtures at 224 and at other sizes).</summary>
[CollectionDefinition(Name)]
public sealed class SharedDeviceCollection : ICollectionFixture<SharedDevices>
{
    public const string Name = "networks on shared ILGPU devices";
}
