using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu;

/// <summary>
/// Several networks on one <see cref="ComputeDevice"/>: kernels are compiled once per device (ILGPU caches them per
/// accelerator), so the second and later networks load without compiling, and a GPU holds one context instead of one
/// per network. The price: networks sharing a device take turns (one call at a time on the device, as on one network),
/// where networks with their own devices run side by side.
/// <code>
/// using var device = ComputeDevice.Create(BackendKind.OpenCL);
/// using var a = ShuffleNet.Load("v2.safetensors", device);
/// using var b = ShuffleNet.Load("detnas.safetensors", device);   // no kernel compiled here
/// </code>
/// </summary>
public sealed partial class ShuffleNet
{
    /// <summary>Loads a converted weights file onto a device the caller created and keeps (see the class remarks on
    /// sharing a device). Disposing the network leaves the device open; dispose the device after its networks.</summary>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="WeightsFormatException">the file is malformed or does not fit its configuration.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="device"/> is disposed.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="cpuThreads"/> is outside 0..<see cref="MaxCpuThreads"/>.</exception>
    public static ShuffleNet Load(string path, ComputeDevice device, int cpuThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(device);
        CheckDeviceArguments(BackendKind.Auto, cpuThreads);
        return FromWeights(LoadWeightsFile(path), device, cpuThreads);
    }

    /// <summary>Puts <paramref name="weights"/> onto a device the caller created and keeps (see <see cref="Load(string, ComputeDevice, int)"/>).</summary>
    /// <exception cref="ObjectDisposedException"><paramref name="device"/> is disposed.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="cpuThreads"/> is outside 0..<see cref="MaxCpuThreads"/>.</exception>
    public static ShuffleNet FromWeights(ModelWeights weights, ComputeDevice device, int cpuThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(device);
        CheckDeviceArguments(BackendKind.Auto, cpuThreads);
        return new(weights, [device], cpuThreads, ownsDevices: false);
    }
}
