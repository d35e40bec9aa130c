namespace ShuffleNetGpu.Runtime;

/// <summary>A precision the backend cannot run: names the precision and the backend.</summary>
public sealed class PrecisionException(Precision precision, string backend)
    : ShuffleNetException($"precision {precision.ToString().ToLowerInvariant()} runs on the cuda backend only (tensor cores); " +
                          $"{backend} runs fp32: load with Precision.Fp32 (--precision fp32)")
{
    /// <summary>The precision asked for.</summary>
    public Precision Precision { get; } = precision;
}
