using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>Launch geometry shared by the one-thread-per-element kernels.</summary>
public static class KernelGeometry
{
    /// <summary>
    /// Group size of the element-wise kernels: 256, or the device's maximum if smaller. Chosen explicitly because
    /// ILGPU's auto-grouping asks OpenCL for <c>CL_KERNEL_WORK_GROUP_SIZE</c>, which PoCL answers with 4096: such
    /// groups ran its CPU device an order of magnitude slower than 256.
    /// </summary>
    public static int ElementwiseGroupSize(Accelerator accelerator) => Math.Min(accelerator.MaxNumThreadsPerGroup, 256);
}
