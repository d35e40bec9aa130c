using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>
/// What a device says about its memory, for the arena budget: on CUDA the free memory now (the driver's
/// <c>cuMemGetInfo</c>, through ILGPU's <see cref="CudaAPI"/>), on OpenCL the global memory size (OpenCL has no query
/// for free memory), nothing for ILGPU's CPU accelerator and the SIMD engine (host memory: there a refused allocation
/// is the limit). A test may replace it with fixed figures.
/// </summary>
internal abstract class DeviceMemory
{
    /// <summary>Bytes CUDA keeps free beyond the arena: the driver's own allocations (launch state, the allocation
    /// granularity of 2 MiB) fail an allocation of exactly the free figure.</summary>
    public const long CudaReserveBytes = 64L << 20;

    /// <summary>Bytes the arena may take on this device now, given the weights it holds and the arena it holds already
    /// (freed before a larger one is allocated); null when the device gives no figure. <paramref name="why"/> names the figure.</summary>
    public abstract long? AvailableForArena(long weightBytes, long heldArenaBytes, out string why);

    /// <summary>The figures <paramref name="accelerator"/> offers (none for null: the SIMD engine).</summary>
    public static DeviceMemory Of(Accelerator? accelerator) => accelerator switch
    {
        CudaAccelerator cuda => new CudaFree(cuda),
        CLAccelerator cl => new Total(cl.MemorySize, "the device's global memory"),
        _ => None.Instance,
    };

    /// <summary>A device with no figure (host memory).</summary>
    public sealed class None : DeviceMemory
    {
        public static readonly None Instance = new();

        public override long? AvailableForArena(long weightBytes, long heldArenaBytes, out string why)
        {
            why = "";
            return null;
        }
    }

    /// <summary>A fixed size holding the weights and the arena (OpenCL's global memory; tests).</summary>
    public sealed class Total(long bytes, string what) : DeviceMemory
    {
        public override long? AvailableForArena(long weightBytes, long heldArenaBytes, out string why)
        {
            why = $"{what} of {bytes:N0} bytes less {weightBytes:N0} bytes of weights";
            return Math.Max(0, bytes - weightBytes);
        }
    }

    /// <summary>CUDA's free memory now, plus the arena held (it is freed before a larger one is allocated), less
    /// <see cref="CudaReserveBytes"/>. Only compiled here: no CUDA device was present to run it.</summary>
    sealed class CudaFree(CudaAccelerator accelerator) : DeviceMemory
    {
        public override long? AvailableForArena(long weightBytes, long heldArenaBytes, out string why)
        {
            // cuMemGetInfo answers for the current context: bind this accelerator's on the calling thread for the query.
            using var binding = accelerator.BindScoped();
            var error = CudaAPI.CurrentAPI.GetMemoryInfo(out long free, out long total);
            if (error != CudaError.CUDA_SUCCESS)
            {
                why = "";
                return null;
            }
            long available = Math.Max(0, free + heldArenaBytes - CudaReserveBytes);
            why = $"the {free:N0} bytes free on the device (of {total:N0}) plus the {heldArenaBytes:N0} bytes of the arena held, " +
                  $"less {CudaReserveBytes:N0} bytes kept for the driver";
            return available;
        }
    }
}
