namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// One thread's share of an m16n8 tensor-core tile (PTX <c>mma.m16n8k8</c> accumulator layout): with
/// g = lane / 4 and t = lane % 4, C0 and C1 are row g, columns 2t and 2t + 1; C2 and C3 the same columns of row g + 8.
/// </summary>
public struct Tf32Accumulator
{
    /// <summary>Row g, column 2t.</summary>
    public float C0;
    /// <summary>Row g, column 2t + 1.</summary>
    public float C1;
    /// <summary>Row g + 8, column 2t.</summary>
    public float C2;
    /// <summary>Row g + 8, column 2t + 1.</summary>
    public float C3;
}
