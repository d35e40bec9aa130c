namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>An executor that can overlap the copies of neighbouring batches with the kernels of the batch between
/// them (the ILGPU backends); the SIMD CPU engine reads its input in place and has nothing to overlap.</summary>
interface IPipelinedExecutor
{
    /// <summary>Starts a pipeline (one at a time: a new one ends the previous). Dispose it to wait for the device and
    /// free its staging buffers.</summary>
    BatchPipeline BeginPipeline();
}
