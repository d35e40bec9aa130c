namespace ShuffleNetGpu.Runtime.Execution.Cuda;

/// <summary>A CUDA driver call made outside ILGPU failed: names the call and the driver's <c>CUresult</c>.</summary>
public sealed class CudaDriverException(string call, string detail, int result)
    : ShuffleNetException($"CUDA driver call {call} failed: {detail}")
{
    /// <summary>The driver's error code (0 when the library itself could not be loaded).</summary>
    public int Result { get; } = result;
}
