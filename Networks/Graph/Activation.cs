namespace ShuffleNetGpu.Networks.Graph;

/// <summary>The activation applied after an op. One enum for the graph, the ILGPU kernels and the CPU engine: the value
/// indexes the kernel launchers' tables, so the numbers are fixed.</summary>
public enum Activation
{
    /// <summary>None: the value as computed.</summary>
    None = 0,
    /// <summary><c>max(x, 0)</c>.</summary>
    Relu = 1,
    /// <summary><c>x * relu6(x + 3) / 6</c>.</summary>
    HardSwish = 2,
    /// <summary><c>relu6(x + 3) / 6</c>.</summary>
    HardSigmoid = 3,
    /// <summary><c>1 / (1 + exp(-x))</c>.</summary>
    Sigmoid = 4,
}
