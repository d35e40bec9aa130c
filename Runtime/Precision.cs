namespace ShuffleNetGpu.Runtime;

/// <summary>The arithmetic of the pointwise (1x1) convolutions, which hold most of a ShuffleNet's multiply-adds.</summary>
public enum Precision
{
    /// <summary>float32 everywhere: the default, and the only precision the fixtures' 1e-4 tolerance holds for.</summary>
    Fp32,

    /// <summary>
    /// TF32 tensor cores on CUDA (what PyTorch's cuDNN convolutions use by default on Ampere and later): the pointwise
    /// GEMMs round both operands to 10 mantissa bits and accumulate in float32. Tolerance: logits within relative L2
    /// 1e-2 of fp32 and the same top-1 (<see cref="Verification.Tf32Tolerance"/>). The other backends refuse it.
    /// </summary>
    Tf32,
}
