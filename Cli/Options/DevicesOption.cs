using System.CommandLine;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Devices;

namespace ShuffleNetGpu.Cli.Options;

/// <summary><c>--devices all|I,J,...</c> beside <c>--backend</c>: one network over several devices of the backend (a batch
/// split across them, results in input order with the bits of one device). Without it, the backend's one device.</summary>
static class DevicesOption
{
    public static Option<string?> Create() => new("--devices")
    {
        Description = "Run on several devices of --backend: 'all', or device indices separated by commas (0,1; 0,0 opens two " +
                      "contexts on device 0). Batches are split across them; results are in input order, with one device's bits.",
    };

    /// <summary>The network for <paramref name="weights"/> on <paramref name="backend"/>, over the devices of
    /// <paramref name="devices"/> when given.</summary>
    /// <exception cref="UsageException">the --devices text is not 'all' or a list of indices, or asks several cpu devices.</exception>
    public static ShuffleNet Load(ModelWeights weights, BackendKind backend, int threads, string? devices, Precision precision = Precision.Fp32)
    {
        if (devices is null) return ShuffleNet.FromWeights(weights, new ShuffleNetOptions { Backend = backend, CpuThreads = threads, Precision = precision });
        DeviceSelection selection;
        try { selection = DeviceSelection.Parse(backend, devices); }
        catch (ShuffleNetException e) { throw new UsageException($"--devices: {e.Message}"); }
        try { return ShuffleNet.FromWeights(weights, new ShuffleNetOptions { Devices = selection, CpuThreads = threads, Precision = precision }); }
        catch (ShuffleNetException e) when (e is not (BackendException or PrecisionException)) { throw new UsageException($"--devices: {e.Message}"); }
    }
}
